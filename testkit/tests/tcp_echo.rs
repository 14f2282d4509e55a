//! Plain TCP echo server.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use modemtls_testkit::TcpEcho;

fn connect(e: &TcpEcho) -> TcpStream {
    let s = TcpStream::connect(e.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

#[test]
fn echoes_on_concurrent_connections() {
    let e = TcpEcho::spawn().unwrap();
    let mut a = connect(&e);
    let mut b = connect(&e);
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    a.write_all(b"first").unwrap();
    b.write_all(b"second").unwrap();
    let mut buf = [0u8; 6];
    b.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"second");
    let mut buf = [0u8; 5];
    a.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"first");
    let mut reader = a.try_clone().unwrap();
    let want = big.clone();
    let t = std::thread::spawn(move || {
        let mut got = vec![0u8; want.len()];
        reader.read_exact(&mut got).unwrap();
        assert_eq!(got, want);
    });
    a.write_all(&big).unwrap();
    t.join().unwrap();
    // Half-close: the server closes its side after echoing everything.
    b.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    b.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(e.connections(), 2);
    assert_eq!(e.bytes_echoed(), 11 + big.len());
}

#[test]
fn drop_stops_with_open_connections() {
    let e = TcpEcho::spawn().unwrap();
    let port = e.port();
    let mut a = connect(&e);
    a.write_all(b"x").unwrap();
    let mut one = [0u8; 1];
    a.read_exact(&mut one).unwrap();
    let t = Instant::now();
    drop(e);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    // The open connection was closed by the server.
    let mut rest = Vec::new();
    let _ = a.read_to_end(&mut rest);
    assert!(rest.is_empty());
}
