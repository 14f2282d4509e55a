//! `openssl s_server` as a child process on 127.0.0.1.
//!
//! The server runs under a small `sh` watchdog that holds a pipe from this
//! process: when the pipe closes (the [`SServer`] is dropped, or the test
//! process dies in any way, even SIGKILL) the watchdog kills `s_server`. So a
//! server never outlives its test.
//!
//! Limits of `s_server` (OpenSSL 3.0) worth knowing:
//! - there is no plain echo mode: [`SServerMode::Rev`] echoes each line
//!   reversed; use [`crate::server::TlsServer`] with `Behaviour::Echo` for a
//!   byte-exact echo;
//! - `-servername NAME -servername_fatal` rejects a ClientHello whose SNI is
//!   *another* name (fatal `unrecognized_name` alert) but **accepts a
//!   ClientHello without SNI** (its callback returns OK when no name is
//!   sent). To reject a missing SNI use [`crate::server::TlsServer`], which
//!   rejects both;
//! - one connection at a time.
//!
//! [`SServerMode::Console`] is s_server's default mode: what the client
//! sends is printed (see [`SServer::output`]), what the test writes with
//! [`SServer::send_stdin`] is sent to the client, and the lines `k` and `K`
//! send a KeyUpdate (without and with update_requested). There the
//! watchdog forwards its pipe to s_server's standard input through a FIFO,
//! and still kills s_server when the pipe closes.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use openssl::x509::X509;

use crate::TlsVersions;

/// How long [`SServer::spawn`] waits for `s_server` to listen.
pub const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// What `s_server` does with a connection after the handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SServerMode {
    /// `-www`: answers a request starting with `GET /` with an HTTP/1.0 200
    /// status page (text/html, the session's parameters, no Content-Length),
    /// then closes with close_notify.
    Www,
    /// `-WWW`: serves the given files (name relative to `/`, content) with
    /// `GET /name`; other names get a 404-like error text.
    WwwFiles(Vec<(String, Vec<u8>)>),
    /// `-rev`: echoes each received line (up to `\n`) reversed; the line
    /// `CLOSE` closes the connection.
    Rev,
    /// No mode flag: received application data is printed on stdout
    /// ([`SServer::output`]); bytes given to [`SServer::send_stdin`] are
    /// sent to the client, except s_server's one-letter commands, which
    /// must come alone as `"<letter>\n"`: `k` KeyUpdate, `K` KeyUpdate
    /// with update_requested (s_server prints `SSL_do_handshake -> 1`), `q`
    /// ends the connection. s_server looks at the first bytes of each
    /// chunk it reads (up to 16 KiB): data must not start with one of
    /// `QqrRkKcPS`, and a command must not be merged with data (wait for
    /// its effect before writing more).
    Console,
}

/// Options for [`SServer::spawn`].
#[derive(Clone, Debug)]
pub struct SServerOpts {
    /// Leaf first, then the chain to send (PEM). The leaf goes to `-cert`,
    /// the rest to `-cert_chain`.
    pub cert_chain_pem: Vec<u8>,
    /// Leaf key (PEM, any format `openssl` reads).
    pub key_pem: Vec<u8>,
    pub tls: TlsVersions,
    /// `-cipher` (TLS 1.2 and below), OpenSSL cipher string.
    pub cipher_list: Option<String>,
    /// `-ciphersuites` (TLS 1.3), e.g. `TLS_CHACHA20_POLY1305_SHA256`.
    pub ciphersuites: Option<String>,
    /// `-servername NAME -servername_fatal`: an SNI other than NAME gets a
    /// fatal `unrecognized_name` alert. A missing SNI is *not* rejected (see
    /// the module docs). The context s_server switches to for the matching
    /// name has no `-cert_chain`: it builds the chain from the certificates
    /// after the leaf (given as `-CAfile`), which gives the same chain for
    /// leaf + intermediates; for unusual chains prefer `TlsServer`.
    pub require_sni: Option<String>,
    /// `-Verify 1 -verify_return_error -verifyCAfile` (and `-CAfile`, for
    /// the certificate_authorities list): a client certificate chaining to
    /// one of these PEM certificates is required.
    pub verify_client_ca_pem: Option<Vec<u8>>,
    pub mode: SServerMode,
    /// `-naccept N`: exit after N connections.
    pub naccept: Option<u32>,
    /// More `s_server` arguments, passed last (e.g. `-sigalgs`, `-groups`).
    pub extra_args: Vec<String>,
}

impl SServerOpts {
    /// TLS 1.2 and 1.3, OpenSSL default ciphers, no SNI or client
    /// certificate requirement, `-www`.
    pub fn new(cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        SServerOpts {
            cert_chain_pem: cert_chain_pem.to_vec(),
            key_pem: key_pem.to_vec(),
            tls: TlsVersions::Both,
            cipher_list: None,
            ciphersuites: None,
            require_sni: None,
            verify_client_ca_pem: None,
            mode: SServerMode::Www,
            naccept: None,
            extra_args: Vec::new(),
        }
    }

    /// From [`crate::pki::ServerCreds`].
    pub fn from_creds(creds: &crate::pki::ServerCreds) -> Self {
        Self::new(&creds.chain_pem, &creds.key_pem)
    }
}

/// Captured stdout+stderr.
type Output = Arc<Mutex<Vec<u8>>>;

/// A running `openssl s_server`; killed on drop.
pub struct SServer {
    child: Child,
    watchdog: Option<ChildStdin>,
    port: u16,
    output: Arc<Mutex<Vec<u8>>>,
    mode: SServerMode,
    _dir: tempfile::TempDir,
}

/// `sh -c WATCHDOG sh PROGRAM ARGS...`: runs PROGRAM with its standard
/// input from /dev/null and kills it when the shell's own standard input
/// (a pipe from the test process) closes.
pub(crate) const WATCHDOG: &str = r#"exec 3<&0
"$@" </dev/null 3<&- &
pid=$!
( read -r _ <&3; kill "$pid" 2>/dev/null ) &
wait "$pid"
"#;

/// `sh -c WATCHDOG_STDIN sh FIFO PROGRAM ARGS...`: like [`WATCHDOG`], but
/// everything written to the pipe is forwarded to PROGRAM's standard input
/// through the FIFO (made beforehand); the pipe's end still kills it.
const WATCHDOG_STDIN: &str = r#"exec 3<&0
fifo=$1
shift
"$@" <"$fifo" 3<&- &
pid=$!
( cat <&3 >"$fifo"; kill "$pid" 2>/dev/null ) &
wait "$pid"
"#;

pub(crate) fn free_port() -> io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn split_chain(pem: &[u8]) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let certs = X509::stack_from_pem(pem).map_err(io::Error::other)?;
    let mut it = certs.iter();
    let leaf = it
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no certificate in chain"))?
        .to_pem()
        .map_err(io::Error::other)?;
    let mut rest = Vec::new();
    for c in it {
        rest.extend_from_slice(&c.to_pem().map_err(io::Error::other)?);
    }
    Ok((leaf, rest))
}

impl SServer {
    /// Writes the PEMs to a temporary directory, starts `openssl s_server`
    /// on a free 127.0.0.1 port and waits (at most [`READY_TIMEOUT`]) until
    /// it listens. Retries with another port if the chosen one was taken in
    /// the meantime.
    pub fn spawn(opts: SServerOpts) -> io::Result<SServer> {
        let dir = tempfile::tempdir()?;
        let (leaf, rest) = split_chain(&opts.cert_chain_pem)?;
        let p = dir.path();
        std::fs::write(p.join("cert.pem"), &leaf)?;
        std::fs::write(p.join("key.pem"), &opts.key_pem)?;
        if !rest.is_empty() {
            std::fs::write(p.join("chain.pem"), &rest)?;
        }
        let mut store = Vec::new();
        if opts.require_sni.is_some() {
            store.extend_from_slice(&rest);
        }
        if let Some(ca) = &opts.verify_client_ca_pem {
            std::fs::write(p.join("client_ca.pem"), ca)?;
            store.extend_from_slice(ca);
        }
        if !store.is_empty() {
            std::fs::write(p.join("store.pem"), &store)?;
        }
        let www = p.join("www");
        std::fs::create_dir(&www)?;
        if let SServerMode::WwwFiles(files) = &opts.mode {
            for (name, body) in files {
                let name = name.trim_start_matches('/');
                if name.is_empty() || name.split('/').any(|s| s == ".." || s.is_empty()) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("bad file name {name:?}"),
                    ));
                }
                let path = www.join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(path, body)?;
            }
        }

        let mut last_err = None;
        for _ in 0..5 {
            let port = free_port()?;
            let (mut child, watchdog, output) = Self::start(&opts, p, &www, port)?;
            match wait_ready(&mut child, &output) {
                Ok(()) => {
                    return Ok(SServer {
                        child,
                        watchdog: Some(watchdog),
                        port,
                        output,
                        mode: opts.mode.clone(),
                        _dir: dir,
                    })
                }
                Err(e) => {
                    stop(&mut child, watchdog);
                    let out = text(&output);
                    let e = io::Error::new(e.kind(), format!("{e}; output:\n{out}"));
                    if !out.contains("in use") {
                        return Err(e);
                    }
                    // Someone took the port between bind(0) and s_server.
                    last_err = Some(e);
                }
            }
        }
        Err(last_err.unwrap_or_else(|| io::Error::other("s_server did not start")))
    }

    /// The full argument list given to `openssl` (for diagnostics).
    fn args(opts: &SServerOpts, dir: &Path, port: u16) -> Vec<String> {
        let f = |n: &str| dir.join(n).to_string_lossy().into_owned();
        let mut a: Vec<String> = vec![
            "s_server".into(),
            "-accept".into(),
            format!("127.0.0.1:{port}"),
            "-cert".into(),
            f("cert.pem"),
            "-key".into(),
            f("key.pem"),
        ];
        if dir.join("chain.pem").exists() {
            a.extend(["-cert_chain".into(), f("chain.pem")]);
        }
        match opts.tls {
            TlsVersions::Tls12Only => a.push("-tls1_2".into()),
            TlsVersions::Tls13Only => a.push("-tls1_3".into()),
            TlsVersions::Both => a.extend(["-min_protocol".into(), "TLSv1.2".into()]),
        }
        if let Some(c) = &opts.cipher_list {
            a.extend(["-cipher".into(), c.clone()]);
        }
        if let Some(c) = &opts.ciphersuites {
            a.extend(["-ciphersuites".into(), c.clone()]);
        }
        if let Some(name) = &opts.require_sni {
            // -servername needs a second certificate/key for the named host;
            // it is the same one.
            a.extend([
                "-servername".into(),
                name.clone(),
                "-servername_fatal".into(),
                "-cert2".into(),
                f("cert.pem"),
                "-key2".into(),
                f("key.pem"),
            ]);
        }
        // Trust only what the test gives, never the system store.
        a.extend([
            "-no-CAfile".into(),
            "-no-CApath".into(),
            "-no-CAstore".into(),
        ]);
        // -CAfile fills the context's certificate store. With -servername the
        // context for the matching name has no -cert_chain of its own and
        // builds the chain from that store (up to the last intermediate, the
        // root not being there); s_server also sends the store's subjects as
        // certificate_authorities in a CertificateRequest.
        if dir.join("store.pem").exists() {
            a.extend(["-CAfile".into(), f("store.pem")]);
        }
        if opts.verify_client_ca_pem.is_some() {
            // Client certificates are checked against this store only.
            a.extend([
                "-Verify".into(),
                "1".into(),
                "-verify_return_error".into(),
                "-verifyCAfile".into(),
                f("client_ca.pem"),
            ]);
        }
        match &opts.mode {
            SServerMode::Www => a.push("-www".into()),
            SServerMode::WwwFiles(_) => a.push("-WWW".into()),
            SServerMode::Rev => a.push("-rev".into()),
            SServerMode::Console => {}
        }
        if let Some(n) = opts.naccept {
            a.extend(["-naccept".into(), n.to_string()]);
        }
        a.extend(opts.extra_args.iter().cloned());
        a
    }

    fn start(
        opts: &SServerOpts,
        dir: &Path,
        www: &Path,
        port: u16,
    ) -> io::Result<(Child, ChildStdin, Output)> {
        let args = Self::args(opts, dir, port);
        let mut cmd = Command::new("sh");
        if opts.mode == SServerMode::Console {
            let fifo = dir.join(format!("stdin-{port}"));
            let made = Command::new("mkfifo").arg(&fifo).status()?;
            if !made.success() {
                return Err(io::Error::other(format!(
                    "mkfifo {}: {made}",
                    fifo.display()
                )));
            }
            // s_server prints its command results (`SSL_do_handshake -> 1`)
            // with stdio: line-buffered, they are seen when they happen.
            cmd.arg("-c")
                .arg(WATCHDOG_STDIN)
                .arg("sh")
                .arg(&fifo)
                .arg("stdbuf")
                .arg("-oL");
        } else {
            cmd.arg("-c").arg(WATCHDOG).arg("sh");
        }
        let mut child = cmd
            .arg("openssl")
            .args(&args)
            .current_dir(www)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let watchdog = child.stdin.take().expect("piped stdin");
        let output = Arc::new(Mutex::new(
            format!("$ openssl {}\n", args.join(" ")).into_bytes(),
        ));
        for mut src in [
            Box::new(child.stdout.take().expect("piped stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("piped stderr")),
        ] {
            let out = Arc::clone(&output);
            // Ends at EOF, i.e. when s_server and the watchdog have exited.
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                loop {
                    match src.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => out
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .extend_from_slice(&buf[..n]),
                    }
                }
            });
        }
        Ok((child, watchdog, output))
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The command line, then everything `s_server` printed so far (stdout
    /// and stderr interleaved as they arrived).
    pub fn output(&self) -> String {
        text(&self.output)
    }

    /// [`SServerMode::Console`] only: write `data` to s_server's standard
    /// input (sent to the client, or a command; see the mode's docs).
    pub fn send_stdin(&mut self, data: &[u8]) -> io::Result<()> {
        use std::io::Write;
        if self.mode != SServerMode::Console {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "send_stdin needs SServerMode::Console",
            ));
        }
        let w = self
            .watchdog
            .as_mut()
            .ok_or_else(|| io::Error::other("s_server stopped"))?;
        w.write_all(data)?;
        w.flush()
    }

    /// Wait (at most `timeout`) until `needle` occurs `count` times or more
    /// in [`SServer::output`].
    pub fn wait_output(&self, needle: &str, count: usize, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if text(&self.output).matches(needle).count() >= count {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{needle:?} not seen {count} times within {timeout:?}; output:\n{}",
                        self.output()
                    ),
                ));
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// True while `s_server` runs (false after `-naccept` connections).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl std::fmt::Debug for SServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SServer").field("port", &self.port).finish()
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.take() {
            stop(&mut self.child, w);
        }
    }
}

pub(crate) fn text(output: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&output.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// `s_server` prints `ACCEPT` (flushed) once it listens; connecting to probe
/// would use up one of `-naccept`.
fn wait_ready(child: &mut Child, output: &Mutex<Vec<u8>>) -> io::Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if text(output).lines().any(|l| l.starts_with("ACCEPT")) {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            // Give the reader threads a moment to collect the error text.
            thread::sleep(Duration::from_millis(50));
            return Err(io::Error::other(format!("s_server exited early: {status}")));
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "s_server did not listen within 5 s",
            ));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Closing the pipe makes the watchdog kill s_server; the shell then exits.
/// Bounded wait, then SIGKILL the shell (the watchdog still kills s_server,
/// its pipe being closed).
pub(crate) fn stop(child: &mut Child, watchdog: ChildStdin) {
    drop(watchdog);
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) if Instant::now() >= deadline => break,
            Ok(None) => thread::sleep(Duration::from_millis(5)),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
