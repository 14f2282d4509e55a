//! TLS offload of the HL8548 / HL78xx: KSSLCRYPTO cipher profiles,
//! KSSLCFG, the certificate and key store (KCERTSTORE, KPRIVKSTORE and
//! their DELETEs), and the TLS settings of a mode-3 session.

use super::*;
use crate::tcp::OpenFail;
use crate::tls::{Failure, SslCtxCfg};
use openssl::pkey::PKey;
use openssl::x509::X509;

/// Largest certificate or key (`AT+KCERTSTORE=?`: `(1-4096)`).
const MAX_CERT: usize = 4096;

/// One `AT+KSSLCRYPTO` profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crypto {
    /// Key exchange mask: 1 RSA, 8 ECDHE.
    pub mkey: u32,
    /// Authentication mask: 1 RSA, 2 ECDSA.
    pub auth_alg: u32,
    /// Cipher mask (16 AES128-CCM … 16384 AES256-GCM).
    pub enc: u32,
    /// Hash mask: 4 SHA256, 8 SHA384.
    pub mac: u32,
    /// 4 = TLS 1.2.
    pub tls_ver: u32,
    /// 0 none, 1 verify the server, 3 mutual.
    pub auth: u32,
    /// Root certificate index (4.6; 0 elsewhere).
    pub root: u32,
}

/// One suite of the family's table: IANA code and its bits.
struct Suite {
    code: u16,
    mkey: u32,
    auth: u32,
    enc: u32,
    /// 0 for the CCM suites (no hash bit needed).
    mac: u32,
}

const fn suite(code: u16, mkey: u32, auth: u32, enc: u32, mac: u32) -> Suite {
    Suite {
        code,
        mkey,
        auth,
        enc,
        mac,
    }
}

/// Every suite the family's firmware tables contain (the contract's table).
const SUITES: &[Suite] = &[
    suite(0x003C, 1, 1, 64, 4),
    suite(0x009C, 1, 1, 8192, 4),
    suite(0x009D, 1, 1, 16384, 8),
    suite(0xC09C, 1, 1, 16, 0),
    suite(0xC09D, 1, 1, 32, 0),
    suite(0xC0A0, 1, 1, 256, 0),
    suite(0xC0A1, 1, 1, 512, 0),
    suite(0xC027, 8, 1, 64, 4),
    suite(0xC023, 8, 2, 64, 4),
    suite(0xC02F, 8, 1, 8192, 4),
    suite(0xC030, 8, 1, 16384, 8),
    suite(0xC02B, 8, 2, 8192, 4),
    suite(0xC02C, 8, 2, 16384, 8),
    suite(0xC0AC, 8, 2, 16, 0),
    suite(0xC0AD, 8, 2, 32, 0),
    suite(0xC0AE, 8, 2, 256, 0),
    suite(0xC0AF, 8, 2, 512, 0),
];

/// Every cipher bit the `enc` mask knows.
const ENC_BITS: u32 = 16 | 32 | 64 | 256 | 512 | 8192 | 16384;

/// Power-on profiles of a firmware (the contract's lists).
pub(super) fn default_profiles(fw: Firmware) -> Vec<Crypto> {
    let p = |mkey, auth_alg, enc, mac| Crypto {
        mkey,
        auth_alg,
        enc,
        mac,
        tls_ver: 4,
        auth: 1,
        root: 0,
    };
    let ecdhe = [
        p(8, 1, 8192, 4),
        p(8, 2, 16, 0),
        p(8, 2, 32, 0),
        p(8, 2, 256, 0),
        p(8, 2, 512, 0),
        p(8, 2, 8192, 4),
        p(8, 2, 16384, 8),
    ];
    match fw {
        Firmware::Hl8548 => vec![
            p(1, 1, 24640, 12),
            p(1, 1, 64, 4),
            p(1, 1, 8192, 4),
            p(1, 1, 16384, 8),
        ],
        Firmware::Hl78xx46 => {
            let mut v = vec![p(8, 3, 25392, 12)];
            v.extend(ecdhe);
            v
        }
        Firmware::Hl78xx45 => {
            let mut v = vec![p(9, 3, 25456, 12)];
            v.extend(ecdhe);
            v.extend([
                p(1, 1, 16, 0),
                p(1, 1, 32, 0),
                p(1, 1, 256, 0),
                p(1, 1, 512, 0),
                p(1, 1, 8192, 4),
                p(1, 1, 16384, 8),
                p(8, 1, 64, 4),
                p(1, 1, 64, 4),
            ]);
            v
        }
    }
}

/// `+KTCP_NOTIF` code of a failed TLS (or TCP) open.
pub(super) fn notif_code(f: &OpenFail) -> i32 {
    match f {
        OpenFail::Connect => 5,
        OpenFail::Setup(why) if why.starts_with("client") => 14,
        OpenFail::Setup(_) => 13,
        OpenFail::Handshake(Failure::Timeout) => 12,
        OpenFail::Handshake(_) => 13,
    }
}

/// File-store name of a root (`type` 0) or local (1) certificate.
pub fn cert_file(kind: u8, idx: u8) -> String {
    if kind == 0 {
        format!("KCERT:root{idx}")
    } else {
        format!("KCERT:local{idx}")
    }
}

/// File-store name of a private key.
pub fn key_file(idx: u8) -> String {
    format!("KPRIVK:{idx}")
}

fn looks_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

impl Session {
    /// The suites profile `p` selects from the firmware's table.
    fn selected(&self, c: &Crypto) -> Vec<u16> {
        let table = &self.sh.cfg.profile.cipher_suites;
        SUITES
            .iter()
            .filter(|s| table.contains(&s.code))
            .filter(|s| {
                c.mkey & s.mkey != 0
                    && c.auth_alg & s.auth != 0
                    && c.enc & s.enc != 0
                    && (s.mac == 0 || c.mac & s.mac != 0)
            })
            .map(|s| s.code)
            .collect()
    }

    /// The TLS settings of a session on profile `idx`; `Err` when the
    /// profile selects nothing the firmware has (or a set the simulator
    /// cannot offer: several suites that are not the whole table).
    pub(super) fn tls_cfg(&self, idx: u8) -> Result<SslCtxCfg, String> {
        let c = *self
            .crypto
            .get(usize::from(idx))
            .ok_or_else(|| format!("no KSSLCRYPTO profile {idx}"))?;
        let sel = self.selected(&c);
        let table = &self.sh.cfg.profile.cipher_suites;
        let ciphersuite = match sel.as_slice() {
            [] => return Err(format!("profile {idx} selects no suite of the firmware")),
            [one] => *one,
            _ if sel.len() == table.len() => 0xFFFF,
            _ => {
                return Err(format!(
                    "profile {idx} selects {sel:04X?}: several suites but not the whole \
                     table, which the simulator cannot offer"
                ))
            }
        };
        let seclevel = match c.auth {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        let root = if self.fw == Firmware::Hl78xx46 {
            c.root as u8
        } else {
            0
        };
        Ok(SslCtxCfg {
            sslversion: 4,
            ciphersuite,
            seclevel,
            cacert: Some(cert_file(0, root)),
            clientcert: (seclevel == 2).then(|| cert_file(1, 0)),
            clientkey: (seclevel == 2).then(|| key_file(0)),
            // No date or host-name check, no SNI (the contract).
            ignorelocaltime: 1,
            negotiatetime: 60,
            sni: 0,
            checkhost: 0,
            ..SslCtxCfg::default()
        })
    }

    /// `AT+KSSLCRYPTO=<p>,<mkey>,<auth_alg>,<enc>,<mac>,<tls_ver>,<auth>[,<root>]`.
    pub(super) fn ksslcrypto(&mut self, a: &[Arg]) {
        let with_root = self.fw == Firmware::Hl78xx46;
        let want = if with_root { 7..=8 } else { 7..=7 };
        let n: Vec<Option<i64>> = a.iter().map(Arg::int).collect();
        if !want.contains(&a.len()) || n.iter().any(Option::is_none) {
            return self.error();
        }
        let n: Vec<u32> = n
            .into_iter()
            .map(|v| u32::try_from(v.unwrap_or(-1)).unwrap_or(u32::MAX))
            .collect();
        let (p, mkey, auth_alg, enc, mac, tls_ver, auth) =
            (n[0], n[1], n[2], n[3], n[4], n[5], n[6]);
        let root = n.get(7).copied().unwrap_or(0);
        let ok = (p as usize) < self.crypto.len()
            && matches!(mkey, 1 | 8 | 9)
            && (1..=3).contains(&auth_alg)
            && enc != 0
            && enc & !ENC_BITS == 0
            && matches!(mac, 0 | 4 | 8 | 12)
            && tls_ver == 4
            && matches!(auth, 0 | 1 | 3)
            && root <= 3;
        if !ok {
            return self.error();
        }
        let refused = match self.fw {
            Firmware::Hl78xx46 => mkey & 1 != 0 || enc & 64 != 0,
            Firmware::Hl8548 => mkey & 8 != 0 || enc & (16 | 32 | 256 | 512) != 0,
            Firmware::Hl78xx45 => false,
        };
        if refused {
            return self.not_allowed();
        }
        self.crypto[p as usize] = Crypto {
            mkey,
            auth_alg,
            enc,
            mac,
            tls_ver,
            auth,
            root,
        };
        self.ok();
    }

    /// `AT+KSSLCRYPTO?`: one line per profile.
    pub(super) fn ksslcrypto_read(&mut self) {
        let with_root = self.fw == Firmware::Hl78xx46;
        let lines: Vec<String> = self
            .crypto
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut l = format!(
                    "+KSSLCRYPTO: {i},{},{},{},{},{},{}",
                    c.mkey, c.auth_alg, c.enc, c.mac, c.tls_ver, c.auth
                );
                if with_root {
                    l.push_str(&format!(",{}", c.root));
                }
                l
            })
            .collect();
        self.info_ok(&lines);
    }

    /// `AT+KSSLCFG=0,<0-3>` · `=1,"<text>"` · `=2,0` (`2,1` → 918).
    pub(super) fn ksslcfg(&mut self, a: &[Arg]) {
        match (a.first().and_then(Arg::int), a.get(1), a.len()) {
            (Some(0), Some(v), 2) => match v.int() {
                Some(v @ 0..=3) => {
                    self.ksslcfg_ver = if v == 0 { 3 } else { v as u8 };
                    self.ok();
                }
                _ => self.error(),
            },
            (Some(1), Some(Arg::Str(t)), 2) => {
                self.ksslcfg_text = t.clone();
                self.ok();
            }
            (Some(2), Some(v), 2) => match v.int() {
                Some(0) => self.ok(),
                Some(1) => self.cme_with(918, "invalid parameter"),
                _ => self.error(),
            },
            _ => self.error(),
        }
    }

    /// `AT+KCERTSTORE=<type>,<len>[,<index>]`: `CONNECT`, then the data
    /// phase.
    pub(super) fn kcertstore(&mut self, a: &[Arg]) {
        let kind = a.first().and_then(Arg::int).filter(|t| (0..=1).contains(t));
        let len = a
            .get(1)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CERT as i64).contains(n));
        let max_idx = match (kind, self.fw) {
            (Some(0), Firmware::Hl8548) => 0,
            (Some(0), _) => 3,
            _ => 2,
        };
        let idx = match a.get(2) {
            None => Some(0),
            Some(x) => x.int().filter(|i| (0..=max_idx).contains(i)),
        };
        let (Some(kind), Some(len), Some(idx), true) = (kind, len, idx, a.len() <= 3) else {
            return self.error();
        };
        let name = cert_file(kind as u8, idx as u8);
        self.start_phase(Target::Upload(name), len as usize);
    }

    /// `AT+KPRIVKSTORE=<index 0-2>,<len>`.
    pub(super) fn kprivkstore(&mut self, a: &[Arg]) {
        let idx = a.first().and_then(Arg::int).filter(|i| (0..=2).contains(i));
        let len = a
            .get(1)
            .and_then(Arg::int)
            .filter(|n| (1..=MAX_CERT as i64).contains(n));
        let (Some(idx), Some(len), 2) = (idx, len, a.len()) else {
            return self.error();
        };
        self.start_phase(Target::Upload(key_file(idx as u8)), len as usize);
    }

    /// The end of a KCERTSTORE / KPRIVKSTORE data phase: `OK`, 930 (short or
    /// not ended by the pattern) or 931 (does not parse).
    pub(super) fn upload_payload(&mut self, name: &str, body: Option<Vec<u8>>) {
        let Some(data) = body else {
            self.sh
                .log(&format!("{name}: short, or no EOF pattern after it"));
            return self.cme_with(930, "certificate upload: wrong length");
        };
        let pem = looks_pem(&data);
        let parses = if name.starts_with("KPRIVK:") {
            if pem {
                PKey::private_key_from_pem(&data).is_ok()
            } else {
                PKey::private_key_from_der(&data).is_ok()
            }
        } else if pem {
            // The HL8548 stores PEM unparsed (it fails at connect).
            self.fw == Firmware::Hl8548 || X509::stack_from_pem(&data).is_ok_and(|v| !v.is_empty())
        } else {
            X509::from_der(&data).is_ok()
        };
        if !parses {
            self.sh.log(&format!("{name}: does not parse"));
            return self.cme_with(931, "certificate upload: invalid certificate");
        }
        self.sh.files.put(name, data);
        self.ok();
    }

    /// `AT+KCERTDELETE=<type>[,<index>]`.
    pub(super) fn kcertdelete(&mut self, a: &[Arg]) {
        let kind = a.first().and_then(Arg::int).filter(|t| (0..=1).contains(t));
        let idx = match a.get(1) {
            None => Some(0),
            Some(x) => x.int().filter(|i| (0..=3).contains(i)),
        };
        match (kind, idx, a.len() <= 2) {
            (Some(k), Some(i), true) => {
                self.sh.files.delete(&cert_file(k as u8, i as u8));
                self.ok();
            }
            _ => self.error(),
        }
    }

    /// `AT+KPRIVKDELETE=<index>`.
    pub(super) fn kprivkdelete(&mut self, a: &[Arg]) {
        match (a.first().and_then(Arg::int), a.len()) {
            (Some(i @ 0..=2), 1) => {
                self.sh.files.delete(&key_file(i as u8));
                self.ok();
            }
            _ => self.error(),
        }
    }

    /// `AT+KCERTSTORE?` (`key` false) / `AT+KPRIVKSTORE?` (`key` true):
    /// `CONNECT`, one `<word>,<index>,<len>` line per slot that holds
    /// something (`root_cert` 0-3, `local_cert` 0-2; `private_key` 0-2),
    /// then `OK` after a blank line.
    pub(super) fn store_list(&mut self, key: bool) {
        let slots: Vec<(String, String)> = if key {
            (0..=2u8)
                .map(|i| (format!("private_key,{i}"), key_file(i)))
                .collect()
        } else {
            (0..=3u8)
                .map(|i| (format!("root_cert,{i}"), cert_file(0, i)))
                .chain((0..=2u8).map(|i| (format!("local_cert,{i}"), cert_file(1, i))))
                .collect()
        };
        let mut o = b"\r\nCONNECT\r\n".to_vec();
        for (name, file) in slots {
            if let Some(data) = self.sh.files.get(&file) {
                o.extend_from_slice(format!("{name},{}\r\n", data.len()).as_bytes());
            }
        }
        o.extend_from_slice(b"\r\nOK\r\n");
        self.out(&o);
    }
}
