//! `modemtls at`: an AT console. Each line read from stdin is sent as a
//! command (CR-terminated); what the modem sends (answers, URCs) is
//! printed as it comes. The next line is sent once the modem gave a final
//! result (`OK`, `ERROR`, `+CME ERROR`, `+CMS ERROR`, `> `, `CONNECT`,
//! `NO CARRIER`) or `--wait-ms` passed; so a pipe (`echo AT | modemtls
//! at`) works the same as typing. At the end of stdin, the console keeps
//! printing until the modem has been quiet for `--linger-ms`.

use crate::{Fail, Global};
use modemtls::port::Port;
use std::io::{BufRead, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `at` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Longest wait for a command's final result before the next line is
    /// sent, ms.
    #[arg(long, default_value_t = 10_000)]
    wait_ms: u64,
    /// After the end of stdin, keep printing until the modem is quiet for
    /// this long, ms.
    #[arg(long, default_value_t = 500)]
    linger_ms: u64,
}

/// Whether `line` ends a command.
fn is_final(line: &str) -> bool {
    let l = line.trim();
    matches!(
        l,
        "OK" | "ERROR" | "NO CARRIER" | "SEND OK" | "SEND FAIL" | ">"
    ) || l.starts_with("+CME ERROR")
        || l.starts_with("+CMS ERROR")
        || l.starts_with("CONNECT")
}

pub fn run(g: &Global, args: &Args) -> Result<(), Fail> {
    let mut port = g.open_port()?;
    let (tx, rx) = mpsc::channel::<Option<String>>();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(l) => {
                    if tx.send(Some(l)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(None);
    });
    let mut out = std::io::stdout();
    let mut pending = String::new();
    let mut waiting: Option<Instant> = None;
    let mut eof = false;
    let mut last_byte = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        if waiting.is_none() && !eof {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(Some(line)) => {
                    let cmd = line.trim_end_matches('\r');
                    if !cmd.is_empty() {
                        port.write_all(cmd.as_bytes())
                            .and_then(|()| port.write_all(b"\r"))
                            .map_err(|e| Fail::modem(e.cause()))?;
                        waiting = Some(Instant::now());
                    }
                }
                Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                    eof = true;
                    last_byte = Instant::now();
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
        let n = port
            .read(&mut buf, 20)
            .map_err(|e| Fail::modem(e.cause()))?;
        if n > 0 {
            last_byte = Instant::now();
            let text = String::from_utf8_lossy(&buf[..n]).replace('\r', "");
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            pending.push_str(&text);
            // A prompt has no line end.
            if pending.ends_with("> ") {
                waiting = None;
                pending.clear();
            }
            while let Some(i) = pending.find('\n') {
                let line: String = pending.drain(..=i).collect();
                if is_final(&line) {
                    waiting = None;
                }
            }
        }
        if let Some(t) = waiting {
            if t.elapsed() > Duration::from_millis(args.wait_ms) {
                eprintln!("modemtls: no final result after {} ms", args.wait_ms);
                waiting = None;
            }
        }
        if eof && waiting.is_none() && last_byte.elapsed() > Duration::from_millis(args.linger_ms) {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finals() {
        for l in [
            "OK\n",
            "ERROR",
            "+CME ERROR: 10",
            "CONNECT 115200",
            "SEND OK",
        ] {
            assert!(super::is_final(l), "{l}");
        }
        for l in ["+QIURC: \"recv\",0", "AT", "Quectel"] {
            assert!(!super::is_final(l), "{l}");
        }
    }
}
