//! The two host TLS engines on the same servers, through the simulated
//! BG96: the project's engine (`host::connect`, the default) and
//! `embedded-tls` 0.19 (`host::etls::connect`, feature
//! `engine-embedded-tls`). Each row is one `openssl s_server` (TLS 1.3,
//! `-rev`: each line comes back reversed) and what each engine does with
//! it; a row where both engines succeed also checks the bytes. The table
//! this prints is the comparison the README's engine section describes.

mod common;

use common::{rig, HOST};
use embedded_io::{Read, Write};
use modemtls::error::{Error, TlsFailure};
use modemtls::host::{self, HostBuffers, MIN_READ_BUF};
use modemtls::session::{Credential, SessionConfig};
use modemtls_testkit::{server_creds, KeyKind, SServer, SServerMode, SServerOpts, TlsVersions};

/// How a row ends for one engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Handshake and a reversed line back, byte-exact.
    Works,
    /// The handshake failed with this cause.
    Fails(TlsFailure),
}

fn line_back<S: Read + Write>(s: &mut S) -> bool {
    let line = b"engines compared on the same server";
    let mut out = line.to_vec();
    out.push(b'\n');
    if s.write_all(&out).and_then(|()| s.flush()).is_err() {
        return false;
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while !got.ends_with(b"\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let mut want: Vec<u8> = line.iter().rev().copied().collect();
    want.push(b'\n');
    got == want
}

fn failure(e: Error) -> Outcome {
    match e {
        Error::Tls(t) => Outcome::Fails(t.failure),
        other => panic!("not a TLS failure: {other:?}"),
    }
}

#[test]
fn both_engines_on_the_same_servers() {
    let creds = server_creds(HOST, KeyKind::P256);
    let rsa = server_creds(HOST, KeyKind::Rsa2048);
    let rows: Vec<(
        &str,
        Vec<String>,
        &modemtls_testkit::ServerCreds,
        Outcome,
        Outcome,
    )> = vec![
        (
            "default (AES-256-GCM preferred)",
            vec![],
            &creds,
            Outcome::Works,
            Outcome::Works,
        ),
        (
            "records of 512 bytes (-max_send_frag 512)",
            vec!["-max_send_frag".into(), "512".into()],
            &creds,
            Outcome::Works,
            // The Certificate message split across records: embedded-tls
            // cannot reassemble it and reports no cause.
            Outcome::Fails(TlsFailure::HandshakeFailed),
        ),
        (
            "TLS_AES_256_GCM_SHA384 only",
            vec!["-ciphersuites".into(), "TLS_AES_256_GCM_SHA384".into()],
            &creds,
            Outcome::Works,
            Outcome::Fails(TlsFailure::NoCommonCipher),
        ),
        (
            "RSA-2048 chain",
            vec![],
            &rsa,
            Outcome::Works,
            Outcome::Works,
        ),
    ];
    let mut r = rig();
    let mut bufs = Bufs {
        read: vec![0; MIN_READ_BUF],
        write: vec![0; 4096],
        scratch: vec![0; 8192],
        state: modemtls::tls::ClientState::new(),
    };
    let mut table = String::from("| server | project engine | embedded-tls |\n|---|---|---|\n");
    for (name, args, creds, ours, theirs) in rows {
        let mut got = [Outcome::Works; 2];
        for (i, engine) in [Engine::Project, Engine::EmbeddedTls]
            .into_iter()
            .enumerate()
        {
            let server = SServer::spawn(SServerOpts {
                tls: TlsVersions::Tls13Only,
                mode: SServerMode::Rev,
                extra_args: args.clone(),
                ..SServerOpts::from_creds(creds)
            })
            .expect("s_server");
            let cfg = SessionConfig::new(HOST, server.port()).trust(Credential::Pem(&creds.ca_pem));
            got[i] = run(engine, &mut r.modem, &cfg, &mut bufs, name);
        }
        table.push_str(&format!("| {name} | {:?} | {:?} |\n", got[0], got[1]));
        assert_eq!((got[0], got[1]), (ours, theirs), "{name}");
    }
    println!("{table}");
}

struct Bufs {
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: modemtls::tls::ClientState,
}

#[derive(Clone, Copy, Debug)]
enum Engine {
    Project,
    EmbeddedTls,
}

fn run(
    engine: Engine,
    modem: &mut modemtls::modem::quectel::Bg9x<modemtls::port::TcpPort>,
    cfg: &SessionConfig<'_>,
    b: &mut Bufs,
    name: &str,
) -> Outcome {
    let bufs = HostBuffers {
        read: &mut b.read,
        write: &mut b.write,
        scratch: &mut b.scratch,
        state: &mut b.state,
        ticket: None,
    };
    let ok = match engine {
        Engine::Project => host::connect(modem, cfg, &mut rand_core::OsRng, bufs).map(|mut s| {
            let ok = line_back(&mut s);
            let _ = s.close();
            ok
        }),
        Engine::EmbeddedTls => {
            host::etls::connect(modem, cfg, &mut rand_core::OsRng, bufs).map(|mut s| {
                let ok = line_back(&mut s);
                let _ = s.close();
                ok
            })
        }
    };
    match ok {
        Ok(true) => Outcome::Works,
        Ok(false) => panic!("{name}: {engine:?}: the line did not come back intact"),
        Err(e) => failure(e),
    }
}
