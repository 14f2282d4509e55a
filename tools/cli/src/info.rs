//! `modemtls info`: identity, capability table, network state, time.

use crate::{family_code, suites, Fail, Global};
use modemtls::modem::Modem;
use serde_json::json;

/// `YYYY-MM-DD hh:mm:ss UTC` of a Unix time.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (proleptic Gregorian; H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn run(g: &Global) -> Result<(), Fail> {
    let (mut modem, _) = g.modem()?;
    let id = modem.identity().clone();
    let caps = *modem.capabilities();
    let family = modem.family();
    let attach = g.attach(&mut modem);
    let time = modem.network_time();

    if g.json {
        let doc = json!({
            "schema": "modemtls-cli/info/1",
            "family": family_code(family),
            "manufacturer": id.manufacturer.as_str(),
            "model": id.model.as_str(),
            "revision": id.revision.as_str(),
            "firmware": id.firmware.as_str(),
            "capabilities": {
                "tls_min": caps.min_tls.text(),
                "tls_max": caps.max_tls.text(),
                "cipher_suites": caps.cipher_suites.iter().map(|&c| json!({
                    "code": format!("0x{c:04X}"),
                    "name": suites::label(c),
                })).collect::<Vec<_>>(),
                "sni": caps.sni,
                "hostname_check": caps.hostname_check,
                "validity_check": caps.validity_check,
                "ca_formats": {"pem": caps.ca_formats.pem, "der": caps.ca_formats.der},
                "max_cert_len": caps.max_cert_len,
                "client_cert": caps.client_cert,
                "sockets": caps.sockets,
                "ssl_contexts": caps.ssl_contexts,
                "send_chunk": caps.send_chunk,
                "read_chunk": caps.read_chunk,
            },
            "network": {
                "apn": g.apn,
                "attach": match &attach {
                    Ok(ip) => json!({"ok": true, "local_address": ip}),
                    Err(f) => json!({"ok": false, "error": f.msg}),
                },
                "time": match time {
                    Ok(t) => json!({"ok": true, "unix": t, "utc": utc(t)}),
                    Err(e) => json!({"ok": false, "error": e.cause()}),
                },
            },
        });
        println!("{doc:#}");
        return Ok(());
    }

    let yes = |b: bool| if b { "yes" } else { "no" };
    println!("modem      {} {}", id.manufacturer, id.model);
    println!("firmware   {} (revision {})", id.firmware, id.revision);
    println!("family     {} (driver {family:?})", family_code(family));
    println!("\nfirmware TLS (capability table)");
    println!("  TLS versions     {} to {}", caps.min_tls, caps.max_tls);
    println!("  cipher suites    {}", caps.cipher_suites.len());
    for &c in caps.cipher_suites {
        println!("    0x{c:04X}  {}", suites::label(c));
    }
    println!("  SNI              {}", yes(caps.sni));
    println!("  host name check  {}", yes(caps.hostname_check));
    println!("  validity dates   {}", yes(caps.validity_check));
    println!(
        "  CA formats       {}",
        match (caps.ca_formats.pem, caps.ca_formats.der) {
            (true, true) => "PEM, DER",
            (true, false) => "PEM",
            (false, true) => "DER",
            (false, false) => "none",
        }
    );
    println!("  certificate max  {} bytes", caps.max_cert_len);
    println!("  client cert      {}", yes(caps.client_cert));
    println!(
        "  sockets          {} ({} SSL contexts), {} bytes per send, {} per read",
        caps.sockets, caps.ssl_contexts, caps.send_chunk, caps.read_chunk
    );
    if !caps.verifies_fully() {
        println!("  note             the firmware does not check the host name and the dates: offloaded sessions need accept_chain_only, Mode::Auto takes the host path");
    }
    println!("\nnetwork");
    match &attach {
        Ok(ip) => println!(
            "  packet data      active (APN {:?}), local address {ip}",
            g.apn
        ),
        Err(f) => println!("  packet data      FAILED: {}", f.msg),
    }
    match time {
        Ok(t) => println!("  network time     {} (unix {t})", utc(t)),
        Err(e) => println!("  network time     not available: {}", e.cause()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(super::utc(1_790_000_000), "2026-09-21 14:13:20 UTC");
    }
}
