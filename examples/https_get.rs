//! An HTTP/1.1 GET over a modemtls session, the response parsed with
//! `httparse` (no_std, no heap) in one caller-given buffer.
//!
//! The session is an `embedded_io::Read + Write` byte stream, whichever
//! path it took (the modem's TLS or TLS 1.3 on the MCU), so the HTTP code
//! below is what firmware runs: send the request, read until the head is
//! complete, then the body: `Content-Length` bytes, or up to the server's
//! close when there is no length. Chunked bodies are refused.
//!
//! ```text
//! cargo run --example https_get                          # simulated BG96, local HTTPS server
//! cargo run --example https_get -- --sim-profile m95
//! cargo run --example https_get -- --modem tcp://127.0.0.1:5555 \
//!     --url https://api.example:443/status --ca ca.pem
//! ```
//!
//! Without `--url`, an HTTPS server with a test certificate is started in
//! this process and the body must be the one it serves. Without
//! `--modem`, the modem simulator runs in this process with the firmware
//! profile `--sim-profile` (default `bg96`). Exits non-zero on any
//! failure, on a status other than 2xx and on a wrong body.

mod common;

use embedded_io::{Read, Write};
use modemtls::error::Error;
use std::process::ExitCode;

/// A response whose head and body are in the caller's buffer.
#[derive(Debug)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The body (without the head).
    pub body: &'a [u8],
}

/// What can go wrong in the HTTP exchange.
#[derive(Debug)]
pub enum HttpError {
    /// The TLS session failed.
    Session(Error),
    /// The head does not parse.
    Parse(httparse::Error),
    /// The server closed before the head, or before `Content-Length` bytes.
    Truncated,
    /// The response does not fit the buffer.
    TooLarge,
    /// `Transfer-Encoding: chunked` (not handled by this example), or a
    /// `Content-Length` that is not a number.
    Unsupported(&'static str),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Session(e) => write!(f, "TLS session: {e}"),
            HttpError::Parse(e) => write!(f, "HTTP response head: {e}"),
            HttpError::Truncated => write!(f, "the server closed in the middle of the response"),
            HttpError::TooLarge => write!(f, "the response does not fit the buffer"),
            HttpError::Unsupported(what) => write!(f, "not handled: {what}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<Error> for HttpError {
    fn from(e: Error) -> Self {
        HttpError::Session(e)
    }
}

/// Read more bytes into `buf[*filled..]`; `Ok(false)` at the server's close.
fn fill<S: Read<Error = Error>>(
    s: &mut S,
    buf: &mut [u8],
    filled: &mut usize,
) -> Result<bool, HttpError> {
    let room = buf.get_mut(*filled..).filter(|r| !r.is_empty());
    let n = s.read(room.ok_or(HttpError::TooLarge)?)?;
    *filled += n;
    Ok(n > 0)
}

/// `GET path` on `host`; the whole response goes into `buf`.
pub fn get<'a, S: Read<Error = Error> + Write<Error = Error>>(
    s: &mut S,
    host: &str,
    path: &str,
    buf: &'a mut [u8],
) -> Result<Response<'a>, HttpError> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: modemtls-example\r\nConnection: close\r\n\r\n"
    );
    s.write_all(request.as_bytes())?;
    s.flush()?;
    println!("GET {path} (Host: {host})");

    // The head: read until httparse sees all of it.
    let mut filled = 0;
    let (status, head_len, content_length) = loop {
        if !fill(s, buf, &mut filled)? {
            return Err(HttpError::Truncated);
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut head = httparse::Response::new(&mut headers);
        let head_len = match head.parse(&buf[..filled]).map_err(HttpError::Parse)? {
            httparse::Status::Complete(n) => n,
            httparse::Status::Partial => continue,
        };
        let status = head.code.unwrap_or(0);
        println!(
            "HTTP/1.{} {status} {}",
            head.version.unwrap_or(1),
            head.reason.unwrap_or("")
        );
        let mut content_length = None;
        for h in head.headers.iter() {
            println!("  {}: {}", h.name, String::from_utf8_lossy(h.value));
            if h.name.eq_ignore_ascii_case("content-length") {
                let v = std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok());
                content_length = Some(v.ok_or(HttpError::Unsupported("a bad Content-Length"))?);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(HttpError::Unsupported("Transfer-Encoding"));
            }
        }
        break (status, head_len, content_length);
    };

    // The body: Content-Length bytes, or everything up to the close.
    let end = match content_length {
        Some(n) => {
            let end = head_len.checked_add(n).ok_or(HttpError::TooLarge)?;
            if end > buf.len() {
                return Err(HttpError::TooLarge);
            }
            while filled < end {
                if !fill(s, buf, &mut filled)? {
                    return Err(HttpError::Truncated);
                }
            }
            end
        }
        None => {
            while fill(s, buf, &mut filled)? {}
            filled
        }
    };
    let body = &buf[head_len..end];
    println!(
        "body: {} bytes ({})",
        body.len(),
        if content_length.is_some() {
            "Content-Length"
        } else {
            "read to close"
        }
    );
    Ok(Response { status, body })
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let profile = common::arg("--sim-profile").unwrap_or_else(|| "bg96".into());
    // The server: given, or one here with a test certificate and a known body.
    let (_local, host, port, path, ca_pem, expected) = match common::arg("--url") {
        Some(url) => {
            let (host, port, path) = common::parse_url(&url)?;
            let ca = common::arg("--ca").ok_or("--url needs --ca CA.pem")?;
            (None, host, port, path, std::fs::read(ca)?, None)
        }
        None => {
            use modemtls_testkit::{server_creds, Behaviour, KeyKind, ServerOpts, TlsServer};
            let body = b"{\"temperature\": 21.5}\n".to_vec();
            let creds = server_creds(common::LOCAL_SERVER, KeyKind::P256);
            let server = TlsServer::spawn(ServerOpts {
                behaviour: Behaviour::Http { body: body.clone() },
                ..ServerOpts::from_creds(&creds)
            })?;
            println!("HTTPS server on 127.0.0.1:{}", server.port());
            let port = server.port();
            let host = common::LOCAL_SERVER.to_string();
            (
                Some(server),
                host,
                port,
                "/sensor".into(),
                creds.ca_pem,
                Some(body),
            )
        }
    };
    let mut device = common::open_device(common::arg("--modem").as_deref(), &profile, &host)?;
    let mut mem = common::HostMemory::new();
    let mut session = common::connect(&mut device.modem, &mut mem, &host, port, &ca_pem)?;

    let mut buf = [0u8; 4096];
    let response = get(&mut session, &host, &path, &mut buf)?;
    let (status, body) = (response.status, response.body.to_vec());
    session.close()?;
    if !(200..300).contains(&status) {
        return Err(format!("status {status}").into());
    }
    if expected.is_some_and(|e| e != body) {
        return Err("the body is not the one the server serves".into());
    }
    println!("ok: {}", String::from_utf8_lossy(&body).trim_end());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("https_get failed: {e}");
            ExitCode::FAILURE
        }
    }
}
