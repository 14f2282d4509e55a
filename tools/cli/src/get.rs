//! `modemtls get https://HOST[:PORT]/PATH`: an HTTPS GET through the
//! library, the path taken and why on stderr, the body on stdout.

use crate::{read_ca, suites, Fail, Global};
use embedded_io::{Read, Write};
use modemtls::auto::{self, PathCache, Step};
use modemtls::error::Error;
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::offload;
use modemtls::session::{Credential, Mode, SessionConfig};
use std::io::Write as _;
use std::path::PathBuf;

/// `--mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CliMode {
    /// Let the library choose (offload when the firmware can, else host).
    Auto,
    /// The modem's own TLS.
    Offload,
    /// TLS 1.3 on this machine over the modem's raw socket.
    Host,
}

/// `get` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `https://HOST[:PORT]/PATH`.
    url: String,
    /// The CA that signs the server's chain (PEM or DER).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Which TLS path.
    #[arg(long, value_enum, default_value_t = CliMode::Auto)]
    mode: CliMode,
    /// Accept an offloaded session whose firmware checks the chain but not
    /// the host name (safe only with a private CA that signs nothing but
    /// your servers).
    #[arg(long)]
    accept_chain_only: bool,
}

/// `https://host[:port]/path` -> (host, port, path).
pub fn parse_url(url: &str) -> Result<(String, u16, String), Fail> {
    let bad = |why: &str| Fail {
        code: 2,
        msg: format!("{url:?}: {why} (expected https://HOST[:PORT]/PATH)"),
    };
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| bad("not an https:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("bad port"))?,
        ),
        None => (authority, 443),
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok((host.to_string(), port, path.to_string()))
}

/// The body of an HTTP/1.1 response (`Content-Length`, chunked, or to
/// the end), and its status line.
pub fn split_response(raw: &[u8]) -> Result<(String, Vec<u8>), String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the response has no complete HTTP header")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let body = &raw[end + 4..];
    let status = head.lines().next().unwrap_or("").to_string();
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if !chunked {
        return Ok((status, body.to_vec()));
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunked body")?;
        let size_text = String::from_utf8_lossy(&rest[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok((status, out));
        }
        let chunk = rest.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(chunk);
        rest = rest.get(size + 2..).ok_or("truncated chunk")?;
    }
}

pub fn run(g: &Global, args: &Args) -> Result<(), Fail> {
    let (host, port, path) = parse_url(&args.url)?;
    let ca = read_ca(args.ca.as_deref())?;
    let (mut modem, _) = g.modem()?;
    let local = g.attach(&mut modem)?;
    {
        let id = modemtls::modem::Modem::identity(&modem);
        eprintln!(
            "* modem {} {} (firmware {}), local address {local}",
            id.manufacturer, id.model, id.firmware
        );
    }
    let mut cfg = SessionConfig::new(&host, port).mode(match args.mode {
        CliMode::Auto => Mode::Auto,
        CliMode::Offload => Mode::Offload,
        CliMode::Host => Mode::Host,
    });
    if let Some(c) = ca.as_deref() {
        cfg = cfg.trust(Credential::detect(c));
    }
    cfg.accept_chain_only = args.accept_chain_only;
    let (mut read, mut write, mut scratch) =
        (vec![0u8; MIN_READ_BUF], vec![0u8; 4096], vec![0u8; 8192]);
    let mut state = modemtls::tls::ClientState::new();
    let mut cache: PathCache<4> = PathCache::new();
    let mut s = auto::connect_observed(
        &mut modem,
        &cfg,
        &mut rand_core::OsRng,
        HostBuffers {
            read: &mut read,
            write: &mut write,
            scratch: &mut scratch,
            state: &mut state,
            ticket: None,
        },
        Some(&mut cache),
        &mut |step| match step {
            Step::Planned(p) => eprintln!("* plan: {} first ({})", p.path.code(), p.reason.code()),
            Step::OffloadStarting => eprintln!("* offload: the modem's TLS"),
            Step::OffloadFailed { error, fallback } => {
                eprintln!("* offload failed: {error}");
                if let Error::Tls(t) = error {
                    if let Some(d) = t.diagnosis {
                        eprintln!("*   evidence: {}", offload::describe(&d));
                    }
                }
                match fallback {
                    Some(r) => {
                        eprintln!("*   a capability failure: trying host TLS ({})", r.code())
                    }
                    None => eprintln!("*   not a capability failure: no other path is tried"),
                }
            }
            Step::HostStarting => {
                eprintln!("* host: TLS 1.3 on this machine over the modem's raw socket")
            }
            Step::Remembered(r) => eprintln!("* remembered for this host: {}", r.code()),
        },
    )
    .map_err(|e| Fail::op(format!("{host}:{port}: {e}")))?;
    let info = s.info();
    eprintln!(
        "* path {} ({}), {}{}{}",
        info.path.code(),
        info.reason.code(),
        info.tls_version
            .map_or("TLS ?".into(), |v| v.text().to_string()),
        info.cipher_suite
            .map_or(String::new(), |c| format!(" {}", suites::label(c))),
        if !info.verified {
            ", NOT verified"
        } else if info.hostname_checked {
            ", verified (chain and host name)"
        } else {
            ", chain verified, host name NOT checked (accept_chain_only)"
        }
    );
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: modemtls-cli\r\nConnection: close\r\n\r\n"
    );
    let io = |e: Error| Fail::op(format!("{host}:{port}: {e}"));
    s.write_all(req.as_bytes()).map_err(io)?;
    s.flush().map_err(io)?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // The server closed without close_notify after a complete answer.
            Err(Error::Closed) if !raw.is_empty() => break,
            Err(e) => return Err(io(e)),
        }
    }
    let _ = s.close();
    let (status, body) =
        split_response(&raw).map_err(|e| Fail::op(format!("{host}:{port}: {e}")))?;
    eprintln!("* {status}");
    let mut out = std::io::stdout();
    out.write_all(&body)
        .and_then(|()| out.flush())
        .map_err(|e| Fail::op(format!("stdout: {e}")))?;
    if status.split(' ').nth(1).is_some_and(|c| c.starts_with('2')) {
        Ok(())
    } else {
        Err(Fail::op(format!("the server answered {status}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let (h, p, path) = parse_url("https://a.example:4433/x/y?z")
            .ok()
            .unwrap_or_default();
        assert_eq!(
            (h.as_str(), p, path.as_str()),
            ("a.example", 4433, "/x/y?z")
        );
        let (h, p, path) = parse_url("https://a.example").ok().unwrap_or_default();
        assert_eq!((h.as_str(), p, path.as_str()), ("a.example", 443, "/"));
        assert!(parse_url("http://a.example/").is_err());
        assert!(parse_url("https://a.example:0/").is_err());
        assert!(parse_url("https://:1/").is_err());
    }

    #[test]
    fn bodies() {
        let r = split_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        assert_eq!(r, Ok(("HTTP/1.1 200 OK".into(), b"hi".to_vec())));
        let r = split_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
        );
        assert_eq!(r, Ok(("HTTP/1.1 200 OK".into(), b"abcde".to_vec())));
        assert!(split_response(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(
            split_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
    }
}
