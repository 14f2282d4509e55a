//! `port::asynch::IoPort` over the std async UART (`TcpUart`) and clock:
//! bytes, a timeout that ends a read with `Ok(0)` at its deadline, the
//! other end closing, and writes.

mod common;

use common::asynch::block_on;
use modemtls::port::asynch::{IoPort, Port};
use modemtls::port::{PortError, StdClock, TcpUart};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn reads_bytes_times_out_and_sees_the_close() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let (go, wait) = mpsc::channel::<()>();
    let peer = std::thread::spawn(move || {
        let (mut c, _) = l.accept().expect("accept");
        c.write_all(b"OK\r\n").expect("write");
        let mut got = [0u8; 3];
        c.read_exact(&mut got).expect("read");
        assert_eq!(&got, b"AT\r");
        // Quiet until the port has timed out once, then gone.
        wait.recv().expect("go");
    });
    let mut port = IoPort::new(TcpUart::connect(addr).expect("connect"), StdClock::new());
    block_on(async {
        let mut buf = [0u8; 16];
        let mut got = Vec::new();
        while got.len() < 4 {
            let n = port.read(&mut buf, 2_000).await.expect("read");
            assert!(n > 0, "timed out before the peer's bytes");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"OK\r\n");
        port.write_all(b"AT\r").await.expect("write");

        let t0 = Instant::now();
        let start = port.now_ms();
        assert_eq!(port.read(&mut buf, 150).await, Ok(0), "no bytes: a timeout");
        // The port's clock counts whole milliseconds: up to 1 ms early.
        assert!(
            t0.elapsed() >= Duration::from_millis(149),
            "{:?}",
            t0.elapsed()
        );
        assert!(port.now_ms() >= start + 150);
        assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());

        go.send(()).expect("peer waits");
        let end = Instant::now() + Duration::from_secs(5);
        let closed = loop {
            match port.read(&mut buf, 100).await {
                Ok(0) if Instant::now() < end => continue,
                r => break r,
            }
        };
        assert_eq!(closed, Err(PortError::Closed));
    });
    peer.join().expect("peer");
}
