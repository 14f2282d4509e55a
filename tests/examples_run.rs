//! The examples' protocol code (`examples/mqtt_publish.rs`,
//! `examples/https_get.rs`, and their async twins `examples/mqtt_async.rs`
//! with `rust-mqtt` and `examples/https_get_async.rs` with `reqwless`, on
//! the async front over a port that suspends before every UART transfer)
//! against real servers through the simulated modem, on a Quectel BG96, a Sierra HL78xx 4.6 and a Quectel M95 (the
//! BG96 takes the modem's TLS where the server allows it, the others TLS
//! 1.3 on the MCU): the functions the examples' `main` calls, called here
//! directly (no `cargo run` inside a test).
//!
//! MQTT: `mosquitto` with a TLS 1.3 listener (Debian package `mosquitto`,
//! installed by `tools/setup.sh`; a machine without it skips the MQTT test
//! with the reason printed). HTTPS: the in-process server (a response with
//! `Content-Length`) and `openssl s_server -WWW` (an HTTP/1.0 response
//! without a length: the body is read to the close).

// Each example is a crate of its own that loads `examples/common`; here the
// examples and the test share one crate, so it is loaded five times.
#![allow(clippy::duplicate_mod)]

#[path = "../examples/common/mod.rs"]
mod common;
#[path = "../examples/https_get.rs"]
#[allow(dead_code)]
mod https_get;
#[path = "../examples/https_get_async.rs"]
#[allow(dead_code)]
mod https_get_async;
#[path = "../examples/mqtt_async.rs"]
#[allow(dead_code)]
mod mqtt_async;
#[path = "../examples/mqtt_publish.rs"]
#[allow(dead_code)]
mod mqtt_publish;

use common::asynch::block_on;
use modemtls::session::Path;
use modemtls_testkit::s_server::{SServer, SServerMode, SServerOpts};
use modemtls_testkit::{
    peers, server_creds, Behaviour, KeyKind, ServerCreds, ServerOpts, TlsServer,
};

const PROFILES: [&str; 3] = ["bg96", "hl78xx-4.6", "m95"];
const HOST: &str = common::LOCAL_SERVER;

/// A payload of every byte value, different for each `seed`.
fn payload(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn creds() -> ServerCreds {
    server_creds(HOST, KeyKind::P256)
}

#[test]
fn mqtt_publish_through_mosquitto() {
    if let Err(e) = peers::find_program("mosquitto", "mosquitto") {
        eprintln!("SKIPPED: {e}");
        return;
    }
    let creds = creds();
    let broker = peers::mosquitto(&creds.chain_pem, &creds.key_pem).expect("mosquitto starts");
    for (i, profile) in PROFILES.into_iter().enumerate() {
        let mut device = common::open_device(None, profile, HOST).expect("modem");
        let mut mem = common::HostMemory::new();
        let mut s = common::connect(
            &mut device.modem,
            &mut mem,
            HOST,
            broker.port(),
            &creds.ca_pem,
        )
        .unwrap_or_else(|e| panic!("{profile}: {e}\n{}", broker.output()));
        let sent = payload(i as u8, 700);
        let topic = format!("modemtls/examples/{profile}");
        let got = mqtt_publish::publish_and_receive(&mut s, profile, &topic, &sent)
            .unwrap_or_else(|e| panic!("{profile}: {e}\n{}", broker.output()));
        assert!(got == sent, "{profile}: the payload delivered back differs");
        s.close().expect("close");
    }
}

/// `https_get` of `path` on `port` through every profile: status 200 and
/// exactly `body`.
fn get_everywhere(port: u16, ca_pem: &[u8], path: &str, body: &[u8]) {
    for profile in PROFILES {
        let mut device = common::open_device(None, profile, HOST).expect("modem");
        let mut mem = common::HostMemory::new();
        let mut s = common::connect(&mut device.modem, &mut mem, HOST, port, ca_pem)
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        let mut buf = [0u8; 4096];
        let r = https_get::get(&mut s, HOST, path, &mut buf)
            .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert_eq!(r.status, 200, "{profile}");
        assert!(r.body == body, "{profile}: wrong body");
        s.close().expect("close");
    }
}

#[test]
fn https_get_with_content_length() {
    let creds = creds();
    let body = payload(7, 1500);
    let server = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http { body: body.clone() },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("server");
    get_everywhere(server.port(), &creds.ca_pem, "/data", &body);
}

#[test]
fn https_get_read_to_close_from_s_server() {
    let creds = creds();
    let body = payload(9, 2000);
    let server = SServer::spawn(SServerOpts {
        mode: SServerMode::WwwFiles(vec![("data.bin".into(), body.clone())]),
        ..SServerOpts::new(&creds.chain_pem, &creds.key_pem)
    })
    .expect("s_server");
    get_everywhere(server.port(), &creds.ca_pem, "/data.bin", &body);
}

/// A response larger than the caller's buffer is an error, not a cut body.
#[test]
fn https_get_refuses_a_response_larger_than_its_buffer() {
    let creds = creds();
    let server = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: payload(3, 3000),
        },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("server");
    let mut device = common::open_device(None, "bg96", HOST).expect("modem");
    let mut mem = common::HostMemory::new();
    let mut s = common::connect(
        &mut device.modem,
        &mut mem,
        HOST,
        server.port(),
        &creds.ca_pem,
    )
    .expect("connect");
    let mut buf = [0u8; 1024];
    match https_get::get(&mut s, HOST, "/", &mut buf) {
        Err(https_get::HttpError::TooLarge) => {}
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

/// `mqtt_async` (MQTT 5, QoS 1 both ways) through every profile on the
/// async front: the payload comes back unchanged and the session closes.
#[test]
fn mqtt_async_through_mosquitto() {
    if let Err(e) = peers::find_program("mosquitto", "mosquitto") {
        eprintln!("SKIPPED: {e}");
        return;
    }
    let creds = creds();
    let broker = peers::mosquitto(&creds.chain_pem, &creds.key_pem).expect("mosquitto starts");
    for (i, profile) in PROFILES.into_iter().enumerate() {
        block_on(async {
            let mut device = common::open_device_async(None, profile, HOST)
                .await
                .expect("modem");
            let mut mem = common::HostMemory::new();
            let mut s = common::connect_async(
                &mut device.modem,
                &mut mem,
                HOST,
                broker.port(),
                &creds.ca_pem,
            )
            .await
            .unwrap_or_else(|e| panic!("{profile}: {e}\n{}", broker.output()));
            let sent = payload(0x40 + i as u8, 700);
            let topic = format!("modemtls/examples-async/{profile}");
            let got = mqtt_async::publish_and_receive(&mut s, profile, &topic, &sent)
                .await
                .unwrap_or_else(|e| panic!("{profile}: {e}\n{}", broker.output()));
            assert!(got == sent, "{profile}: the payload delivered back differs");
            s.close().await.expect("close");
        });
    }
}

/// `https_get_async` of `path` on `port` through every profile on the
/// async front: status 200 and exactly `body`. On the BG96's TLS, the
/// request `reqwless` writes in pieces goes out in one `AT+QSSLSEND`.
fn get_async_everywhere(port: u16, ca_pem: &[u8], path: &str, body: &[u8]) {
    get_async_on_paths(port, ca_pem, path, body, Path::Offload)
}

/// [`get_async_everywhere`], the BG96 expected on `bg96_path`.
fn get_async_on_paths(port: u16, ca_pem: &[u8], path: &str, body: &[u8], bg96_path: Path) {
    for profile in PROFILES {
        block_on(async {
            let mut device = common::open_device_async(None, profile, HOST)
                .await
                .expect("modem");
            let mut mem = common::HostMemory::new();
            let mut s = common::connect_async(&mut device.modem, &mut mem, HOST, port, ca_pem)
                .await
                .unwrap_or_else(|e| panic!("{profile}: {e}"));
            let offload = s.info().path == Path::Offload;
            let mut buf = [0u8; 4096];
            let r = https_get_async::get(&mut s, HOST, path, &mut buf)
                .await
                .unwrap_or_else(|e| panic!("{profile}: {e}"));
            assert_eq!(r.status, 200, "{profile}");
            assert!(r.body == body, "{profile}: wrong body");
            s.close().await.expect("close");
            if profile == "bg96" {
                assert_eq!(offload, bg96_path == Path::Offload, "the BG96's path");
                if offload {
                    let sim = device.sim().expect("the simulator runs here");
                    assert_eq!(sim.command_count("AT+QSSLSEND="), 1, "request sends");
                }
            }
        });
    }
}

#[test]
fn https_get_async_with_content_length() {
    let creds = creds();
    let body = payload(17, 1500);
    let server = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http { body: body.clone() },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("server");
    get_async_everywhere(server.port(), &creds.ca_pem, "/data", &body);
}

#[test]
fn https_get_async_read_to_close_from_s_server() {
    let creds = creds();
    let body = payload(19, 2000);
    let server = SServer::spawn(SServerOpts {
        mode: SServerMode::WwwFiles(vec![("data.bin".into(), body.clone())]),
        ..SServerOpts::new(&creds.chain_pem, &creds.key_pem)
    })
    .expect("s_server");
    get_async_everywhere(server.port(), &creds.ca_pem, "/data.bin", &body);
}

/// nginx (Debian package `nginx`, installed by `tools/setup.sh`; a
/// machine without it skips with the reason printed) serving a file: its
/// HTTP/1.1 response with `Content-Length`, read by reqwless.
#[test]
fn https_get_async_from_nginx() {
    if let Err(e) = peers::find_program("nginx", "nginx") {
        eprintln!("SKIPPED: {e}");
        return;
    }
    let creds = creds();
    let body = payload(23, 1800);
    let server = peers::nginx(&peers::NginxOpts {
        certs: vec![(creds.chain_pem.clone(), creds.key_pem.clone())],
        files: vec![("data.bin".into(), body.clone())],
    })
    .expect("nginx starts");
    // The test nginx speaks TLS 1.3 only: the BG96 falls back to the MCU.
    get_async_on_paths(server.port(), &creds.ca_pem, "/data.bin", &body, Path::Host);
}

/// A response larger than the caller's buffer is reqwless's
/// `BufferTooSmall`, not a cut body, and the session still closes.
#[test]
fn https_get_async_refuses_a_response_larger_than_its_buffer() {
    let creds = creds();
    let server = TlsServer::spawn(ServerOpts {
        behaviour: Behaviour::Http {
            body: payload(13, 3000),
        },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("server");
    block_on(async {
        let mut device = common::open_device_async(None, "bg96", HOST)
            .await
            .expect("modem");
        let mut mem = common::HostMemory::new();
        let mut s = common::connect_async(
            &mut device.modem,
            &mut mem,
            HOST,
            server.port(),
            &creds.ca_pem,
        )
        .await
        .expect("connect");
        let mut buf = [0u8; 1024];
        match https_get_async::get(&mut s, HOST, "/", &mut buf).await {
            Err(https_get_async::HttpError::Http(reqwless::Error::BufferTooSmall)) => {}
            other => panic!("expected BufferTooSmall, got {other:?}"),
        }
        s.close().await.expect("close");
    });
}
