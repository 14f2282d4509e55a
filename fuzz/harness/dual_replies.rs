//! The two fronts fed the same modem answers (`tests/async_equivalence.rs`
//! and the cargo-fuzz target `dual_replies`): each dual module's blocking
//! copy and its async twin must write the same bytes to the UART, byte for
//! byte, and return the same results, whatever the modem says. The
//! session is written once (`#[dual]`, as the library's own procedures
//! are) and run once blocking and once async, over a port that suspends
//! before every transfer.
//!
//! Input: one byte choosing the family (0 BG9x, 1 BC66, 2 M66/M95, 3
//! Sierra HL, modulo 4), then an input of that family's reply harness
//! (a step byte, then the answers separated by `0xFE`; see
//! `replies_port.rs`).

#[allow(clippy::duplicate_mod, dead_code)]
#[path = "replies_port.rs"]
mod replies_port;

use modemtls::modem::{Apn, SocketId, Timeouts, TlsParams};
use replies_port::FuzzPort;

/// The families, by the input's first byte.
pub const FAMILIES: [&str; 4] = ["bg9x", "bc66", "m95", "sierra"];

/// Run one input (see the module docs): panics when the fronts differ.
pub fn run(data: &[u8]) {
    if let Some((&f, rest)) = data.split_first() {
        let family = FAMILIES[usize::from(f) % FAMILIES.len()];
        same(family, rest);
    }
}

/// Everything observable of one session: each call's result (as text),
/// in order.
type Trace = Vec<String>;

const PAYLOAD: &[u8] = b"payload-bytes;lower-case=1";
const FILE: &[u8] = b"-----begin certificate-----\nzmlszq==\n";

fn timeouts() -> Timeouts {
    Timeouts {
        command_ms: 300,
        attach_ms: 300,
        open_ms: 300,
        data_ms: 300,
    }
}

#[modemtls_macros::dual(always)]
mod asynch {
    use super::*;
    use modemtls::modem::asynch::FirmwareTls;
    use modemtls::modem::quectel::asynch::{Bc66, Bg9x, M95};
    use modemtls::modem::sierra::asynch::SierraHl;

    /// The session of [`session_on`] on the driver of `family`, over `port`;
    /// the port back (what was written) and the trace.
    pub async fn session<'d>(
        family: &str,
        port: super::ports::asynch::Port<'d>,
    ) -> (FuzzPort<'d>, Trace) {
        use super::ports::asynch::into_inner;
        match family {
            "bc66" => {
                let mut m = Bc66::new(port);
                let t = session_on(&mut m).await;
                (into_inner(m.release()), t)
            }
            "m95" => {
                let mut m = M95::new(port);
                let t = session_on(&mut m).await;
                (into_inner(m.release()), t)
            }
            "sierra" => {
                let mut m = SierraHl::new(port);
                let t = session_on(&mut m).await;
                (into_inner(m.release()), t)
            }
            _ => {
                let mut m = Bg9x::new(port);
                let t = session_on(&mut m).await;
                (into_inner(m.release()), t)
            }
        }
    }

    /// A whole session: init, attach, a TCP exchange, an upload, the
    /// clock, the credential store, an offloaded open; each call's result.
    async fn session_on<M: FirmwareTls>(m: &mut M) -> Trace {
        let mut t = Trace::new();
        m.set_timeouts(timeouts());
        let init = m.init().await.map(|id| id.model.clone());
        t.push(format!("init {init:?}"));
        if init.is_ok() {
            t.push(format!(
                "attach {:?}",
                m.attach(&Apn::new("internet")).await
            ));
            let open = m.tcp_open("h.test", 443).await;
            t.push(format!("open {open:?}"));
            if let Ok(id) = open {
                t.push(format!("send {:?}", m.send(id, PAYLOAD).await));
                let mut buf = [0u8; 64];
                let r = m.recv_wait(id, &mut buf, 300).await;
                let got = r.map(|n| buf[..n].to_vec());
                t.push(format!("recv {got:?}"));
                t.push(format!("close {:?}", m.close(id).await));
            }
            let stored = m
                .store_credential("ca.pem", FILE.len(), &mut modemtls::at::slice_source(FILE))
                .await;
            t.push(format!("store {stored:?}"));
            t.push(format!("time {:?}", m.network_time().await));
            t.push(format!("clock {:?}", m.check_clock().await));
            let mut names = Vec::new();
            let listed = m
                .list_credentials(&mut |e| names.push(format!("{e:?}")))
                .await;
            t.push(format!("list {listed:?} {names:?}"));
            t.push(format!("delete {:?}", m.delete_credential("ca.pem").await));
            let tls = m
                .tls_open(&TlsParams {
                    host: "h.test",
                    port: 443,
                    verify: true,
                    check_validity: true,
                    ca: Some("ca.pem"),
                    client_cert: None,
                    client_key: None,
                    handshake_timeout_s: 10,
                })
                .await;
            t.push(format!("tls {tls:?}"));
            if let Ok(id) = tls {
                t.push(format!("close {:?}", m.close(id).await));
            }
            t.push(format!("close unknown {:?}", m.close(SocketId(99)).await));
        }
        t
    }
}

/// The blocking port is the scripted one; the async port wraps it and
/// suspends once before each transfer.
mod ports {
    pub mod blocking {
        pub type Port<'d> = super::super::FuzzPort<'d>;
        pub fn into_inner(p: Port<'_>) -> Port<'_> {
            p
        }
    }
    pub mod asynch {
        use super::super::FuzzPort;
        use core::task::{Context, Poll};
        use modemtls::port::{Port as _, PortError};

        pub struct Port<'d>(pub FuzzPort<'d>);

        pub fn into_inner(p: Port<'_>) -> FuzzPort<'_> {
            p.0
        }

        async fn suspend() {
            let mut once = false;
            core::future::poll_fn(|cx: &mut Context<'_>| {
                if once {
                    return Poll::Ready(());
                }
                once = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            })
            .await
        }

        impl modemtls::port::asynch::Port for Port<'_> {
            async fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
                suspend().await;
                self.0.write_all(data)
            }
            async fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
                suspend().await;
                self.0.read(buf, timeout_ms)
            }
            fn now_ms(&mut self) -> u64 {
                self.0.now_ms()
            }
        }
    }
}

/// Poll `f` to the end on this thread, counting its suspensions.
fn block_on<F: core::future::Future>(f: F) -> (F::Output, u64) {
    let mut f = std::pin::pin!(f);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    let mut pends = 0;
    loop {
        if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return (v, pends);
        }
        pends += 1;
    }
}

/// Run `data` (a reply-harness input: a step byte, then the answers) both
/// ways and compare. Returns how often the async run suspended and how
/// many calls the session made.
pub fn same(family: &str, data: &[u8]) -> (u64, usize) {
    let Some((&step, answers)) = data.split_first() else {
        return (0, 0);
    };
    let (bp, bt) = blocking::session(family, FuzzPort::new(answers, usize::from(step)));
    let port = ports::asynch::Port(FuzzPort::new(answers, usize::from(step)));
    let ((ap, at), pends) = block_on(asynch::session(family, port));
    assert_eq!(bt, at, "the two fronts returned differently");
    assert!(
        bp.written == ap.written,
        "the two fronts wrote different bytes:\nblocking {:?}\nasync    {:?}",
        String::from_utf8_lossy(&bp.written),
        String::from_utf8_lossy(&ap.written)
    );
    (pends, at.len())
}
