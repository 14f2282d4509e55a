//! The `modemtls` binary against the simulator: every family profile,
//! real TLS servers (TLS 1.3 only, and TLS 1.2 with suites the BG96 has),
//! the commands as a person runs them (`--port tcp://...`), their JSON
//! parsed; a terminal check of `doctor`'s text and of the upload progress
//! bar under tmux.

use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator};
use modemtls_testkit::{server_creds, Behaviour, KeyKind, ServerOpts, TlsServer, TlsVersions};
use serde_json::Value;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HOST: &str = "api.example.test";
const BODY: &[u8] = b"{\"temperature\": 21.5}\n";
const BIN: &str = env!("CARGO_BIN_EXE_modemtls");

struct Rig {
    sim: SimHandle,
    server: TlsServer,
    dir: tempdir::Dir,
    ca: PathBuf,
}

/// A scratch directory removed on drop.
mod tempdir {
    use std::path::PathBuf;
    pub struct Dir(pub PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Self {
            let p = std::env::temp_dir().join(format!(
                "modemtls-cli-{tag}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn rig(profile: &str, tls: TlsVersions) -> Rig {
    let p = FirmwareProfile::by_name(profile).expect("profile");
    // The modem stays up between the tool's runs, as on a serial port (the
    // M66/M95's `RAM:` files would be lost at each power-on).
    let sim = Simulator::spawn(
        SimConfig::new(p)
            .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
            .keep_power(true),
    )
    .expect("simulator");
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls,
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("TLS server");
    let dir = tempdir::Dir::new(profile);
    let ca = dir.0.join("ca.pem");
    std::fs::write(&ca, &creds.ca_pem).expect("write CA");
    Rig {
        sim,
        server,
        dir,
        ca,
    }
}

impl Rig {
    fn port(&self) -> String {
        format!("tcp://{}", self.sim.addr())
    }
    fn target(&self) -> String {
        format!("{HOST}:{}", self.server.port())
    }
    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let port = self.port();
        let mut all = vec!["--port", port.as_str()];
        all.extend_from_slice(args);
        run(&all, stdin)
    }
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run modemtls");
    if let Some(input) = stdin {
        let mut w = child.stdin.take().expect("stdin");
        w.write_all(input).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    eprintln!(
        "$ modemtls {}\n{}{}(exit {:?})",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code()
    );
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// `info --json`, `doctor --json` against a TLS 1.3-only server, `get`,
/// `at` with a pipe and `ca upload`, on one simulated modem.
fn family(profile: &str, family: &str, model: &str) {
    let r = rig(profile, TlsVersions::Tls13Only);

    let out = r.run(&["--json", "info"], None);
    assert_eq!(out.status.code(), Some(0));
    let info = json(&out);
    assert_eq!(info["schema"], "modemtls-cli/info/1");
    assert_eq!(info["family"], family);
    // The model line as the simulated firmware answers `ATI`.
    let expected = FirmwareProfile::by_name(profile).expect("profile").model;
    assert_eq!(info["model"], expected.as_str());
    assert!(expected.contains(model), "{expected}");
    let suites = info["capabilities"]["cipher_suites"]
        .as_array()
        .expect("suites");
    assert!(!suites.is_empty());
    assert!(suites
        .iter()
        .all(|s| s["name"].as_str().is_some_and(|n| n.starts_with("TLS_"))));
    assert_eq!(info["capabilities"]["tls_max"], "TLS 1.2");
    assert_eq!(info["network"]["attach"]["ok"], true, "{info}");
    assert!(info["network"]["attach"]["local_address"].is_string());
    assert_eq!(info["network"]["time"]["ok"], true, "{info}");
    assert!(info["network"]["time"]["unix"]
        .as_u64()
        .is_some_and(|t| t > 1_700_000_000));

    let ca = r.ca.to_str().expect("utf-8 path");
    let target = r.target();
    let out = r.run(&["--json", "doctor", &target, "--ca", ca], None);
    assert_eq!(out.status.code(), Some(0), "a path works");
    let d = json(&out);
    assert_eq!(d["schema"], "modemtls-cli/doctor/1");
    assert_eq!(d["modem"]["family"], family);
    assert_eq!(d["probe"]["ok"], true, "{d}");
    assert_eq!(d["probe"]["diagnosis"], "protocol-version", "{d}");
    let off = &d["paths"]["offload"];
    assert_eq!(off["works"], false, "{d}");
    assert_eq!(off["error"]["kind"], "tls", "{d}");
    assert_eq!(off["error"]["failure"], "ProtocolVersion", "{d}");
    assert_eq!(
        off["error"]["cause"],
        "the server requires a TLS version the modem firmware lacks (e.g. TLS 1.3 only)"
    );
    let host = &d["paths"]["host"];
    assert_eq!(host["works"], true, "{d}");
    assert_eq!(host["tls_version"], "TLS 1.3");
    assert_eq!(host["verified"], true);
    assert_eq!(host["peer"], HOST);
    let rec = &d["recommendation"];
    assert_eq!(rec["mode"], "Auto");
    assert_eq!(rec["hints"]["tls13_only"], true);
    assert!(rec["rust"]
        .as_str()
        .is_some_and(|s| s.contains("cfg.hints.tls13_only = true")));
    assert!(rec["c"]
        .as_str()
        .is_some_and(|s| s.contains("cfg.hint_tls13_only = 1;")));

    let url = format!("https://{target}/sensor");
    let out = r.run(&["get", &url, "--ca", ca], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, BODY, "the body, and only the body, on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("* path host"), "{err}");
    assert!(err.contains("200 OK"), "{err}");

    let out = r.run(&["at"], Some(b"AT\nAT+NOSUCHCOMMAND\n"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let ok = lines.iter().position(|l| *l == "OK");
    let err = lines
        .iter()
        .position(|l| *l == "ERROR" || l.starts_with("+CME ERROR"));
    assert!(ok.is_some() && ok < err, "OK, then the error: {text}");

    // Another CA than the one doctor's offload attempt stored, so that the
    // file found is this upload's.
    let other = server_creds("other.example.test", KeyKind::P256);
    let other_path = r.dir.0.join("other.pem");
    std::fs::write(&other_path, &other.ca_pem).expect("write CA");
    let other_arg = other_path.to_str().expect("utf-8 path");
    let out = r.run(&["--json", "ca", "upload", other_arg], None);
    assert_eq!(out.status.code(), Some(0));
    let up = json(&out);
    assert_eq!(up["schema"], "modemtls-cli/ca-upload/1");
    assert_eq!(up["name"], "ca.pem");
    let pem = info["capabilities"]["ca_formats"]["pem"] == true;
    let stored: &[u8] = if pem { &other.ca_pem } else { &other.ca_der };
    assert_eq!(up["bytes"].as_u64(), Some(stored.len() as u64));
    assert!(
        r.sim.files().iter().any(|(_, b)| b == stored),
        "the CA is in the modem ({}): {:?}",
        if pem { "PEM" } else { "DER" },
        r.sim
            .files()
            .iter()
            .map(|(n, b)| (n.clone(), b.len()))
            .collect::<Vec<_>>()
    );
    ca_list_and_delete(&r, family, stored);
    drop(r.dir);
}

/// `ca list --json` as (name, size, kind) triples.
fn ca_list(r: &Rig) -> Vec<(String, u64, String)> {
    let out = r.run(&["--json", "ca", "list"], None);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["schema"], "modemtls-cli/ca-list/1");
    doc["credentials"]
        .as_array()
        .expect("credentials array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["size"].as_u64().expect("size"),
                c["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect()
}

/// After `ca upload` of `stored` as `ca.pem`: `ca list` shows it (under its
/// name, or the Sierra HL's CA slot), `ca delete` removes it from the
/// modem, `ca list` no longer shows it and a second delete is "not found"
/// (exit 1). The BC66, which keeps certificates inline, says it cannot
/// (exit 4).
fn ca_list_and_delete(r: &Rig, family: &str, stored: &[u8]) {
    if family == "quectel-bc66" {
        for args in [&["ca", "list"][..], &["ca", "delete", "ca.pem"]] {
            let out = r.run(args, None);
            assert_eq!(out.status.code(), Some(4), "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("BC66") && err.contains("inline"), "{err}");
        }
        assert!(
            r.sim.files().iter().any(|(_, b)| b == stored),
            "nothing deleted"
        );
        return;
    }
    let name = if family == "sierra-hl" {
        "root_cert,0"
    } else {
        "ca.pem"
    };
    let entry = (name.to_string(), stored.len() as u64, "ca".to_string());
    let listed = ca_list(r);
    assert!(listed.contains(&entry), "{entry:?} in {listed:?}");

    let out = r.run(&["ca", "list"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w == [name, &stored.len().to_string(), "bytes", "ca"]
        }),
        "{text}"
    );

    let out = r.run(&["--json", "ca", "delete", name], None);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    assert_eq!(d["schema"], "modemtls-cli/ca-delete/1");
    assert_eq!(d["name"], name);
    assert!(
        !r.sim.files().iter().any(|(_, b)| b == stored),
        "the CA is gone from the modem"
    );
    let listed = ca_list(r);
    assert!(
        !listed.iter().any(|(n, _, _)| n == name),
        "{name} still listed: {listed:?}"
    );

    let out = r.run(&["ca", "delete", name], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no credential of that name"), "{err}");
}

#[test]
fn bg96() {
    family("bg96", "quectel-bg9x", "BG96");
}

#[test]
fn bc66() {
    family("bc66", "quectel-bc66", "BC66");
}

#[test]
fn m95() {
    family("m95", "quectel-m95", "M95");
}

#[test]
fn hl8548() {
    family("hl8548", "sierra-hl", "HL8548");
}

#[test]
fn hl78xx_4_6() {
    family("hl78xx-4.6", "sierra-hl", "HL7800");
}

/// A TLS 1.2 server with a suite the BG96 has: the firmware's path works
/// and doctor keeps it (Mode::Auto, no hint); `get --mode offload` goes
/// through the modem's TLS.
#[test]
fn bg96_tls12_server_stays_offloaded() {
    let r = rig("bg96", TlsVersions::Tls12Only);
    let ca = r.ca.to_str().expect("utf-8 path");
    let target = r.target();
    let out = r.run(&["--json", "doctor", &target, "--ca", ca], None);
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out);
    assert_eq!(d["probe"]["diagnosis"], "server-accepts", "{d}");
    assert_eq!(d["paths"]["offload"]["works"], true, "{d}");
    assert_eq!(d["paths"]["host"]["works"], false, "{d}");
    assert_eq!(d["paths"]["host"]["error"]["failure"], "ProtocolVersion");
    assert_eq!(d["recommendation"]["mode"], "Auto");
    assert_eq!(d["recommendation"]["hints"]["tls13_only"], false);

    let url = format!("https://{target}/");
    let out = r.run(&["get", &url, "--ca", ca, "--mode", "offload"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, BODY);
    assert!(String::from_utf8_lossy(&out.stderr).contains("* path offload (requested)"));
}

#[test]
fn errors_have_exit_codes() {
    // No modem there: exit 3, with the reason.
    let out = run(&["--port", "tcp://127.0.0.1:1", "info"], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
    // A bad URL: exit 2.
    let out = run(&["--port", "tcp://127.0.0.1:1", "get", "http://x/"], None);
    assert_eq!(out.status.code(), Some(2));
    // Listing needs the modem too: exit 3.
    let out = run(&["--port", "tcp://127.0.0.1:1", "ca", "list"], None);
    assert_eq!(out.status.code(), Some(3));
    // A name is required: exit 2.
    let out = run(&["--port", "tcp://127.0.0.1:1", "ca", "delete"], None);
    assert_eq!(out.status.code(), Some(2));
}

/// The output a person sees on a terminal: `doctor`'s text in a tmux pane
/// of fixed size, then `ca upload` with its progress bar (drawn only on a
/// terminal) over a UART throttled to 9600 baud.
#[test]
fn terminal_output_under_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("SKIPPED: tmux is not installed (tools/setup.sh installs it)");
        return;
    }
    let p = FirmwareProfile::by_name("bg96").expect("profile");
    let sim = Simulator::spawn(
        SimConfig::new(p)
            .host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
            .baud(9600),
    )
    .expect("simulator");
    let creds = server_creds(HOST, KeyKind::P256);
    let server = TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls13Only,
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        ..ServerOpts::from_creds(&creds)
    })
    .expect("server");
    let dir = tempdir::Dir::new("tmux");
    let ca = dir.0.join("ca.pem");
    std::fs::write(&ca, &creds.ca_pem).expect("CA");
    let port = format!("tcp://{}", sim.addr());
    let session = format!("modemtls-cli-{}", std::process::id());

    let doctor = format!(
        "{BIN} --port {port} doctor {HOST}:{} --ca {}",
        server.port(),
        ca.display()
    );
    let screen = in_tmux(&session, &dir.0, &doctor, "verdict");
    assert!(
        screen.contains(
            "offload   FAILS: the server requires a TLS version the modem firmware lacks"
        ),
        "{screen}"
    );
    assert!(screen.contains("host      WORKS: TLS 1.3"), "{screen}");
    assert!(
        screen.contains("verdict   the server requires a TLS version"),
        "{screen}"
    );

    let upload = format!(
        "{BIN} --port {port} ca upload {} --name test.pem",
        ca.display()
    );
    let screen = in_tmux(&session, &dir.0, &upload, "stored");
    assert!(screen.contains("uploaded test.pem ["), "{screen}");
    assert!(screen.contains("=]"), "a full bar: {screen}");
    assert!(screen.contains("stored "), "{screen}");
}

/// Run `cmd` in a detached 160x50 tmux session, wait for it to end (or for
/// 40 s), and return the pane's text once it contains `until`.
fn in_tmux(session: &str, dir: &Path, cmd: &str, until: &str) -> String {
    let done = dir.join("done");
    let _ = std::fs::remove_file(&done);
    let script = format!("{cmd}; touch {}; sleep 30", done.display());
    let ok = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "160",
            "-y",
            "50",
            &script,
        ])
        .status()
        .expect("tmux");
    assert!(ok.success());
    let start = Instant::now();
    while !done.exists() && start.elapsed() < Duration::from_secs(40) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = Command::new("tmux")
        .args(["capture-pane", "-p", "-J", "-t", session])
        .output()
        .expect("capture");
    let _ = Command::new("tmux")
        .args(["kill-session", "-t", session])
        .status();
    let screen = String::from_utf8_lossy(&out.stdout).to_string();
    println!("--- tmux pane: {cmd}\n{screen}");
    assert!(screen.contains(until), "{screen}");
    screen
}

/// The serial port path (`SerialUart`, termios through `serialport`): the
/// binary opens the slave side of a pseudo-terminal whose master the test
/// bridges to the simulator's TCP UART.
#[test]
fn serial_device_through_a_pty() {
    use std::fs::File;
    use std::io::Read;
    use std::os::fd::FromRawFd;

    let p = FirmwareProfile::by_name("bg96").expect("profile");
    let sim = Simulator::spawn(SimConfig::new(p)).expect("simulator");
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two file descriptors; no name, termios or
    // window size buffers are passed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty");
    // Raw mode before any byte flows (no echo of the modem's output back
    // to it, no line discipline).
    // SAFETY: `slave` is an open terminal; `t` is initialised by tcgetattr.
    let path = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(slave, &mut t), 0);
        libc::cfmakeraw(&mut t);
        assert_eq!(libc::tcsetattr(slave, libc::TCSANOW, &t), 0);
        let name = libc::ttyname(slave);
        assert!(!name.is_null());
        std::ffi::CStr::from_ptr(name)
            .to_str()
            .expect("tty name")
            .to_string()
    };
    // SAFETY: `master` is an open descriptor owned by this File from now on.
    let mut from_tty = unsafe { File::from_raw_fd(master) };
    let mut to_tty = from_tty.try_clone().expect("clone master");
    let tcp = std::net::TcpStream::connect(sim.addr()).expect("sim UART");
    let mut to_sim = tcp.try_clone().expect("clone");
    let mut from_sim = tcp;
    std::thread::spawn(move || {
        let mut b = [0u8; 512];
        while let Ok(n) = from_tty.read(&mut b) {
            if n == 0 || to_sim.write_all(&b[..n]).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        let mut b = [0u8; 512];
        while let Ok(n) = from_sim.read(&mut b) {
            if n == 0 || to_tty.write_all(&b[..n]).is_err() {
                break;
            }
        }
    });

    let serial = [
        "--port",
        path.as_str(),
        "--baud",
        "115200",
        "--flow-control",
        "none",
    ];
    let mut args = serial.to_vec();
    args.extend(["--json", "info"]);
    let out = run(&args, None);
    assert_eq!(out.status.code(), Some(0));
    let info = json(&out);
    assert_eq!(info["family"], "quectel-bg9x");
    assert_eq!(info["model"], "BG96");

    let mut args = serial.to_vec();
    args.push("at");
    let out = run(&args, Some(b"ATI\n"));
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Revision: BG96"), "{text}");
    assert!(text.lines().any(|l| l.trim() == "OK"), "{text}");
    // SAFETY: `slave` is open and closed once.
    unsafe { libc::close(slave) };
}

/// `bench --json`: one result per handshake round, the download counted.
#[test]
fn bench_json() {
    let r = rig("bg96", TlsVersions::Tls13Only);
    let ca = r.ca.to_str().expect("utf-8 path");
    let target = r.target();
    let out = r.run(
        &["--json", "bench", &target, "--ca", ca, "--rounds", "2"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let b = json(&out);
    assert_eq!(b["schema"], "modemtls-cli/bench/1");
    let rounds = b["handshakes"].as_array().expect("handshakes");
    assert_eq!(rounds.len(), 2);
    for h in rounds {
        // A P-256 chain of three crosses the UART: hundreds of bytes in.
        assert!(h["uart_in"].as_u64().is_some_and(|n| n > 500), "{b}");
        assert!(h["seconds"].as_f64().is_some_and(|s| s > 0.0));
    }
    let d = &b["download"];
    // The HTTP response: headers and the body.
    assert!(
        d["bytes"].as_u64().is_some_and(|n| n > BODY.len() as u64),
        "{b}"
    );
    assert!(d["uart_bytes_in"].as_u64() >= d["bytes"].as_u64(), "{b}");
    assert!(d["line_bytes_per_sec"].is_null());
}
