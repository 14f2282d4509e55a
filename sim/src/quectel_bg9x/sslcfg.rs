//! `AT+QSSLCFG`: SSL context settings.

use super::*;

impl Session {
    // ------------------------------------------------------------ SSL config

    pub(super) fn qsslcfg(&mut self, a: &[Arg]) {
        let (Some(key), Some(ctx)) = (a.first().and_then(Arg::str), a.get(1).and_then(Arg::int))
        else {
            return self.error();
        };
        let key = key.to_string();
        if !(0..SSL_CTXS as i64).contains(&ctx) || a.len() > 3 {
            return self.error();
        }
        let ctx = ctx as usize;
        let has_sni = self.sh.cfg.profile.has_sni_key;
        let suites = self.sh.cfg.profile.cipher_suites.clone();
        let value = a.get(2);
        let c = &mut self.ssl_cfg[ctx];
        let num = |v: Option<&Arg>, lo: i64, hi: i64| {
            v.and_then(Arg::int).filter(|n| (lo..=hi).contains(n))
        };
        let shown: Option<String>;
        macro_rules! small {
            ($field:ident, $lo:expr, $hi:expr) => {{
                match value {
                    None => shown = Some(c.$field.to_string()),
                    Some(v) => match num(Some(v), $lo, $hi) {
                        Some(n) => {
                            c.$field = n as _;
                            shown = None;
                        }
                        None => return self.error(),
                    },
                }
            }};
        }
        macro_rules! file {
            ($field:ident) => {{
                match value {
                    None => {
                        shown = c.$field.as_ref().map(|f| {
                            if f.starts_with("RAM:") {
                                format!("\"{f}\"")
                            } else {
                                format!("\"UFS:{f}\"")
                            }
                        })
                    }
                    Some(v) => match v.str().and_then(canonical) {
                        Some(f) => {
                            c.$field = Some(f);
                            shown = None;
                        }
                        None => return self.error(),
                    },
                }
            }};
        }
        match key.as_str() {
            "sslversion" => small!(sslversion, 0, 4),
            "seclevel" | "secllevel" => small!(seclevel, 0, 2),
            "ignorelocaltime" => small!(ignorelocaltime, 0, 1),
            "negotiatetime" => small!(negotiatetime, 10, 300),
            "session" => small!(session, 0, 1),
            "checkhost" => small!(checkhost, 0, 1),
            "dtls" => small!(dtls, 0, 1),
            "dtlsversion" => small!(dtlsversion, 0, 2),
            "sni" if has_sni => small!(sni, 0, 1),
            "cacert" => file!(cacert),
            "clientcert" => file!(clientcert),
            "clientkey" => file!(clientkey),
            "ciphersuite" => match value {
                None => shown = Some(format!("0X{:04X}", c.ciphersuite)),
                Some(v) => match v.hex() {
                    Some(code)
                        if code == 0xFFFF || suites.contains(&(code as u16)) && code <= 0xFFFF =>
                    {
                        c.ciphersuite = code as u16;
                        shown = None;
                    }
                    _ => return self.error(),
                },
            },
            _ => return self.error(),
        }
        match (value, shown) {
            (Some(_), _) => self.ok(),
            (None, Some(v)) => self.info_ok(&[format!("+QSSLCFG: \"{key}\",{ctx},{v}")]),
            (None, None) => self.ok(),
        }
    }
}
