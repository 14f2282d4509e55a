//! An HTTPS GET with `reqwless`'s request and response types over a
//! modemtls session on the async API (`modemtls::asynch`), as an Embassy
//! firmware runs it.
//!
//! The async session is an `embedded_io_async::Read + Write` byte stream,
//! whichever path `Mode::Auto` took (the modem's TLS or TLS 1.3 on the
//! MCU). The TLS is modemtls's, so `reqwless` runs without its own
//! (`default-features = false`): the already-open session goes into an
//! `HttpConnection::Plain`, whose `send` writes the request
//! (`Request::get(path).host(host)`) and reads the response head with
//! `Response::read`; the body is read into the same caller-given buffer
//! (`Content-Length`, chunked, or up to the server's close). Then the
//! session is closed with `close().await` (an async session is closed,
//! not dropped). No heap in the HTTP code.
//!
//! ```text
//! cargo run --example https_get_async                    # simulated BG96, local HTTPS server
//! cargo run --example https_get_async -- --sim-profile m95
//! cargo run --example https_get_async -- --modem tcp://127.0.0.1:5555 \
//!     --url https://api.example:443/status --ca ca.pem
//! ```
//!
//! Without `--url`, an HTTPS server with a test certificate is started in
//! this process and the body must be the one it serves. Without
//! `--modem`, the modem simulator runs in this process with the firmware
//! profile `--sim-profile` (default `bg96`). The executor is a minimal
//! one (`examples/common/asynch.rs`); the port returns to it before every
//! UART transfer. Exits non-zero on any failure, on a status other than
//! 2xx and on a wrong body. The blocking twin is `examples/https_get.rs`.

mod common;

use common::buffered::Buffered;
use embedded_io_async::{Read, Write};
use modemtls::error::Error;
use reqwless::client::HttpConnection;
use reqwless::request::{Request, RequestBuilder};
use std::process::ExitCode;

/// The write buffer that turns `reqwless`'s small writes (one per header
/// part) into one send.
const TX_BUF: usize = 512;

/// A response whose body is in the caller's buffer.
#[derive(Debug)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: &'a [u8],
}

/// What can go wrong in the HTTP exchange.
#[derive(Debug)]
pub enum HttpError {
    /// The TLS session failed.
    Session(Error),
    /// `reqwless` refused the response (`BufferTooSmall`: the head or the
    /// body does not fit the buffer; `ConnectionAborted`: the server
    /// closed before the end; `Codec`: the response does not parse).
    Http(reqwless::Error),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Session(e) => write!(f, "TLS session: {e} ({})", e.cause()),
            HttpError::Http(e) => write!(f, "HTTP: {e}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<reqwless::Error> for HttpError {
    fn from(e: reqwless::Error) -> Self {
        HttpError::Http(e)
    }
}

/// `GET path` on `host`; the response head, then its body, go into `buf`.
/// The session stays open: the caller closes it.
pub async fn get<'a, S: Read<Error = Error> + Write<Error = Error>>(
    s: &mut S,
    host: &str,
    path: &str,
    buf: &'a mut [u8],
) -> Result<Response<'a>, HttpError> {
    let mut tx = [0u8; TX_BUF];
    let mut net = Buffered::new(s, &mut tx);
    let r = exchange(&mut net, host, path, buf).await;
    // A transport error reaches us as an `ErrorKind`; the session's own
    // error names the cause.
    match (r, net.error()) {
        (Err(HttpError::Http(_)), Some(e)) => Err(HttpError::Session(e)),
        (r, _) => r,
    }
}

async fn exchange<'a, S: Read<Error = Error> + Write<Error = Error>>(
    net: &mut Buffered<'_, S>,
    host: &str,
    path: &str,
    buf: &'a mut [u8],
) -> Result<Response<'a>, HttpError> {
    let request = Request::get(path)
        .host(host)
        .headers(&[("User-Agent", "modemtls-example"), ("Connection", "close")])
        .build();
    let mut conn = HttpConnection::Plain(net);
    println!("GET {path} (Host: {host})");
    let response = conn.send(request, buf).await?;
    let status = response.status.0;
    println!("HTTP status {status}");
    // The head's header slots, the unused ones with an empty name.
    for (name, value) in response.headers().filter(|(n, _)| !n.is_empty()) {
        println!("  {name}: {}", String::from_utf8_lossy(value));
    }
    let framing = match (
        response.content_length,
        response.transfer_encoding.is_empty(),
    ) {
        (Some(_), _) => "Content-Length",
        (None, false) => "Transfer-Encoding",
        (None, true) => "read to close",
    };
    let body = response.body().read_to_end().await?;
    println!("body: {} bytes ({framing})", body.len());
    Ok(Response {
        status,
        body: &*body,
    })
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
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
    let mut device =
        common::open_device_async(common::arg("--modem").as_deref(), &profile, &host).await?;
    let mut mem = common::HostMemory::new();
    let mut session =
        common::connect_async(&mut device.modem, &mut mem, &host, port, &ca_pem).await?;

    let mut buf = [0u8; 4096];
    let response = get(&mut session, &host, &path, &mut buf)
        .await
        .map(|r| (r.status, r.body.to_vec()));
    // Closed whatever HTTP did: an async session is not closed by a drop.
    let closed = session.close().await;
    let (status, body) = response?;
    closed?;
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
    match common::asynch::block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("https_get_async failed: {e}");
            ExitCode::FAILURE
        }
    }
}
