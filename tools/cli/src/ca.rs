//! `modemtls ca upload|list|delete`: CA certificates in the modem.

use crate::{Fail, Global};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modemtls::modem::{FirmwareTls, Modem};
use modemtls::pem::{decode_pem_body, pem_decoded_len, write_pem};
use modemtls::session::Credential;
use std::io::IsTerminal;
use std::path::PathBuf;

/// `ca` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Store a CA certificate (PEM or DER; converted to what the firmware
    /// parses) in the modem.
    Upload {
        /// The certificate file.
        file: PathBuf,
        /// The name in the modem (the extension `.pem` marks a CA for every
        /// family: Sierra HL keeps it in its CA slot).
        #[arg(long, default_value = "ca.pem")]
        name: String,
    },
    /// List the modem's certificate files (not supported yet).
    List,
    /// Delete a certificate file (not supported yet).
    Delete {
        /// The name in the modem.
        name: String,
    },
}

/// Bytes per piece handed to the driver (the progress bar's step).
const PIECE: usize = 256;

/// The bytes to store for a firmware that parses `pem`/`der`.
fn convert(file: &[u8], pem: bool, der: bool) -> Result<(Vec<u8>, &'static str), String> {
    match Credential::detect(file) {
        Credential::Pem(t) if pem => Ok((t.to_vec(), "PEM as is")),
        Credential::Der(d) if der => Ok((d.to_vec(), "DER as is")),
        Credential::Der(d) if pem => {
            let mut out = Vec::new();
            write_pem::<()>(d, "CERTIFICATE", &mut |b| {
                out.extend_from_slice(b);
                Ok(())
            })
            .map_err(|()| "PEM conversion failed")?;
            Ok((out, "DER converted to PEM"))
        }
        Credential::Pem(t) if der => {
            let (_, body) =
                pem_decoded_len(t).ok_or("the PEM file has no valid certificate block")?;
            let mut out = Vec::new();
            decode_pem_body::<()>(body, &mut |b| {
                out.extend_from_slice(b);
                Ok(())
            })
            .map_err(|()| "PEM decoding failed")?;
            Ok((out, "PEM converted to DER"))
        }
        _ => Err("the firmware parses neither PEM nor DER".into()),
    }
}

pub fn run(g: &Global, cmd: &Cmd) -> Result<(), Fail> {
    match cmd {
        Cmd::Upload { file, name } => upload(g, file, name),
        Cmd::List => Err(Fail::unsupported(
            "ca list is not supported: the library's driver traits (FirmwareTls) store and forget credentials but cannot list the modem's files; use `modemtls at` with the family's command (Quectel AT+QFLST, Sierra AT+KCERTSTORE?)",
        )),
        Cmd::Delete { name } => Err(Fail::unsupported(format!(
            "ca delete {name} is not supported: the library's driver traits (FirmwareTls) have no file deletion; use `modemtls at` with the family's command (Quectel AT+QFDEL, Sierra AT+KCERTDELETE)"
        ))),
    }
}

fn upload(g: &Global, file: &std::path::Path, name: &str) -> Result<(), Fail> {
    let bytes = std::fs::read(file).map_err(|e| Fail {
        code: 2,
        msg: format!("cannot read {}: {e}", file.display()),
    })?;
    let (mut modem, _) = g.modem()?;
    let caps = *modem.capabilities();
    let (data, how) = convert(&bytes, caps.ca_formats.pem, caps.ca_formats.der)
        .map_err(|e| Fail::op(format!("{}: {e}", file.display())))?;
    if data.len() > caps.max_cert_len {
        return Err(Fail::op(format!(
            "{}: {} bytes to store, the firmware takes at most {}",
            file.display(),
            data.len(),
            caps.max_cert_len
        )));
    }
    let pb = if std::io::stderr().is_terminal() && !g.json {
        let pb =
            ProgressBar::with_draw_target(Some(data.len() as u64), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
                .map_err(|e| Fail::op(format!("progress bar: {e}")))?
                .progress_chars("=> "),
        );
        pb.set_message(format!("uploading {name}"));
        pb
    } else {
        ProgressBar::hidden()
    };
    let start = std::time::Instant::now();
    let r = modem.store_credential(name, data.len(), &mut |w| {
        for piece in data.chunks(PIECE) {
            w(piece)?;
            pb.inc(piece.len() as u64);
        }
        Ok(())
    });
    match r {
        Ok(_) => {
            pb.finish_with_message(format!("uploaded {name}"));
            let secs = start.elapsed().as_secs_f64();
            if g.json {
                println!(
                    "{:#}",
                    serde_json::json!({
                        "schema": "modemtls-cli/ca-upload/1",
                        "name": name,
                        "bytes": data.len(),
                        "conversion": how,
                        "seconds": secs,
                    })
                );
            } else {
                println!(
                    "stored {} as {name:?} in the {} ({} bytes, {how}, checked by the modem) in {secs:.2} s",
                    file.display(),
                    modem.identity().model,
                    data.len()
                );
            }
            Ok(())
        }
        Err(e) => {
            pb.abandon_with_message(format!("upload of {name} FAILED"));
            Err(Fail::op(format!("storing {name}: {e}")))
        }
    }
}
