//! The BG9x driver against scripted modem transcripts: exact command bytes
//! out, hand-written byte-exact answers in, including the awkward orders
//! real modems produce (URCs between OK and the async result, a "recv" URC
//! inside a read response, SEND FAIL, a late "closed").

mod common;

use common::script::ScriptPort;
use modemtls::at::AtError;
use modemtls::modem::quectel::{Bg9x, SocketKind, Timeouts};
use modemtls::modem::{Apn, CredentialKind, FirmwareTls, ModemError, SocketId};

const INIT: &[(&[u8], &[u8])] = &[
    (b"AT\r", b"AT\r\r\nOK\r\n"),
    (b"ATE0\r", b"ATE0\r\r\nOK\r\n"),
    (b"AT+CMEE=1\r", b"\r\nOK\r\n"),
    (
        b"ATI\r",
        b"\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A07M1G\r\n\r\nOK\r\n",
    ),
    (
        b"AT+QGMR\r",
        b"\r\nBG96MAR02A07M1G_01.016.01.016\r\n\r\nOK\r\n",
    ),
    (
        b"AT+QSSLCFG=\"sni\",0\r",
        b"\r\n+QSSLCFG: \"sni\",0,0\r\n\r\nOK\r\n",
    ),
    (b"AT+CTZU=1\r", b"\r\nOK\r\n"),
];

const ATTACH: &[(&[u8], &[u8])] = &[
    (b"AT+QICSGP=1,1,\"internet\",\"\",\"\",0\r", b"\r\nOK\r\n"),
    (b"AT+QIACT?\r", b"\r\nOK\r\n"),
    (b"AT+QIACT=1\r", b"\r\nOK\r\n"),
    (
        b"AT+QIACT?\r",
        b"\r\n+QIACT: 1,1,1,\"10.0.0.2\"\r\n\r\nOK\r\n",
    ),
];

fn modem(rest: &[(&[u8], &[u8])]) -> Bg9x<ScriptPort> {
    let script: Vec<(&[u8], &[u8])> = INIT.iter().chain(ATTACH).chain(rest).copied().collect();
    let mut m = Bg9x::new(ScriptPort::new(&script));
    m.set_timeouts(Timeouts {
        command_ms: 300,
        attach_ms: 300,
        open_ms: 1000,
        data_ms: 1000,
    });
    let id = m.init().expect("init");
    assert_eq!(id.model.as_str(), "BG96");
    assert_eq!(id.firmware.as_str(), "BG96MAR02A07M1G_01.016.01.016");
    assert!(m.capabilities().sni);
    assert_eq!(
        m.attach(&Apn::new("internet")).expect("attach").as_str(),
        "10.0.0.2"
    );
    m
}

fn done(m: Bg9x<ScriptPort>) {
    m.release().finished();
}

#[test]
fn init_and_attach() {
    done(modem(&[]));
}

#[test]
fn old_firmware_without_sni_key() {
    let mut script: Vec<(&[u8], &[u8])> = INIT.to_vec();
    script[3].1 = b"\r\nQuectel\r\nBG96\r\nRevision: BG96MAR02A04M1G\r\n\r\nOK\r\n";
    script[5].1 = b"\r\nERROR\r\n";
    let mut m = Bg9x::new(ScriptPort::new(&script));
    m.init().unwrap();
    assert!(!m.capabilities().sni);
}

#[test]
fn not_a_quectel_is_refused() {
    let mut script: Vec<(&[u8], &[u8])> = INIT[..4].to_vec();
    script[3].1 = b"\r\nSIERRA\r\nHL7800\r\n\r\nOK\r\n";
    let mut m = Bg9x::new(ScriptPort::new(&script));
    assert_eq!(m.init().err(), Some(ModemError::UnsupportedModel));
}

#[test]
fn silent_modem_is_not_responding() {
    // Ten `AT` probes, none answered.
    let port_script: Vec<(&[u8], &[u8])> = vec![(b"AT\r", b""); 10];
    let mut m = Bg9x::new(ScriptPort::new(&port_script));
    assert_eq!(m.init().err(), Some(ModemError::NotResponding));
}

/// `+QIOPEN` after unrelated URCs, then a read whose response carries a
/// "recv" URC before it: the data is not lost and no extra wait happens.
#[test]
fn open_send_read_close_with_interleaved_urcs() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"10.1.1.1\",80,0,0\r",
            b"\r\nOK\r\n\r\n+CEREG: 5\r\n\r\n+QIURC: \"pdpdeact\",9\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,5\r", b"\r\n+QIURC: \"recv\",3\r\n\r\n> "),
        (b"hello", b"\r\nSEND OK\r\n"),
        (
            b"AT+QIRD=0,1500\r",
            b"\r\n+QIRD: 7\r\n\r\nOK\r\n\r\n\r\nOK\r\n",
        ),
        (
            b"AT+QIRD=0,1500\r",
            b"\r\n+QIURC: \"recv\",0\r\n\r\n+QIRD: 0\r\n\r\nOK\r\n",
        ),
        (b"AT+QIRD=0,1500\r", b"\r\n+QIRD: 3\r\nxyz\r\n\r\nOK\r\n"),
        (
            b"AT+QIRD=0,1500\r",
            b"\r\n+QIRD: 0\r\n\r\nOK\r\n\r\n+QIURC: \"closed\",0\r\n",
        ),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
    ]);
    let id = m.tcp_open("10.1.1.1", 80).unwrap();
    assert_eq!(id, SocketId(0));
    assert_eq!(m.send(SocketKind::Tcp, id, b"hello").unwrap(), 5);
    let mut buf = [0u8; 2000];
    assert_eq!(m.recv_wait(SocketKind::Tcp, id, &mut buf, 500).unwrap(), 7);
    assert_eq!(&buf[..7], b"\r\nOK\r\n\r");
    // The "recv" URC that came inside the empty read keeps the socket readable.
    assert_eq!(m.recv_wait(SocketKind::Tcp, id, &mut buf, 500).unwrap(), 3);
    assert_eq!(&buf[..3], b"xyz");
    // Drained and closed: end of stream.
    assert_eq!(m.recv_wait(SocketKind::Tcp, id, &mut buf, 500).unwrap(), 0);
    m.close(SocketKind::Tcp, id).unwrap();
    done(m);
}

#[test]
fn send_fail_is_retried() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,2\r", b"\r\n> "),
        (b"ab", b"\r\nSEND FAIL\r\n"),
        (b"AT+QISEND=0,2\r", b"\r\n> "),
        (b"ab", b"\r\nSEND OK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).unwrap();
    assert_eq!(m.send(SocketKind::Tcp, id, b"ab").unwrap(), 2);
    done(m);
}

#[test]
fn send_is_chunked_to_1460() {
    let data = vec![b'x'; 2000];
    let first = format!("AT+QISEND=0,{}\r", 1460);
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (first.as_bytes(), b"\r\n> "),
        (&data[..1460], b"\r\nSEND OK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).unwrap();
    assert_eq!(m.send(SocketKind::Tcp, id, &data).unwrap(), 1460);
    done(m);
}

#[test]
fn open_errors_are_classified() {
    for (code, want) in [
        ("565", ModemError::Dns),
        ("566", ModemError::ConnectFailed),
        ("561", ModemError::PdpDown),
        ("552", ModemError::Socket(552)),
    ] {
        let ans = format!("\r\nOK\r\n\r\n+QIOPEN: 0,{code}\r\n");
        let mut m = modem(&[
            (b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r", ans.as_bytes()),
            (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
        ]);
        assert_eq!(m.tcp_open("h", 1).err(), Some(want), "code {code}");
        done(m);
    }
}

#[test]
fn ssl_handshake_failure_is_reported_with_code() {
    let mut m = modem(&[
        (
            b"AT+QSSLOPEN=1,0,0,\"h\",443,0\r",
            b"\r\nOK\r\n\r\n+QSSLOPEN: 0,-1\r\n",
        ),
        (b"AT+QSSLCLOSE=0,10\r", b"\r\nOK\r\n"),
    ]);
    assert_eq!(
        m.ssl_open(0, "h", 443, 10).err(),
        Some(ModemError::HandshakeFailed(-1))
    );
    done(m);
}

#[test]
fn open_without_result_times_out_and_closes() {
    let mut m = modem(&[
        (b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r", b"\r\nOK\r\n"),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
    ]);
    assert_eq!(m.tcp_open("h", 1).err(), Some(ModemError::OpenTimeout));
    done(m);
}

/// File upload: XOR-16 checked; a mismatching answer deletes the file.
#[test]
fn upload_checks_checksum() {
    // 'a''b' = 0x6162, 'c' as a high byte = 0x6300.
    let want = 0x6162u16 ^ 0x6300;
    assert_eq!(want, 0x0262);
    let ok = format!("\r\n+QFUPL: 3,{want:x}\r\n\r\nOK\r\n");
    let bad = "\r\n+QFUPL: 3,ffff\r\n\r\nOK\r\n";
    let mut m = modem(&[
        (b"AT+QFUPL=\"a.pem\",3,10\r", b"\r\nCONNECT\r\n"),
        (b"abc", ok.as_bytes()),
        (b"AT+QFUPL=\"b.pem\",3,10\r", b"\r\nCONNECT\r\n"),
        (b"abc", bad.as_bytes()),
        (b"AT+QFDEL=\"b.pem\"\r", b"\r\nOK\r\n"),
    ]);
    m.upload("a.pem", 3, &mut modemtls::at::slice_source(b"abc"))
        .unwrap();
    assert_eq!(
        m.upload("b.pem", 3, &mut modemtls::at::slice_source(b"abc"))
            .err(),
        Some(ModemError::FileChecksum {
            sent: 0x0262,
            stored: 0xffff
        })
    );
    done(m);
}

/// A file is reused only when this driver uploaded it with a matching
/// checksum since init: one found from an earlier boot (perhaps a damaged
/// upload) is replaced.
#[test]
fn store_file_trusts_only_files_verified_since_init() {
    let mut m = modem(&[
        // Found, but not verified in this boot: replaced.
        (b"AT+QFDEL=\"x.pem\"\r", b"\r\nOK\r\n"),
        (b"AT+QFUPL=\"x.pem\",3,10\r", b"\r\nCONNECT\r\n"),
        (b"abc", b"\r\n+QFUPL: 3,262\r\n\r\nOK\r\n"),
        // Verified now: kept while it is there with its size.
        (
            b"AT+QFLST=\"x.pem\"\r",
            b"\r\n+QFLST: \"x.pem\",3\r\n\r\nOK\r\n",
        ),
        // Gone (or shorter): uploaded again.
        (b"AT+QFLST=\"x.pem\"\r", b"\r\n+CME ERROR: 405\r\n"),
        (b"AT+QFDEL=\"x.pem\"\r", b"\r\n+CME ERROR: 405\r\n"),
        (b"AT+QFUPL=\"x.pem\",3,10\r", b"\r\nCONNECT\r\n"),
        (b"abc", b"\r\n+QFUPL: 3,262\r\n\r\nOK\r\n"),
    ]);
    assert!(m
        .store_file("x.pem", 3, &mut modemtls::at::slice_source(b"abc"))
        .unwrap());
    assert!(!m
        .store_file("x.pem", 3, &mut modemtls::at::slice_source(b"abc"))
        .unwrap());
    assert!(m
        .store_file("x.pem", 3, &mut modemtls::at::slice_source(b"abc"))
        .unwrap());
    done(m);
}

#[test]
fn clock_not_set_and_set() {
    let mut m = modem(&[
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"80/01/06,00:00:41+00\"\r\n\r\nOK\r\n",
        ),
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"26/11/22,11:29:53+00\"\r\n\r\nOK\r\n",
        ),
    ]);
    assert_eq!(m.network_time().err(), Some(ModemError::ClockNotSet));
    assert_eq!(m.network_time().unwrap(), 1_795_346_993);
    done(m);
}

#[test]
fn command_arguments_that_cannot_be_quoted_are_refused() {
    let mut m = modem(&[]);
    assert_eq!(
        m.tcp_open("bad\"host", 1).err(),
        Some(ModemError::At(AtError::InvalidArgument))
    );
    done(m);
}

// ---- out of step: late answers, lost prompts, restarts ----

/// The `> ` prompt arrives damaged (the field report: the LF before it was
/// flipped, so the line never ends): the client never writes command text
/// while the modem may wait for the 5 data bytes. It completes them with
/// NUL filler, resynchronises with `AT`, closes the connection in the
/// modem, and the socket then reads as closed.
#[test]
fn lost_prompt_is_filled_never_followed_by_commands() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,5\r", b"\r\n+QIURC: \"recv\",0\x07> "),
        // The very next bytes: exactly the announced length, all filler.
        (b"\0\0\0\0\0", b"\r\nSEND OK\r\n"),
        (b"AT\r", b"\r\nOK\r\n"),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).unwrap();
    assert_eq!(
        m.send(SocketKind::Tcp, id, b"hello").err(),
        Some(ModemError::At(AtError::PromptLost))
    );
    let mut buf = [0u8; 16];
    assert_eq!(m.recv_wait(SocketKind::Tcp, id, &mut buf, 100).unwrap(), 0);
    assert_eq!(
        m.send(SocketKind::Tcp, id, b"more").err(),
        Some(ModemError::Closed)
    );
    m.close(SocketKind::Tcp, id).unwrap();
    done(m);
}

/// An upload whose `CONNECT` is lost: the announced bytes are filler, and
/// the file (now holding filler) is deleted after resynchronising.
#[test]
fn lost_connect_fills_the_upload_and_deletes_the_file() {
    let mut m = modem(&[
        (b"AT+QFUPL=\"c.pem\",4,10\r", b"\r\nCONNEC"),
        (b"\0\0\0\0", b"\r\n+QFUPL: 4,0\r\n\r\nOK\r\n"),
        (b"AT\r", b"\r\nOK\r\n"),
        (b"AT+QFDEL=\"c.pem\"\r", b"\r\nOK\r\n"),
    ]);
    assert_eq!(
        m.upload("c.pem", 4, &mut modemtls::at::slice_source(b"cert"))
            .err(),
        Some(ModemError::At(AtError::PromptLost))
    );
    done(m);
}

/// A data source that stops short never leaves the modem waiting: the
/// rest of the announced length is filler.
#[test]
fn short_data_is_completed_with_filler() {
    let mut m = modem(&[
        (b"AT+QFUPL=\"d.pem\",6,10\r", b"\r\nCONNECT\r\n"),
        (b"abc\0\0\0", b"\r\n+QFUPL: 6,6162\r\n\r\nOK\r\n"),
        (b"AT\r", b"\r\nOK\r\n"),
        (b"AT+QFDEL=\"d.pem\"\r", b"\r\nOK\r\n"),
    ]);
    assert_eq!(
        m.upload("d.pem", 6, &mut modemtls::at::slice_source(b"abc"))
            .err(),
        Some(ModemError::At(AtError::PromptLost))
    );
    done(m);
}

/// A command that times out leaves the stream out of step: its late
/// answer is drained and `AT` re-aligns before the next command, which
/// then gets its own answer, not the late one.
#[test]
fn late_answer_after_a_timeout_never_answers_the_next_command() {
    let mut m = modem(&[
        (b"AT+CCLK?\r", b""),
        (
            b"AT\r",
            b"\r\n+CCLK: \"80/01/06,00:00:41+00\"\r\n\r\nOK\r\n\r\nOK\r\n",
        ),
        (
            b"AT+CCLK?\r",
            b"\r\n+CCLK: \"26/11/22,11:29:53+00\"\r\n\r\nOK\r\n",
        ),
    ]);
    assert_eq!(
        m.network_time().err(),
        Some(ModemError::At(AtError::Timeout))
    );
    // Without resynchronising, the late "80/01/06" would say ClockNotSet.
    assert_eq!(m.network_time().unwrap(), 1_795_346_993);
    done(m);
}

/// `SEND OK` ends only a send: a stray one (a late answer to an earlier
/// send) inside another command's answer is skipped.
#[test]
fn send_ok_is_not_the_result_of_any_other_command() {
    let mut m = modem(&[(
        b"AT+CCLK?\r",
        b"\r\nSEND OK\r\n\r\n+CCLK: \"26/11/22,11:29:53+00\"\r\n\r\nOK\r\n",
    )]);
    assert_eq!(m.network_time().unwrap(), 1_795_346_993);
    done(m);
}

/// A modem that restarts (`RDY`) mid-session: the read fails with its own
/// cause, and the next connect initialises and attaches again by itself.
#[test]
fn restart_is_reported_and_recovered_on_the_next_connect() {
    let mut script: Vec<(&[u8], &[u8])> = vec![
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n\r\nRDY\r\n\r\nAPP RDY\r\n",
        ),
        // The restarted modem knows no socket 0: refused, re-aligned,
        // refused again.
        (b"AT+QICLOSE=0,10\r", b"\r\nERROR\r\n"),
        (b"AT\r", b"AT\r\r\nOK\r\n"),
        (b"AT+QICLOSE=0,10\r", b"\r\nERROR\r\n"),
    ];
    script.extend_from_slice(INIT);
    script.extend_from_slice(ATTACH);
    script.push((
        b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
        b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
    ));
    let mut m = modem(&script);
    let id = m.tcp_open("h", 1).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        m.recv_wait(SocketKind::Tcp, id, &mut buf, 100).err(),
        Some(ModemError::Rebooted)
    );
    assert!(m.rebooted());
    let _ = m.close(SocketKind::Tcp, id);
    assert_eq!(m.tcp_open("h", 1).unwrap(), SocketId(0));
    assert!(!m.rebooted());
    done(m);
}

/// A stray `OK` (a late answer) before the data prompt is not the send's
/// refusal: the driver waits for the prompt and sends the data (found by
/// the `bg9x_replies` fuzz harness: before, the send failed on the stray
/// `OK` and the modem, waiting for 5 bytes, swallowed the next command).
#[test]
fn a_stray_ok_before_the_prompt_is_not_a_refusal() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,5\r", b"\r\nOK\r\n\r\n> "),
        (b"hello", b"\r\nSEND OK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).unwrap();
    assert_eq!(m.send(SocketKind::Tcp, id, b"hello").unwrap(), 5);
    done(m);
}

/// An error instead of the prompt: the modem refused, or the error was a
/// late one and the modem waits for the data. Filler either way (NULs are
/// ignored in command mode), then `AT` before the next command.
#[test]
fn an_error_instead_of_the_prompt_is_followed_by_filler() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,5\r", b"\r\nERROR\r\n"),
        (b"\0\0\0\0\0", b""),
        (b"AT\r", b"\r\nOK\r\n"),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).unwrap();
    assert_eq!(
        m.send(SocketKind::Tcp, id, b"hello").err(),
        Some(ModemError::At(AtError::Error))
    );
    m.close(SocketKind::Tcp, id).unwrap();
    done(m);
}

/// The modem still holds the socket (its close was lost on the UART):
/// `563` closes it and the open is tried once more.
#[test]
fn socket_still_open_in_the_modem_is_closed_and_the_open_retried() {
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,563\r\n",
        ),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
    ]);
    assert_eq!(m.tcp_open("h", 1).unwrap(), SocketId(0));
    done(m);
}

/// The modem took a damaged length (`AT+QISEND=0,5` arrived as
/// `AT+QISEND=0,9`) and waits for more than was sent: no `SEND OK` comes,
/// so the client writes filler up to the largest length a send takes
/// before any command, then re-aligns and closes the connection.
#[test]
fn a_send_without_result_is_followed_by_filler_before_any_command() {
    let filler = vec![0u8; 1460];
    let mut m = modem(&[
        (
            b"AT+QIOPEN=1,0,\"TCP\",\"h\",1,0,0\r",
            b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n",
        ),
        (b"AT+QISEND=0,5\r", b"\r\n> "),
        (b"hello", b""),
        (&filler, b"\r\nSEND OK\r\n"),
        (b"AT\r", b"\r\nOK\r\n"),
        (b"AT+QICLOSE=0,10\r", b"\r\nOK\r\n"),
    ]);
    let id = m.tcp_open("h", 1).unwrap();
    assert_eq!(
        m.send(SocketKind::Tcp, id, b"hello").err(),
        Some(ModemError::At(AtError::Timeout))
    );
    done(m);
}

// ---- listing and deleting credentials (AT+QFLST, AT+QFDEL) ----

type Listed = Vec<(String, Option<u32>, CredentialKind)>;

/// What `list_credentials` passed on, and its result.
fn listed(m: &mut impl FirmwareTls) -> (Listed, Result<(), ModemError>) {
    let mut v = Vec::new();
    let r = m.list_credentials(&mut |e| v.push((e.name.to_string(), e.size, e.kind)));
    (v, r)
}

#[test]
fn credentials_are_listed_with_size_and_kind() {
    let mut m = modem(&[
        (
            b"AT+QFLST\r",
            b"\r\n+QFLST: \"0a1b2c3d.pem\",1544\r\n+QFLST: \"client.crt\",900\r\n+QFLST: \"client.key\",241\r\n+QFLST: \"notes, old.txt\",12\r\n\r\nOK\r\n",
        ),
        (b"AT+QFLST\r", b"\r\nOK\r\n"),
        (b"AT+QFLST\r", b"\r\n+CME ERROR: 405\r\n"),
    ]);
    let (v, r) = listed(&mut m);
    r.unwrap();
    assert_eq!(
        v,
        vec![
            ("0a1b2c3d.pem".into(), Some(1544), CredentialKind::Ca),
            ("client.crt".into(), Some(900), CredentialKind::ClientCert),
            ("client.key".into(), Some(241), CredentialKind::ClientKey),
            ("notes, old.txt".into(), Some(12), CredentialKind::Unknown),
        ]
    );
    // No file: an empty list, however the firmware says it.
    assert_eq!(listed(&mut m), (vec![], Ok(())));
    assert_eq!(listed(&mut m), (vec![], Ok(())));
    done(m);
}

#[test]
fn a_credential_is_deleted_or_not_found() {
    let mut m = modem(&[
        (b"AT+QFDEL=\"0a1b2c3d.pem\"\r", b"\r\nOK\r\n"),
        (b"AT+QFDEL=\"gone.pem\"\r", b"\r\n+CME ERROR: 405\r\n"),
        (b"AT+QFDEL=\"busy.pem\"\r", b"\r\n+CME ERROR: 426\r\n"),
    ]);
    m.delete_credential("0a1b2c3d.pem").unwrap();
    assert_eq!(
        m.delete_credential("gone.pem"),
        Err(ModemError::CredentialNotFound)
    );
    assert_eq!(
        m.delete_credential("busy.pem"),
        Err(ModemError::At(AtError::Cme(Some(426))))
    );
    // A wildcard would delete every file: refused, nothing sent.
    for name in ["*", "*.pem", "a?.pem", ""] {
        assert_eq!(
            m.delete_credential(name),
            Err(ModemError::At(AtError::InvalidArgument)),
            "{name:?}"
        );
    }
    done(m);
}

/// A file deleted is uploaded again by the next store, even one verified
/// since init.
#[test]
fn a_deleted_credential_is_stored_again() {
    let data = b"0123456789";
    let up = |v: &mut Vec<(Vec<u8>, Vec<u8>)>| {
        v.push((b"AT+QFDEL=\"c.pem\"\r".to_vec(), b"\r\nOK\r\n".to_vec()));
        v.push((
            b"AT+QFUPL=\"c.pem\",10,10\r".to_vec(),
            b"\r\nCONNECT\r\n".to_vec(),
        ));
        v.push((data.to_vec(), b"\r\n+QFUPL: 10,3839\r\n\r\nOK\r\n".to_vec()));
    };
    let mut script = Vec::new();
    up(&mut script);
    script.push((b"AT+QFDEL=\"c.pem\"\r".to_vec(), b"\r\nOK\r\n".to_vec()));
    up(&mut script);
    let borrowed: Vec<(&[u8], &[u8])> = script
        .iter()
        .map(|(a, b)| (a.as_slice(), b.as_slice()))
        .collect();
    let mut m = modem(&borrowed);
    assert!(m
        .store_file("c.pem", 10, &mut modemtls::at::slice_source(data))
        .unwrap());
    m.delete_credential("c.pem").unwrap();
    assert!(m
        .store_file("c.pem", 10, &mut modemtls::at::slice_source(data))
        .unwrap());
    done(m);
}

#[test]
fn a_hostile_listing_is_an_error_not_a_name() {
    let long = format!("+QFLST: \"{}.pem\",1", "x".repeat(77));
    let longest = format!("+QFLST: \"{}.pem\",1", "x".repeat(76));
    let mut answers: Vec<Vec<u8>> = Vec::new();
    for lines in [
        // 81 bytes of name, after a good entry.
        vec!["+QFLST: \"a.pem\",5".to_string(), long],
        vec![longest.clone()],
        vec!["+QFLST: \"a\u{1}b.pem\",5".into()],
        vec!["+QFLST: \"a.pem\",5x".into()],
        vec!["+QFLST: \"a.pem\",99999999999".into()],
        vec!["+QFLST: \"a.pem\"".into()],
        vec!["+QFLST: \"a.pem\",5,7".into()],
        vec!["+QFLST: \"\",5".into()],
        vec!["+QFLST: \"a\"b\".pem\",5".into()],
        vec!["garbage \u{7f}".into()],
    ] {
        let mut a = b"\r\n".to_vec();
        for l in lines {
            a.extend_from_slice(l.as_bytes());
            a.extend_from_slice(b"\r\n");
        }
        a.extend_from_slice(b"\r\nOK\r\n");
        answers.push(a);
    }
    // Damage, then the firmware's "no file": still damage.
    answers.push(b"\r\n+QFLST: \xff\xfe,1\r\n\r\n+CME ERROR: 405\r\n".to_vec());
    let script: Vec<(&[u8], &[u8])> = answers
        .iter()
        .map(|a| (&b"AT+QFLST\r"[..], a.as_slice()))
        .collect();
    let mut m = modem(&script);
    let unexpected = Err(ModemError::At(AtError::Unexpected));
    // The good entry before the damage was passed on; nothing after it.
    let (v, r) = listed(&mut m);
    assert_eq!(r, unexpected);
    assert_eq!(v, vec![("a.pem".into(), Some(5), CredentialKind::Ca)]);
    // 80 bytes is the limit, not over it.
    let (v, r) = listed(&mut m);
    r.unwrap();
    assert_eq!(v[0].0.len(), 80);
    for i in 2..answers.len() {
        let (v, r) = listed(&mut m);
        assert_eq!((v, r), (vec![], unexpected), "answer {i}");
    }
    done(m);
}
