//! File commands: QFUPL, QFLST, QFDEL, QFDWL (at-commands.md §1.5).

use super::*;

impl Session {
    // ----------------------------------------------------------------- files

    pub(super) fn name_arg(a: &[Arg]) -> Option<String> {
        canonical(a.first()?.str()?)
    }

    pub(super) fn qfupl(&mut self, a: &[Arg]) {
        let Some(name) = Self::name_arg(a) else {
            return self.cme(421);
        };
        let size = match a.get(1) {
            None => Some(10240),
            Some(x) => x.int(),
        };
        let timeout = match a.get(2) {
            None => Some(5),
            Some(x) => x.int().filter(|t| (1..=65535).contains(t)),
        };
        let ack = match a.get(3) {
            None => Some(false),
            Some(x) => x.int().filter(|v| (0..=1).contains(v)).map(|v| v == 1),
        };
        let (Some(size), Some(timeout), Some(ack)) = (size, timeout, ack) else {
            return self.cme(421);
        };
        if a.len() > 4 || size < 1 {
            return self.cme(421);
        }
        if size as usize > MAX_FILE {
            return self.cme(420);
        }
        if self.sh.files.exists(&name) {
            // Assumption [?]: uploading onto an existing file is refused (407).
            return self.cme(407);
        }
        self.out(b"\r\nCONNECT\r\n");
        self.input = Input::Payload {
            ctrl_z: false,
            target: Target::Upload(name),
            need: size as usize,
            data: Vec::new(),
            last: Instant::now(),
            timeout: Some(Duration::from_secs(timeout as u64)),
            ack,
        };
    }

    pub(super) fn qflst(&mut self, pattern: &str, explicit: bool) {
        let files = self.sh.files.list(pattern);
        if files.is_empty() && explicit {
            return self.cme(405);
        }
        let lines: Vec<String> = files
            .iter()
            .map(|(n, s)| format!("+QFLST: \"{n}\",{s}"))
            .collect();
        self.info_ok(&lines);
    }

    pub(super) fn qfdel(&mut self, a: &[Arg]) {
        if a.len() != 1 {
            return self.cme(421);
        }
        if a.first().and_then(Arg::str) == Some("*") {
            self.sh.files.delete_matching("*");
            return self.ok();
        }
        let Some(name) = Self::name_arg(a) else {
            return self.cme(421);
        };
        if self.sh.files.delete(&name) {
            self.ok()
        } else {
            self.cme(405)
        }
    }

    pub(super) fn qfdwl(&mut self, a: &[Arg]) {
        let Some(name) = Self::name_arg(a).filter(|_| a.len() == 1) else {
            return self.cme(421);
        };
        let Some(data) = self.sh.files.get(&name) else {
            return self.cme(405);
        };
        let mut o = b"\r\nCONNECT\r\n".to_vec();
        o.extend_from_slice(&data);
        o.extend_from_slice(
            format!(
                "\r\n+QFDWL: {},{}\r\n\r\nOK\r\n",
                data.len(),
                xor16_hex(&data)
            )
            .as_bytes(),
        );
        self.out(&o);
    }
}
