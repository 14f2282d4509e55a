//! An async modem call whose future is dropped midway (a timeout around
//! it, a `select`) leaves the AT stream in step: the next call completes
//! what the modem may still wait for (an announced payload, as NUL
//! filler) and re-aligns with `AT` before its own command.

mod common;

use common::{sim_config, test_timeouts};
use core::future::Future;
use core::task::{Context, Waker};
use modemtls::asynch::Bg9x;
use modemtls::modem::quectel::SocketKind;
use modemtls::modem::Apn;
use modemtls::port::asynch::IoPort;
use modemtls::port::{StdClock, TcpUart};
use modemtls_sim::{FirmwareProfile, SimHandle, Simulator};
use std::io::Read as _;
use std::net::TcpListener;
use std::time::{Duration, Instant};

type Modem = Bg9x<IoPort<TcpUart, StdClock>>;

/// A BG96 at 9,600 baud (its answers take milliseconds to arrive).
fn modem() -> (SimHandle, Modem) {
    let cfg = sim_config(FirmwareProfile::bg96()).baud(9_600);
    let sim = Simulator::spawn(cfg).expect("simulator starts");
    let uart = TcpUart::connect(sim.addr()).expect("connect");
    let mut m = Bg9x::new(IoPort::new(uart, StdClock::new()));
    m.set_timeouts(test_timeouts());
    common::asynch::block_on(async {
        m.init().await.expect("init");
        m.attach(&Apn::new("internet")).await.expect("attach");
    });
    (sim, m)
}

/// Poll `f` until the simulator has received a command starting with
/// `prefix` (written, not yet answered), then drop it.
fn drop_after_sent<F: Future>(sim: &SimHandle, prefix: &str, f: F) {
    let before = sim.command_count(prefix);
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    let end = Instant::now() + Duration::from_secs(5);
    while sim.command_count(prefix) == before {
        assert!(Instant::now() < end, "{prefix} never reached the modem");
        if f.as_mut().poll(&mut cx).is_ready() {
            panic!("{prefix}: the call ended before it could be dropped");
        }
    }
}

/// The commands the modem received after the last one starting with `prefix`.
fn after(sim: &SimHandle, prefix: &str) -> Vec<String> {
    let c = sim.commands();
    let i = c.iter().rposition(|l| l.starts_with(prefix)).expect("sent");
    c[i + 1..].to_vec()
}

#[test]
fn a_dropped_command_is_followed_by_a_resync() {
    let (sim, mut m) = modem();
    drop_after_sent(&sim, "AT+CCLK?", m.network_time());
    common::asynch::block_on(async {
        m.network_time()
            .await
            .expect("clock after the dropped call");
    });
    let next = after(&sim, "AT+QIACT?")
        .into_iter()
        .filter(|c| c != "AT+QIACT?");
    let next: Vec<String> = next.collect();
    // The dropped AT+CCLK?, then the probe, then AT+CCLK? again.
    let i = next.iter().position(|c| c == "AT+CCLK?").expect("first");
    assert_eq!(next.get(i + 1).map(String::as_str), Some("AT"), "{next:?}");
    assert!(next[i + 2..].iter().any(|c| c == "AT+CCLK?"), "{next:?}");
}

#[test]
fn a_dropped_send_completes_its_payload_with_filler() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let peer = std::thread::spawn(move || {
        let (mut c, _) = l.accept().expect("accept");
        c.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        while got.len() < 200 {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        got
    });
    let (sim, mut m) = modem();
    let id = common::asynch::block_on(m.tcp_open("127.0.0.1", port)).expect("open");
    // 200 bytes announced; the call dropped once the modem has the command.
    let payload = [b'x'; 200];
    drop_after_sent(&sim, "AT+QISEND=", m.send(SocketKind::Tcp, id, &payload));
    common::asynch::block_on(async {
        // The next call first gives the modem the 200 bytes it waits for.
        m.network_time()
            .await
            .expect("clock after the dropped send");
        m.close(SocketKind::Tcp, id).await.expect("close");
    });
    let got = peer.join().expect("peer");
    // What reached the server: 200 bytes, each a payload byte or filler.
    assert_eq!(got.len(), 200, "{got:?}");
    assert!(got.iter().all(|&b| b == b'x' || b == 0), "{got:?}");
    let next = after(&sim, "AT+QISEND=");
    assert!(next.iter().any(|c| c == "AT+CCLK?"), "{next:?}");
}

#[test]
fn a_dropped_send_is_completed_before_a_new_init() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let peer = std::thread::spawn(move || {
        let (mut c, _) = l.accept().expect("accept");
        c.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut got = Vec::new();
        let mut buf = [0u8; 512];
        while got.len() < 300 {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        got
    });
    let (sim, mut m) = modem();
    let id = common::asynch::block_on(m.tcp_open("127.0.0.1", port)).expect("open");
    let payload = [b'y'; 300];
    drop_after_sent(&sim, "AT+QISEND=", m.send(SocketKind::Tcp, id, &payload));
    // init resets the client and syncs: the 300 bytes the modem waits for
    // go first, so its `AT` probes are commands, not payload.
    common::asynch::block_on(async {
        m.init().await.expect("init after the dropped send");
    });
    let got = peer.join().expect("peer");
    assert_eq!(got.len(), 300, "{got:?}");
    assert!(got.iter().all(|&b| b == b'y' || b == 0), "{got:?}");
}
