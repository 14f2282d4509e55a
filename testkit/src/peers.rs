//! Other implementations' TLS servers as child processes on 127.0.0.1, for
//! interoperability tests: `gnutls-serv` (Debian package `gnutls-bin`),
//! `nginx` and `mosquitto` (packages of the same names).
//!
//! Each runs in its own temporary directory with its own configuration,
//! under the same `sh` watchdog as [`crate::s_server`]: when the [`Daemon`]
//! is dropped, or the test process dies in any way, the server is killed
//! (SIGTERM, which nginx's master and mosquitto answer by stopping their
//! workers). A server whose program is not installed is an error naming
//! the package to install, never a silent skip.
//!
//! `nginx` and `mosquitto` listen on 127.0.0.1 only. `gnutls-serv` (3.7)
//! has no option for the listening address and binds the wildcard
//! address of both families; it is only ever reached over 127.0.0.1.

use std::ffi::OsString;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::s_server::{free_port, stop, text, WATCHDOG};

/// How long [`Daemon`] waits for its server to accept TCP connections.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// The path of `program`, looked up in `PATH` and in the system binary
/// directories (`nginx` and `mosquitto` live in `/usr/sbin`, which an
/// unprivileged user's `PATH` may lack). Missing: an error that names the
/// Debian `package` to install.
pub fn find_program(program: &str, package: &str) -> io::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(
        [
            "/usr/local/sbin",
            "/usr/local/bin",
            "/usr/sbin",
            "/usr/bin",
            "/sbin",
            "/bin",
        ]
        .map(PathBuf::from),
    );
    for dir in dirs {
        let p = dir.join(program);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "`{program}` is not installed: install the Debian package `{package}` \
             (apt-get install -y {package})"
        ),
    ))
}

/// A server child process on 127.0.0.1; killed on drop.
pub struct Daemon {
    name: String,
    child: Child,
    watchdog: Option<ChildStdin>,
    port: u16,
    output: Arc<Mutex<Vec<u8>>>,
    dir: tempfile::TempDir,
}

/// How a [`Daemon`] is started on a port: the program's arguments, after
/// whatever files it needs were written to `dir`.
type ArgsFor<'a> = dyn Fn(&Path, u16) -> io::Result<Vec<OsString>> + 'a;

impl Daemon {
    /// Start `program` (found with [`find_program`]) on a free port of
    /// 127.0.0.1 with the arguments `args(dir, port)` gives, in `dir`, and
    /// wait (at most [`READY_TIMEOUT`]) until the port accepts connections.
    /// Retries with another port when the chosen one was taken in the
    /// meantime.
    fn spawn(program: &Path, dir: tempfile::TempDir, args: &ArgsFor<'_>) -> io::Result<Daemon> {
        let name = program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut last_err = None;
        for _ in 0..5 {
            let port = free_port()?;
            let argv = args(dir.path(), port)?;
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(WATCHDOG)
                .arg("sh")
                .arg(program)
                .args(&argv)
                .current_dir(dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()?;
            let Some(watchdog) = child.stdin.take() else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::other("no stdin pipe"));
            };
            let mut line = format!("$ {}", program.display());
            for a in &argv {
                line.push(' ');
                line.push_str(&a.to_string_lossy());
            }
            line.push('\n');
            let output = Arc::new(Mutex::new(line.into_bytes()));
            for src in [
                child
                    .stdout
                    .take()
                    .map(|s| Box::new(s) as Box<dyn Read + Send>),
                child
                    .stderr
                    .take()
                    .map(|s| Box::new(s) as Box<dyn Read + Send>),
            ]
            .into_iter()
            .flatten()
            {
                collect(src, Arc::clone(&output));
            }
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            match wait_ready(&mut child, addr) {
                Ok(()) => {
                    return Ok(Daemon {
                        name,
                        child,
                        watchdog: Some(watchdog),
                        port,
                        output,
                        dir,
                    })
                }
                Err(e) => {
                    stop(&mut child, watchdog);
                    let out = text(&output);
                    let e = io::Error::new(e.kind(), format!("{name}: {e}; output:\n{out}"));
                    if !out.contains("in use") {
                        return Err(e);
                    }
                    // Someone took the port between bind(0) and the server.
                    last_err = Some(e);
                }
            }
        }
        Err(last_err.unwrap_or_else(|| io::Error::other(format!("{name} did not start"))))
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The command line, then everything the server printed so far.
    pub fn output(&self) -> String {
        text(&self.output)
    }

    /// The server's working directory (its configuration and files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// True while the server runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("name", &self.name)
            .field("port", &self.port)
            .finish()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.take() {
            stop(&mut self.child, w);
        }
    }
}

/// Wait (at most [`READY_TIMEOUT`]) until `addr` accepts a connection.
fn wait_ready(child: &mut Child, addr: SocketAddr) -> io::Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            // Let the reader threads collect the error text.
            thread::sleep(Duration::from_millis(50));
            return Err(io::Error::other(format!("exited early: {status}")));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("not listening within {READY_TIMEOUT:?}"),
            ));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Copy `src` into `out` until EOF (the server and its watchdog exited).
fn collect(mut src: Box<dyn Read + Send>, out: Arc<Mutex<Vec<u8>>>) {
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

/// Write `data` to `dir/name`, readable by its owner only when `private`.
fn write_file(dir: &Path, name: &str, data: &[u8], private: bool) -> io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, data)?;
    let mode = if private { 0o600 } else { 0o644 };
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))?;
    Ok(p)
}

/// A temporary directory holding `files` (name, content; keys are best
/// given names ending in `key.pem`, which are made owner-only), e.g. for
/// server arguments that name files; removed on drop.
pub fn temp_files(files: &[(&str, &[u8])]) -> io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for (name, data) in files {
        if name.is_empty() || name.contains('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad file name {name:?}"),
            ));
        }
        write_file(dir.path(), name, data, name.ends_with("key.pem"))?;
    }
    Ok(dir)
}

/// True when this process runs as root (it owns its `/proc/self`).
fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// The user and group ids of the account `name` (from `/etc/passwd`).
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.first() != Some(&name) {
            return None;
        }
        Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
    })
}

/// Options for [`gnutls_serv`].
#[derive(Clone, Debug)]
pub struct GnutlsOpts {
    /// Leaf first, then the chain to send (PEM).
    pub chain_pem: Vec<u8>,
    /// Leaf key (PEM).
    pub key_pem: Vec<u8>,
    /// `--priority`; the default allows TLS 1.3 only.
    pub priority: String,
    /// `--recordsize=N`: the record size limit the server advertises
    /// (RFC 8449; only to a client that offers `record_size_limit`).
    pub record_size: Option<u16>,
    /// More arguments, passed last.
    pub extra_args: Vec<String>,
}

impl GnutlsOpts {
    /// TLS 1.3 only (`NORMAL:-VERS-ALL:+VERS-TLS1.3`), no record size.
    pub fn new(chain_pem: &[u8], key_pem: &[u8]) -> Self {
        GnutlsOpts {
            chain_pem: chain_pem.to_vec(),
            key_pem: key_pem.to_vec(),
            priority: "NORMAL:-VERS-ALL:+VERS-TLS1.3".into(),
            record_size: None,
            extra_args: Vec::new(),
        }
    }
}

/// `gnutls-serv --echo`: echoes every record's data back in one record of
/// the same size, never asks for a client certificate (`-a`), serves any
/// number of connections one after the other.
pub fn gnutls_serv(opts: &GnutlsOpts) -> io::Result<Daemon> {
    let program = find_program("gnutls-serv", "gnutls-bin")?;
    let dir = tempfile::tempdir()?;
    let cert = write_file(dir.path(), "chain.pem", &opts.chain_pem, false)?;
    let key = write_file(dir.path(), "key.pem", &opts.key_pem, true)?;
    let args = move |_: &Path, port: u16| -> io::Result<Vec<OsString>> {
        let mut a: Vec<OsString> = vec![
            "--echo".into(),
            "-a".into(),
            format!("--port={port}").into(),
            format!("--priority={}", opts.priority).into(),
        ];
        let mut f = OsString::from("--x509certfile=");
        f.push(&cert);
        a.push(f);
        let mut f = OsString::from("--x509keyfile=");
        f.push(&key);
        a.push(f);
        if let Some(n) = opts.record_size {
            a.push(format!("--recordsize={n}").into());
        }
        a.extend(opts.extra_args.iter().map(OsString::from));
        Ok(a)
    };
    Daemon::spawn(&program, dir, &args)
}

/// Options for [`nginx`].
#[derive(Clone, Debug, Default)]
pub struct NginxOpts {
    /// Certificates the server holds, each (chain PEM, leaf first; key
    /// PEM): nginx picks one per handshake by what the client accepts.
    pub certs: Vec<(Vec<u8>, Vec<u8>)>,
    /// Files served under `/` (name, content).
    pub files: Vec<(String, Vec<u8>)>,
}

/// `nginx` as a child process (`daemon off`, one worker), its prefix,
/// configuration, logs and temporary paths in its own directory, serving
/// [`NginxOpts::files`] over TLS 1.3 only on 127.0.0.1. Started as root,
/// the worker that runs TLS and HTTP drops to `nobody`.
pub fn nginx(opts: &NginxOpts) -> io::Result<Daemon> {
    use std::os::unix::fs::PermissionsExt;
    let program = find_program("nginx", "nginx")?;
    let dir = tempfile::tempdir()?;
    let p = dir.path().to_path_buf();
    // The worker may run as nobody: the directories it reads must be open.
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))?;
    let www = p.join("www");
    std::fs::create_dir(&www)?;
    for (name, body) in &opts.files {
        let name = name.trim_start_matches('/');
        if name.is_empty() || name.contains('/') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad file name {name:?}"),
            ));
        }
        write_file(&www, name, body, false)?;
    }
    let mut certs = String::new();
    for (i, (chain, key)) in opts.certs.iter().enumerate() {
        let c = write_file(&p, &format!("cert{i}.pem"), chain, false)?;
        let k = write_file(&p, &format!("key{i}.pem"), key, true)?;
        certs.push_str(&format!(
            "        ssl_certificate {};\n        ssl_certificate_key {};\n",
            c.display(),
            k.display()
        ));
    }
    let user = if is_root() {
        "user nobody nogroup;\n"
    } else {
        ""
    };
    let args = move |dir: &Path, port: u16| -> io::Result<Vec<OsString>> {
        let d = dir.display();
        let conf = format!(
            "daemon off;\n\
             {user}\
             worker_processes 1;\n\
             pid {d}/nginx.pid;\n\
             error_log stderr notice;\n\
             events {{ worker_connections 16; }}\n\
             http {{\n\
             \x20   access_log off;\n\
             \x20   client_body_temp_path {d}/tmp-body;\n\
             \x20   proxy_temp_path {d}/tmp-proxy;\n\
             \x20   fastcgi_temp_path {d}/tmp-fastcgi;\n\
             \x20   uwsgi_temp_path {d}/tmp-uwsgi;\n\
             \x20   scgi_temp_path {d}/tmp-scgi;\n\
             \x20   default_type application/octet-stream;\n\
             \x20   server {{\n\
             \x20       listen 127.0.0.1:{port} ssl;\n\
             \x20       server_name server.test;\n\
             \x20       ssl_protocols TLSv1.3;\n\
             {certs}\
             \x20       root {d}/www;\n\
             \x20   }}\n\
             }}\n"
        );
        let conf_path = write_file(dir, "nginx.conf", conf.as_bytes(), false)?;
        let mut a: Vec<OsString> = vec!["-e".into(), "stderr".into(), "-p".into()];
        a.push(dir.as_os_str().to_owned());
        a.push("-c".into());
        a.push(conf_path.into_os_string());
        Ok(a)
    };
    Daemon::spawn(&program, dir, &args)
}

/// `mosquitto` (MQTT broker) as a child process with one TLS 1.3 listener
/// on 127.0.0.1, anonymous clients allowed, no persistence, logging to
/// stderr. Started as root it drops to its own `mosquitto` user after
/// loading the certificate.
pub fn mosquitto(chain_pem: &[u8], key_pem: &[u8]) -> io::Result<Daemon> {
    let program = find_program("mosquitto", "mosquitto")?;
    let dir = tempfile::tempdir()?;
    let cert = write_file(dir.path(), "chain.pem", chain_pem, false)?;
    let key = write_file(dir.path(), "key.pem", key_pem, true)?;
    // As root, mosquitto switches to its user before it reads the
    // certificate and key: that user owns them.
    let mut user = String::new();
    if is_root() {
        let name = ["mosquitto", "nobody"]
            .into_iter()
            .find_map(|n| user_ids(n).map(|ids| (n, ids)));
        if let Some((name, (uid, gid))) = name {
            for p in [dir.path(), &cert, &key] {
                std::os::unix::fs::chown(p, Some(uid), Some(gid))?;
            }
            user = format!("user {name}\n");
        }
    }
    let args = move |dir: &Path, port: u16| -> io::Result<Vec<OsString>> {
        let conf = format!(
            "{user}\
             per_listener_settings false\n\
             allow_anonymous true\n\
             persistence false\n\
             log_dest stderr\n\
             log_type error\n\
             log_type warning\n\
             log_type notice\n\
             log_type information\n\
             listener {port} 127.0.0.1\n\
             certfile {}\n\
             keyfile {}\n\
             tls_version tlsv1.3\n",
            cert.display(),
            key.display()
        );
        let conf_path = write_file(dir, "mosquitto.conf", conf.as_bytes(), false)?;
        Ok(vec!["-c".into(), conf_path.into_os_string()])
    };
    Daemon::spawn(&program, dir, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_names_its_package() {
        let e = find_program("modemtls-no-such-server", "modemtls-pkg").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(
            e.to_string().contains("apt-get install -y modemtls-pkg"),
            "{e}"
        );
        assert!(find_program("sh", "dash").is_ok());
    }
}
