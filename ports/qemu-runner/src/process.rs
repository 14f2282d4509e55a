//! Running QEMU bounded in time and collecting its output.

use crate::*;

pub(crate) fn find_num(log: &str, key: &str) -> Option<u64> {
    log.lines().find_map(|l| {
        let rest = l.trim().strip_prefix(key)?;
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    })
}

pub(crate) struct Outcome {
    pub(crate) code: Option<i32>,
    pub(crate) timed_out: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Run `cmd` with piped output, killing it after `limit`. With `echo`,
/// stdout lines are also printed as they come, prefixed.
pub(crate) fn run_bounded(mut cmd: Command, limit: Duration, echo: Option<String>) -> Res<Outcome> {
    let mut child: Child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting qemu-system-arm: {e}"))?;
    let out = collect(child.stdout.take(), echo);
    let err = collect(child.stderr.take(), None);
    let deadline = Instant::now() + limit;
    let (code, timed_out) = loop {
        if let Some(st) = child.try_wait()? {
            break (st.code(), false);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let st = child.wait()?;
            break (st.code(), true);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = join(out);
    let stderr = join(err);
    Ok(Outcome {
        code,
        timed_out,
        stdout,
        stderr,
    })
}

pub(crate) type Collector = Option<(std::thread::JoinHandle<()>, Arc<Mutex<Vec<u8>>>)>;

pub(crate) fn collect<R: Read + Send + 'static>(r: Option<R>, echo: Option<String>) -> Collector {
    let mut r = r?;
    let buf = Arc::new(Mutex::new(Vec::new()));
    let b = buf.clone();
    let h = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        let mut line = Vec::new();
        while let Ok(n) = r.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if let Ok(mut g) = b.lock() {
                g.extend_from_slice(&chunk[..n]);
            }
            if let Some(prefix) = &echo {
                for &c in &chunk[..n] {
                    if c == b'\n' {
                        eprintln!("[{prefix}] {}", String::from_utf8_lossy(&line));
                        line.clear();
                    } else {
                        line.push(c);
                    }
                }
            }
        }
    });
    Some((h, buf))
}

pub(crate) fn join(c: Collector) -> String {
    match c {
        Some((h, buf)) => {
            let _ = h.join();
            let g = buf.lock().map(|g| g.clone()).unwrap_or_default();
            String::from_utf8_lossy(&g).into_owned()
        }
        None => String::new(),
    }
}
