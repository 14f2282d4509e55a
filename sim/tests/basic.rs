//! Identification, command parsing, files: exact bytes on the UART.

mod common;

use common::{config, show, sim, Host};
use modemtls_sim::{FirmwareProfile, SimConfig, Simulator};
use std::time::{Duration, Instant};

#[test]
fn boot_banner_echo_and_identification() {
    let sim = sim();
    let mut h = Host::connect(&sim);
    h.expect(b"\r\nRDY\r\n\r\nAPP RDY\r\n");
    h.send(b"AT\r");
    h.expect(b"AT\r\r\nOK\r\n");
    // LF after CR is ignored.
    h.send(b"AT\r\n");
    h.expect(b"AT\r\r\nOK\r\n");
    h.send(b"ATE0\r");
    h.expect(b"ATE0\r\r\nOK\r\n");
    h.cmd("AT", "\r\nOK\r\n");
    h.cmd(
        "ATI",
        "\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n",
    );
    h.cmd("AT+GMR", "\r\nBG96MAR02A07M1G\r\n\r\nOK\r\n");
    h.cmd("AT+QGMR", "\r\nBG96MAR02A07M1G_01.016.01.016\r\n\r\nOK\r\n");
    h.cmd("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h.cmd("AT+CTZU=1", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"sni\",0",
        "\r\n+QSSLCFG: \"sni\",0,0\r\n\r\nOK\r\n",
    );
    h.cmd(
        "AT+QIGETERROR",
        "\r\n+QIGETERROR: 0,operation successful\r\n\r\nOK\r\n",
    );
    h.cmd("AT+NOSUCH", "\r\nERROR\r\n");
    h.cmd("hello", "\r\nERROR\r\n");
    h.cmd("AT+CMEE=7", "\r\nERROR\r\n");
    h.send(b"ATE1\r");
    h.expect(b"\r\nOK\r\n");
    h.send(b"AT\r");
    h.expect(b"AT\r\r\nOK\r\n");
    h.quiet(100);
    assert_eq!(sim.command_count("AT+QSSLCFG"), 1);
}

#[test]
fn bg95_and_old_bg96_identify_themselves() {
    let sim = Simulator::spawn(config(FirmwareProfile::bg95())).unwrap();
    let mut h = Host::boot(&sim);
    h.cmd(
        "ATI",
        "\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n",
    );
    drop(h);
    drop(sim);
    let sim = Simulator::spawn(config(FirmwareProfile::bg96_no_sni())).unwrap();
    let mut h = Host::boot(&sim);
    h.cmd(
        "ATI",
        "\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A04M1G\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"sni\",0", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=\"sni\",0,1", "\r\nERROR\r\n");
}

#[test]
fn clock_is_network_time() {
    let sim =
        Simulator::spawn(config(FirmwareProfile::bg96()).network_time(1_795_346_993)).unwrap();
    let mut h = Host::boot(&sim);
    h.send(b"AT+CCLK?\r");
    let got = h.until(b"\r\n\r\nOK\r\n");
    let s = String::from_utf8(got).unwrap();
    assert!(
        s == "\r\n+CCLK: \"26/11/22,11:29:53+00\"\r\n\r\nOK\r\n"
            || s.starts_with("\r\n+CCLK: \"26/11/22,11:29:5"),
        "{s}"
    );
    h.cmd("AT+CCLK=\"20/02/18,10:58:05+00\"", "\r\nOK\r\n");
    h.send(b"AT+CCLK?\r");
    let s = String::from_utf8(h.until(b"\r\n\r\nOK\r\n")).unwrap();
    assert!(s.starts_with("\r\n+CCLK: \"20/02/18,10:58:0"), "{s}");
}

#[test]
fn garbage_and_long_lines_never_break_the_modem() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    let long = vec![b'A'; 5000];
    h.send(&long);
    h.send(b"\r");
    h.expect(b"\r\nERROR\r\n");
    h.send(&[0xff, 0xfe, 0x00, b'\r']);
    h.expect(b"\r\nERROR\r\n");
    // Pseudo-random bytes without CR, then a clean line.
    let mut x = 0x1234_5678u32;
    let mut junk = Vec::new();
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let b = (x & 0xff) as u8;
        junk.push(if b == b'\r' { b'x' } else { b });
    }
    h.send(&junk);
    h.send(b"\r");
    h.until(b"ERROR\r\n");
    for bad in [
        "AT+QIOPEN=",
        "AT+QIOPEN=1,99,\"TCP\",\"x\",1,0,0",
        "AT+QSSLCFG=\"ciphersuite\",0,0xC02B",
        "AT+QIRD=\"x\"",
        "AT+QSSLCFG=\"sslversion\",9,1",
        "AT+QICSGP=1,1,\"a",
        "AT+QISEND=0,5",
    ] {
        h.cmd(bad, "\r\nERROR\r\n");
    }
    h.cmd("AT", "\r\nOK\r\n");
}

#[test]
fn ssl_context_settings_read_back() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.cmd("AT+QSSLCFG=\"ciphersuite\",1,0xFFFF", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"ciphersuite\",1",
        "\r\n+QSSLCFG: \"ciphersuite\",1,0XFFFF\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"ciphersuite\",1,\"0XC02F\"", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"ciphersuite\",1",
        "\r\n+QSSLCFG: \"ciphersuite\",1,0XC02F\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"ciphersuite\",1,0x1301", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=\"cacert\",1", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"cacert\",1,\"amazonca.pem\"", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"cacert\",1",
        "\r\n+QSSLCFG: \"cacert\",1,\"UFS:amazonca.pem\"\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"sslversion\",1,3", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"sslversion\",1",
        "\r\n+QSSLCFG: \"sslversion\",1,3\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"seclevel\",1,1", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"seclevel\",1",
        "\r\n+QSSLCFG: \"seclevel\",1,1\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"negotiatetime\",1,300", "\r\nOK\r\n");
    h.cmd("AT+QSSLCFG=\"negotiatetime\",1,5", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=\"sni\",1,1", "\r\nOK\r\n");
    h.cmd(
        "AT+QSSLCFG=\"sni\",1",
        "\r\n+QSSLCFG: \"sni\",1,1\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QSSLCFG=\"bogus\",1,1", "\r\nERROR\r\n");
    h.cmd("AT+QSSLCFG=\"sni\",6,1", "\r\nERROR\r\n");
}

/// The 1544-byte Amazon CA of seed 000, as a BG96 stored it.
fn amazon_pem() -> Option<Vec<u8>> {
    let text = std::fs::read_to_string("/work/shared/seeds/000_5058e59a2bdb6b74.txt").ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let a = lines
        .iter()
        .position(|l| l.trim() == "-----BEGIN CERTIFICATE-----")?;
    let b = lines
        .iter()
        .position(|l| l.trim() == "-----END CERTIFICATE-----")?;
    Some(
        lines[a..=b]
            .iter()
            .map(|l| l.trim_end())
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
    )
}

#[test]
fn file_upload_checksum_list_delete_download() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    h.cmd("AT+QFUPL=\"a.pem\",3,10", "\r\nCONNECT\r\n");
    h.send(b"abc");
    h.expect(b"\r\n+QFUPL: 3,262\r\n\r\nOK\r\n");
    if let Some(pem) = amazon_pem() {
        assert_eq!(pem.len(), 1544);
        h.cmd("AT+QFUPL=\"amazonca.pem\",1544,5", "\r\nCONNECT\r\n");
        // In two pieces, with a pause.
        h.send(&pem[..700]);
        std::thread::sleep(Duration::from_millis(50));
        h.send(&pem[700..]);
        h.expect(b"\r\n+QFUPL: 1544,5505\r\n\r\nOK\r\n");
        let mut want = b"\r\nCONNECT\r\n".to_vec();
        want.extend_from_slice(&pem);
        want.extend_from_slice(b"\r\n+QFDWL: 1544,5505\r\n\r\nOK\r\n");
        h.send(b"AT+QFDWL=\"amazonca.pem\"\r");
        h.expect(&want);
    }
    // Existing file: refused (CMEE=0: bare ERROR; CMEE=1: 407).
    h.cmd("AT+QFUPL=\"a.pem\",3,10", "\r\nERROR\r\n");
    h.cmd("AT+CMEE=1", "\r\nOK\r\n");
    h.cmd("AT+QFUPL=\"a.pem\",3,10", "\r\n+CME ERROR: 407\r\n");
    h.cmd(
        "AT+QFLST=\"a.pem\"",
        "\r\n+QFLST: \"a.pem\",3\r\n\r\nOK\r\n",
    );
    h.cmd("AT+QFLST=\"y.pem\"", "\r\n+CME ERROR: 405\r\n");
    h.cmd("AT+QFDEL=\"y.pem\"", "\r\n+CME ERROR: 405\r\n");
    // Binary content with CR/LF and "+++" is stored byte-exact.
    let bin: Vec<u8> = (0u8..=255)
        .chain(b"\r\nOK\r\n+++".iter().copied())
        .collect();
    h.cmd(
        &format!("AT+QFUPL=\"UFS:bin.der\",{}", bin.len()),
        "\r\nCONNECT\r\n",
    );
    h.send(&bin);
    h.until(b"\r\nOK\r\n");
    drop(h);
    // Files survive a power cycle; state does not.
    let mut h = Host::boot(&sim);
    let files = sim.files();
    assert!(
        files.iter().any(|(n, d)| n == "a.pem" && d == b"abc"),
        "{files:?}"
    );
    assert!(files.iter().any(|(n, d)| n == "bin.der" && *d == bin));
    h.send(b"AT+QFLST\r");
    let list = String::from_utf8_lossy(&h.until(b"\r\n\r\nOK\r\n")).into_owned();
    assert!(list.starts_with("\r\n+QFLST: \"a.pem\",3\r\n"), "{list}");
    h.cmd("AT+QFDEL=\"a.pem\"", "\r\nOK\r\n");
    h.cmd("AT+QFDEL=\"a.pem\"", "\r\nERROR\r\n");
    assert_eq!(
        sim.command_count("AT+QFUPL"),
        if amazon_pem().is_some() { 5 } else { 4 }
    );
    assert!(sim.transcript().contains("AT+QFDEL"));
}

#[test]
fn upload_with_ack_mode_and_timeout() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    let data = vec![0x5au8; 2500];
    h.cmd("AT+QFUPL=\"ack.bin\",2500,5,1", "\r\nCONNECT\r\n");
    h.send(&data[..1024]);
    h.expect(b"A");
    h.send(&data[1024..2048]);
    h.expect(b"A");
    h.send(&data[2048..]);
    h.expect(b"\r\n+QFUPL: 2500,0\r\n\r\nOK\r\n");
    // Fewer bytes than announced: the upload ends after <timeout> s.
    h.cmd("AT+QFUPL=\"short.bin\",10,1", "\r\nCONNECT\r\n");
    h.send(b"abc");
    h.expect(b"\r\n+QFUPL: 3,262\r\n\r\nOK\r\n");
}

#[test]
fn baud_rate_throttles_output() {
    let sim = Simulator::spawn(
        SimConfig::new(FirmwareProfile::bg96())
            .baud(9600)
            .boot_banner(false),
    )
    .unwrap();
    let mut h = Host::connect(&sim);
    let t = Instant::now();
    h.send(b"ATI\r");
    // 4 echo + 51 response bytes at 960 bytes/s: about 57 ms.
    h.expect(b"ATI\r\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n");
    let ms = t.elapsed().as_millis();
    assert!(ms >= 40, "took only {ms} ms");
}

#[test]
fn injected_urc_and_shutdown_is_quick() {
    let sim = sim();
    let mut h = Host::boot(&sim);
    sim.inject_urc("+CEREG: 5");
    h.expect(b"\r\n+CEREG: 5\r\n");
    h.cmd("AT", "\r\nOK\r\n");
    let t = Instant::now();
    sim.shutdown();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        t.elapsed()
    );
    let _ = show(b"");
}
