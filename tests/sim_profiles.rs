//! Every simulator profile agrees with the library's capability table for
//! the firmware it emulates: the TLS versions aside (the simulator's
//! OpenSSL stack is limited to what the table says by the profile), the
//! cipher suites, SNI and the CA formats must be the same, or tests against
//! the simulator would prove behaviour the real firmware does not have.

use modemtls::modem::Capabilities;
use modemtls_sim::FirmwareProfile;

#[test]
fn simulator_profiles_match_the_capability_tables() {
    for name in ["bg96", "bg96-nosni", "bg95"] {
        let p = FirmwareProfile::by_name(name).expect("profile");
        let caps = Capabilities::quectel_bg9x(&p.model, &p.revision);
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
