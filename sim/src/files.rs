//! The modem's file store (UFS, plus a volatile `RAM:` area), shared by all
//! UART connections of one simulator.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Longest file name the firmware accepts (at-commands.md §1.5).
pub const MAX_NAME: usize = 80;

/// Largest file the simulator stores.
pub const MAX_FILE: usize = 1 << 20;

/// Thread-safe name -> content map.
#[derive(Debug, Default)]
pub struct FileStore {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

/// Canonical name: `UFS:` prefix removed (UFS is the default storage),
/// `RAM:` kept. `None` for an empty, too long or non-printable name.
pub fn canonical(name: &str) -> Option<String> {
    let n = name.strip_prefix("UFS:").unwrap_or(name);
    if n.is_empty()
        || n.len() > MAX_NAME
        || n == "RAM:"
        || !n.bytes().all(|b| (0x20..0x7f).contains(&b))
    {
        return None;
    }
    Some(n.to_string())
}

/// `*` / `?` wildcard match (the `AT+QFLST` pattern).
pub fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = n;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            n = mark;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

impl FileStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Content of a file.
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        self.lock().get(name).cloned()
    }

    /// True when the file exists.
    pub fn exists(&self, name: &str) -> bool {
        self.lock().contains_key(name)
    }

    /// Stores a file, replacing any previous content.
    pub fn put(&self, name: &str, data: Vec<u8>) {
        self.lock().insert(name.to_string(), data);
    }

    /// Deletes a file; false if it did not exist.
    pub fn delete(&self, name: &str) -> bool {
        self.lock().remove(name).is_some()
    }

    /// Deletes every file whose name matches `pattern`; returns how many.
    pub fn delete_matching(&self, pattern: &str) -> usize {
        let mut f = self.lock();
        let before = f.len();
        f.retain(|n, _| !glob(pattern.as_bytes(), n.as_bytes()));
        before - f.len()
    }

    /// (name, size) of every file matching `pattern`, sorted by name.
    pub fn list(&self, pattern: &str) -> Vec<(String, usize)> {
        self.lock()
            .iter()
            .filter(|(n, _)| glob(pattern.as_bytes(), n.as_bytes()))
            .map(|(n, d)| (n.clone(), d.len()))
            .collect()
    }

    /// Every file with its content, sorted by name.
    pub fn all(&self) -> Vec<(String, Vec<u8>)> {
        self.lock()
            .iter()
            .map(|(n, d)| (n.clone(), d.clone()))
            .collect()
    }

    /// Drops the volatile `RAM:` files (power-on).
    pub fn clear_ram(&self) {
        self.lock().retain(|n, _| !n.starts_with("RAM:"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob(b"*", b"a.pem"));
        assert!(glob(b"*.pem", b"a.pem"));
        assert!(!glob(b"*.pem", b"a.der"));
        assert!(glob(b"a?pem", b"a.pem"));
        assert!(glob(b"x.pem", b"x.pem"));
        assert!(!glob(b"x.pem", b"y.pem"));
    }

    #[test]
    fn names() {
        assert_eq!(canonical("UFS:ca.pem").as_deref(), Some("ca.pem"));
        assert_eq!(canonical("RAM:ca.pem").as_deref(), Some("RAM:ca.pem"));
        assert_eq!(canonical(""), None);
        assert_eq!(canonical(&"x".repeat(81)), None);
    }
}
