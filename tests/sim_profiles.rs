//! Every simulator profile agrees with the library's capability table for
//! the firmware it emulates: family, TLS versions, cipher suites, SNI and
//! CA formats must be the same, or tests against the simulator would prove
//! behaviour the real firmware does not have.

use modemtls::modem::{Capabilities, Family};
use modemtls::probe::TlsVersion;
use modemtls_sim::FirmwareProfile;

fn version(v: modemtls_sim::TlsVersion) -> TlsVersion {
    use modemtls_sim::TlsVersion as S;
    match v {
        // The library models TLS versions only: a firmware that also has
        // SSL 3.0 (the BG9x's `sslversion` 0) has TLS 1.0 as its lowest.
        S::Ssl3 | S::Tls10 => TlsVersion::Tls10,
        S::Tls11 => TlsVersion::Tls11,
        S::Tls12 => TlsVersion::Tls12,
    }
}

#[test]
fn simulator_profiles_match_the_capability_tables() {
    for name in ["bg96", "bg96-nosni", "bg95", "bc66", "bc660k"] {
        let p = FirmwareProfile::by_name(name).expect("profile");
        let caps = match p.family {
            modemtls_sim::Family::QuectelBg9x => Capabilities::quectel_bg9x(&p.model, &p.revision),
            modemtls_sim::Family::QuectelBc66 => Capabilities::quectel_bc66(&p.model, &p.revision),
            // Not in the list above: the library has no M66/M95 or Sierra
            // HL driver yet (issue 14); their rows come with the drivers.
            modemtls_sim::Family::QuectelM95 | modemtls_sim::Family::SierraHl => continue,
        };
        let family = match p.family {
            modemtls_sim::Family::QuectelBg9x => Family::QuectelBg9x,
            modemtls_sim::Family::QuectelBc66 => Family::QuectelBc66,
            modemtls_sim::Family::QuectelM95 | modemtls_sim::Family::SierraHl => continue,
        };
        assert_eq!(caps.family, family, "{name}: family");
        assert_eq!(
            caps.min_tls,
            version(p.min_tls),
            "{name}: lowest TLS version"
        );
        assert_eq!(
            caps.max_tls,
            version(p.max_tls),
            "{name}: highest TLS version"
        );
        assert_eq!(caps.sni, p.has_sni_key, "{name}: SNI");
        assert_eq!(
            caps.cipher_suites,
            &p.cipher_suites[..],
            "{name}: cipher suites"
        );
        assert_eq!(caps.ca_formats.pem, p.ca_pem_ok, "{name}: PEM CA");
        assert_eq!(caps.ca_formats.der, p.ca_der_ok, "{name}: DER CA");
    }
}
