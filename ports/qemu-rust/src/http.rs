//! The scenarios' HTTP/1.0 GET, generic over the stream, so that the
//! baseline image (no library) runs the same code over the bare UART and
//! the footprint's library share does not count the application's HTTP
//! client.

use crate::log::Steps;
use crate::Failure;
use embedded_io::{Read, Write};

/// How an I/O error of the stream fails a step (`what`: the step).
pub trait StepError {
    /// The failure to report.
    fn failure(self, what: &'static str) -> Failure;
}

/// Send `GET <path>` and read the whole response; returns (bytes, status
/// code) after checking the status line is HTTP/1.x.
pub fn http_get<S: Read + Write>(
    s: &mut S,
    host: &str,
    path: &str,
    steps: &mut Steps,
) -> Result<(usize, u16), Failure>
where
    S::Error: StepError,
{
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
        .map_err(|e| e.failure("write"))?;
    // The host path sends buffered records on flush; offload sends at once.
    s.flush().map_err(|e| e.failure("flush"))?;
    steps.step("request sent");

    // Keep only the status line; count the rest.
    let mut status: heapless::Vec<u8, 64> = heapless::Vec::new();
    let mut in_status = true;
    let mut total = 0usize;
    let mut buf = [0u8; 256];
    loop {
        let n = s.read(&mut buf).map_err(|e| e.failure("read"))?;
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
    // Byte-level, like the parameter parsing (no `from_utf8`, `str::split`
    // or `str::parse` in the image for the harness's sake).
    let line: &[u8] = if crate::semi::is_utf8(&status) {
        &status
    } else {
        &[]
    };
    steps.step("response read");
    crate::log::text("      ");
    crate::log::dec(total as u32);
    crate::log::text(" bytes, status line: ");
    // SAFETY: checked to be UTF-8 above.
    crate::log::text(unsafe { core::str::from_utf8_unchecked(line) });
    crate::log::text("\n");
    // "HTTP/1.0 200 ok": the protocol up to the first space, the code up to
    // the next one.
    let word = |s: &'_ [u8]| -> usize { s.iter().position(|&b| b == b' ').unwrap_or(s.len()) };
    let proto = line.get(..word(line)).unwrap_or(&[]);
    let code = line.get(proto.len() + 1..).and_then(|rest| {
        let c = rest.get(..word(rest)).unwrap_or(&[]);
        crate::semi::parse_u16(c)
    });
    match code {
        Some(code) if proto.starts_with(b"HTTP/1.") => Ok((total, code)),
        _ => Err(Failure::Unexpected("no HTTP/1.x status line")),
    }
}
