//! Raw TCP sockets (QIOPEN/QISEND/QIRD) against a real loopback echo server.

mod common;

use common::{config, echo_once, sim, Host};
use modemtls_sim::{FirmwareProfile, Simulator};
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn qiopen_qisend_recv_urc_qird_byte_exact() {
    let payload: &[u8] = b"HTTP/1.0 200\r\n\r\nOK\r\n> +QIURC: \"recv\",0\r\nSEND OK\r\n\x00\xff";
    let (port, server) = echo_once(payload.len());
    let sim = sim();
    let mut h = Host::boot(&sim);
    // PDP down: 561 after OK.
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"127.0.0.1\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,561\r\n");
    h.cmd(
        "AT+QIGETERROR",
        "\r\n+QIGETERROR: 561,open PDP context failed\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QIACT?", "\r\nOK\r\n");
    h.attach();
    h.cmd("AT+QIACT?", "\r\n+QIACT: 1,1,1,\"10.0.0.2\"\r\n\r\nOK\r\n");
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"server.test\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,0\r\n");
    // Same id again: 563.
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"server.test\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 0,563\r\n");
    h.send(format!("AT+QISEND=0,{}\r", payload.len()).as_bytes());
    h.expect(b"> ");
    h.send(payload);
    h.expect(b"\r\nSEND OK\r\n");
    // One recv URC, then the peer's close.
    h.expect(b"\r\n+QIURC: \"recv\",0\r\n");
    h.expect(b"\r\n+QIURC: \"closed\",0\r\n");
    server.join().unwrap();
    let mut want = format!("\r\n+QIRD: {}\r\n", payload.len()).into_bytes();
    want.extend_from_slice(payload);
    want.extend_from_slice(b"\r\n\r\nOK\r\n");
    h.send(b"AT+QIRD=0,1500\r");
    h.expect(&want);
    h.cmd("AT+QIRD=0,1500", "\r\n+QIRD: 0\r\n\r\nOK\r\n");
    h.send(b"AT+QISTATE=1,0\r");
    let st = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(
        st.starts_with(&format!("\r\n+QISTATE: 0,\"TCP\",\"server.test\",{port},")),
        "{st}"
    );
    assert!(
        st.contains(",4,1,0,0,\"uart1\""),
        "state 4 after close: {st}"
    );
    h.cmd("AT+QISEND=0,1", "\r\nERROR\r\n");
    h.cmd("AT+QICLOSE=0,10", "\r\nOK\r\n");
    h.cmd("AT+QISTATE=1,0", "\r\nOK\r\n");
    h.quiet(100);
}

#[test]
fn partial_reads_and_single_urc_per_transition() {
    let (port, server) = echo_once(3000);
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd(
        &format!("AT+QIOPEN=1,3,\"TCP\",\"127.0.0.1\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 3,0\r\n");
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    for chunk in data.chunks(1460) {
        h.send(format!("AT+QISEND=3,{}\r", chunk.len()).as_bytes());
        h.expect(b"> ");
        h.send(chunk);
        h.expect(b"\r\nSEND OK\r\n");
    }
    h.expect(b"\r\n+QIURC: \"recv\",3\r\n");
    h.expect(b"\r\n+QIURC: \"closed\",3\r\n");
    server.join().unwrap();
    let mut got = Vec::new();
    loop {
        h.send(b"AT+QIRD=3,1000\r");
        let head = String::from_utf8(
            h.until(b"\r\n")
                .into_iter()
                .chain(h.until(b"\r\n"))
                .collect(),
        )
        .unwrap();
        let n: usize = head
            .trim()
            .strip_prefix("+QIRD: ")
            .unwrap()
            .parse()
            .unwrap();
        if n == 0 {
            h.expect(b"\r\nOK\r\n");
            break;
        }
        let mut body = vec![0u8; n];
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while h.buf.len() < n + 8 && std::time::Instant::now() < deadline {
            let mut tmp = [0u8; 4096];
            if let Ok(k) = h.s.read(&mut tmp) {
                h.buf.extend_from_slice(&tmp[..k]);
            }
        }
        body.copy_from_slice(&h.buf[..n]);
        h.buf.drain(..n);
        h.expect(b"\r\n\r\nOK\r\n");
        got.extend_from_slice(&body);
    }
    assert_eq!(got, data);
    h.cmd("AT+QIRD=3,0", "\r\n+QIRD: 3000,3000,0\r\n\r\nOK\r\n");
    h.cmd("AT+QISEND=3,0", "\r\n+QISEND: 3000,3000,0\r\n\r\nOK\r\n");
    h.cmd("AT+QICLOSE=3", "\r\nOK\r\n");
}

#[test]
fn dns_refused_and_push_mode() {
    let (port, server) = echo_once(4);
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.attach();
    h.cmd(
        &format!("AT+QIOPEN=1,1,\"TCP\",\"nowhere.test\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 1,565\r\n");
    h.cmd(
        &format!("AT+QIOPEN=1,1,\"TCP\",\"127.0.0.1\",{},0,0", closed_port()),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 1,566\r\n");
    h.cmd(
        "AT+QIGETERROR",
        "\r\n+QIGETERROR: 566,socket connect failed\r\n\r\nOK\r\n",
    );
    h.cmd(
        &format!("AT+QIOPEN=1,1,\"TCP\",\"localhost\",{port},0,1"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+QIOPEN: 1,0\r\n");
    h.send(b"AT+QISEND=1,4\r");
    h.expect(b"> ");
    h.send(b"\r\nOK");
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QIURC: \"recv\",1,4\r\n\r\nOK");
    h.expect(b"\r\n+QIURC: \"closed\",1\r\n");
    server.join().unwrap();
    h.cmd("AT+QICLOSE=1", "\r\nOK\r\n");
}

#[test]
fn pdp_drop_urc_noise_and_latency() {
    let (port, server) = echo_once(2);
    let sim = Simulator::spawn(
        config(FirmwareProfile::bg96())
            .urc_noise(true)
            .latency_ms(100),
    )
    .unwrap();
    let mut h = Host::boot(&sim);
    h.attach();
    let t = std::time::Instant::now();
    h.cmd(
        &format!("AT+QIOPEN=1,0,\"TCP\",\"127.0.0.1\",{port},0,0"),
        "\r\nOK\r\n",
    );
    h.expect(b"\r\n+CEREG: 5\r\n\r\n+QIOPEN: 0,0\r\n");
    assert!(t.elapsed() >= Duration::from_millis(100));
    h.send(b"AT+QISEND=0,2\r");
    h.expect(b"> ");
    h.send(b"hi");
    h.expect(b"\r\nSEND OK\r\n");
    h.expect(b"\r\n+QIURC: \"pdpdeact\",9\r\n\r\n+QIURC: \"recv\",0\r\n");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "connect + 2 deliveries delayed"
    );
    h.expect(b"\r\n+QIURC: \"closed\",0\r\n");
    server.join().unwrap();
    sim.drop_pdp(1);
    h.expect(b"\r\n+QIURC: \"pdpdeact\",1\r\n");
    h.cmd("AT+QIACT?", "\r\nOK\r\n");
    h.cmd("AT+QICLOSE=0", "\r\nOK\r\n");
    h.cmd("AT+QIACT=1", "\r\nOK\r\n");
    assert_eq!(sim.command_count("AT+QIACT="), 2);
}
