//! `modemtls ca upload|list|delete`: CA certificates in the modem.

use crate::{Fail, Global};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modemtls::modem::{FirmwareTls, Modem, ModemError};
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
    /// List the credentials stored in the modem: name, size, kind (a
    /// Sierra HL names its slots `root_cert,0`, ...; the BC66 cannot list).
    List,
    /// Delete a credential from the modem.
    Delete {
        /// The name `ca list` shows (or the name it was uploaded under).
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
        Cmd::List => list(g),
        Cmd::Delete { name } => delete(g, name),
    }
}

/// A driver's failure to list or delete: not supported (exit code 4) when
/// the family cannot, else the operation failed (1); the library's cause.
fn store_failure(what: &str, e: ModemError) -> Fail {
    let msg = format!("{what}: {e}");
    if e == ModemError::CredentialStoreUnsupported {
        Fail::unsupported(msg)
    } else {
        Fail::op(msg)
    }
}

fn list(g: &Global) -> Result<(), Fail> {
    let (mut modem, _) = g.modem()?;
    let mut entries: Vec<(String, Option<u32>, &'static str)> = Vec::new();
    modem
        .list_credentials(&mut |e| entries.push((e.name.to_string(), e.size, e.kind.as_str())))
        .map_err(|e| store_failure("listing the modem's credentials", e))?;
    let model = modem.identity().model.as_str().to_string();
    if g.json {
        let items: Vec<serde_json::Value> = entries
            .iter()
            .map(|(name, size, kind)| serde_json::json!({"name": name, "size": size, "kind": kind}))
            .collect();
        println!(
            "{:#}",
            serde_json::json!({
                "schema": "modemtls-cli/ca-list/1",
                "model": model,
                "credentials": items,
            })
        );
        return Ok(());
    }
    if entries.is_empty() {
        println!("no credentials stored in the {model}");
    }
    let width = entries.iter().map(|e| e.0.len()).max().unwrap_or(0);
    for (name, size, kind) in &entries {
        let size = size.map_or_else(|| "?".to_string(), |s| s.to_string());
        println!("{name:width$}  {size:>6} bytes  {kind}");
    }
    Ok(())
}

fn delete(g: &Global, name: &str) -> Result<(), Fail> {
    let (mut modem, _) = g.modem()?;
    modem
        .delete_credential(name)
        .map_err(|e| store_failure(&format!("deleting {name:?}"), e))?;
    let model = modem.identity().model.as_str().to_string();
    if g.json {
        println!(
            "{:#}",
            serde_json::json!({
                "schema": "modemtls-cli/ca-delete/1",
                "name": name,
                "model": model,
            })
        );
    } else {
        println!("deleted {name:?} from the {model}");
    }
    Ok(())
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
    let mut rest: &[u8] = &data;
    let r = modem.store_credential(name, data.len(), &mut |buf| {
        let n = buf.len().min(PIECE).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        pb.inc(n as u64);
        Ok(n)
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
