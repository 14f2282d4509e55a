//! The scenarios' HTTP/1.0 GET over an async session
//! (`embedded_io_async`): ports/qemu-rust's `http.rs`, awaited.

use crate::log::{dec, text, Steps};
use crate::Failure;
use embedded_io_async::{Read, Write};
use modemtls::Error;

/// Send `GET <path>` and read the whole response; returns (bytes, status
/// code) after checking the status line is HTTP/1.x.
pub async fn http_get<S: Read + Write<Error = Error>>(
    s: &mut S,
    host: &str,
    path: &str,
    steps: &mut Steps,
) -> Result<(usize, u16), Failure> {
    let mut req: heapless::String<320> = heapless::String::new();
    for part in [
        "GET ",
        path,
        " HTTP/1.0\r\nHost: ",
        host,
        "\r\nConnection: close\r\n\r\n",
    ] {
        req.push_str(part)
            .map_err(|_| Failure::Unexpected("request too long"))?;
    }
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| Failure::Lib("write", e))?;
    // The host path sends buffered records on flush; offload sends at once.
    s.flush().await.map_err(|e| Failure::Lib("flush", e))?;
    steps.step("request sent");

    // Keep only the status line; count the rest.
    let mut status: heapless::Vec<u8, 64> = heapless::Vec::new();
    let mut in_status = true;
    let mut total = 0usize;
    let mut buf = [0u8; 256];
    loop {
        let n = s
            .read(&mut buf)
            .await
            .map_err(|e| Failure::Lib("read", e))?;
        if n == 0 {
            break;
        }
        total += n;
        for &b in buf.get(..n).unwrap_or(&[]) {
            if !in_status {
                break;
            }
            if b == b'\r' || b == b'\n' || status.push(b).is_err() {
                in_status = false;
            }
        }
        if total > 1 << 20 {
            return Err(Failure::Unexpected("response longer than 1 MiB"));
        }
    }
    let line = core::str::from_utf8(&status).unwrap_or("");
    steps.step("response read");
    text("      ");
    dec(total as u32);
    text(" bytes, status line: ");
    text(line);
    text("\n");
    // "HTTP/1.0 200 ok": the protocol, then the code.
    let mut words = line.split(' ');
    let proto = words.next().unwrap_or("");
    let code = words
        .next()
        .and_then(|c| crate::semi::parse_u16(c.as_bytes()));
    match code {
        Some(code) if proto.starts_with("HTTP/1.") => Ok((total, code)),
        _ => Err(Failure::Unexpected("no HTTP/1.x status line")),
    }
}
