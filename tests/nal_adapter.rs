//! The `embedded-nal-async` adapter (`modemtls::nal`) through the
//! simulated BG96 to an echo server on 127.0.0.1, on the async front (an
//! async port that suspends before every UART transfer).

mod common;

use common::asynch::{block_on, YieldingPort};
use common::{sim_config, test_timeouts};
use embedded_io_async::{Read, Write};
use embedded_nal_async::TcpConnect;
use modemtls::asynch::Bg9x;
use modemtls::modem::Apn;
use modemtls::nal::NalStack;
use modemtls::port::TcpPort;
use modemtls_sim::{FirmwareProfile, SimHandle, Simulator};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

/// An echo server: every connection gets its bytes back until it closes.
fn echo_server() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut c = c;
                let mut buf = [0u8; 1024];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 || c.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn modem() -> (SimHandle, Bg9x<YieldingPort>) {
    let sim = Simulator::spawn(sim_config(FirmwareProfile::bg96())).expect("simulator starts");
    let port = YieldingPort::new(TcpPort::connect(sim.addr()).expect("connect"));
    let mut modem = Bg9x::new(port);
    modem.set_timeouts(test_timeouts());
    block_on(async {
        modem.init().await.expect("init");
        modem.attach(&Apn::new("internet")).await.expect("attach");
    });
    (sim, modem)
}

fn wait_sockets(sim: &SimHandle, n: usize) {
    let end = Instant::now() + Duration::from_secs(2);
    while sim.open_sockets() != n && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sim.open_sockets(), n, "sockets open in the modem");
}

#[test]
fn echo_through_tcp_connect_and_close() {
    let echo = echo_server();
    let (sim, mut modem) = modem();
    let stack = NalStack::new(&mut modem);
    block_on(async {
        let mut c = stack.connect(echo).await.expect("connect");
        c.write_all(b"hello through the modem")
            .await
            .expect("write");
        let mut got = [0u8; 23];
        c.read_exact(&mut got).await.expect("read");
        assert_eq!(&got, b"hello through the modem");
        c.close().await.expect("close");
    });
    wait_sockets(&sim, 0);
}

#[test]
fn two_connections_take_turns_on_the_uart() {
    let echo = echo_server();
    let (sim, mut modem) = modem();
    let stack = NalStack::new(&mut modem);
    block_on(async {
        let mut a = stack.connect(echo).await.expect("connect a");
        let mut b = stack.connect(echo).await.expect("connect b");
        assert_ne!(a.id(), b.id());
        a.write_all(b"first").await.expect("write a");
        b.write_all(b"second").await.expect("write b");
        let (mut ga, mut gb) = ([0u8; 5], [0u8; 6]);
        // Both reads at once: one waits for the UART while the other
        // holds it.
        let (ra, rb) = join(a.read_exact(&mut ga), b.read_exact(&mut gb)).await;
        ra.expect("read a");
        rb.expect("read b");
        assert_eq!((&ga, &gb), (b"first", b"second"));
        a.close().await.expect("close a");
        b.close().await.expect("close b");
    });
    wait_sockets(&sim, 0);
}

#[test]
fn a_dropped_connection_is_closed_by_the_next_call() {
    let echo = echo_server();
    let (sim, mut modem) = modem();
    let stack = NalStack::new(&mut modem);
    block_on(async {
        let dropped = stack.connect(echo).await.expect("connect");
        drop(dropped);
        let mut c = stack.connect(echo).await.expect("connect again");
        wait_sockets(&sim, 1);
        c.write_all(b"x").await.expect("write");
        c.close().await.expect("close");
    });
    wait_sockets(&sim, 0);
}

#[test]
fn a_refused_connection_is_an_error_not_a_socket() {
    // A port nothing listens on.
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = free.local_addr().expect("addr");
    drop(free);
    let (sim, mut modem) = modem();
    let stack = NalStack::new(&mut modem);
    let r = block_on(stack.connect(addr));
    assert!(r.is_err(), "connected to a closed port");
    drop(r);
    wait_sockets(&sim, 0);
}

/// Poll two futures until both are done.
async fn join<A: core::future::Future, B: core::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    core::future::poll_fn(|cx| {
        if ra.is_none() {
            if let core::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let core::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            core::task::Poll::Ready(())
        } else {
            core::task::Poll::Pending
        }
    })
    .await;
    match (ra, rb) {
        (Some(a), Some(b)) => (a, b),
        _ => unreachable!("both are ready"),
    }
}
