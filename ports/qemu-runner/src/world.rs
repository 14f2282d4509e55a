//! What a scenario needs on the host: the TLS server and its CA.

use crate::*;

/// What one scenario needs on the host; kept alive while QEMU runs.
pub(crate) struct World {
    pub(crate) _server: Option<SServer>,
    /// The MQTT broker (`mqtt`, see `embassy.rs`).
    pub(crate) broker: Option<Daemon>,
    pub(crate) ca_pem: Vec<u8>,
    pub(crate) port: u16,
    /// The path the firmware GETs.
    pub(crate) path: &'static str,
}

/// The port written to the baseline's `params.txt` (nothing listens: the
/// baseline only writes the parameters to the UART).
pub(crate) const BASELINE_PORT: u16 = 443;

/// `family`: what the modem's firmware can reach (its offloaded suites,
/// its raw receive buffer) decides the servers' settings.
pub(crate) fn world(sc: Scenario, family: FwFamily) -> Res<World> {
    if sc == Scenario::Mqtt {
        return mqtt_world();
    }
    if sc == Scenario::Baseline {
        // No server: the baseline makes no connection.
        return Ok(World {
            _server: None,
            broker: None,
            ca_pem: server_creds(HOST, KeyKind::Rsa2048).ca_pem,
            port: BASELINE_PORT,
            path: "/",
        });
    }
    let (creds, opts) = match sc {
        // What a BG96 can reach: TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256;
        // verify-fail: the same with a certificate for another name
        // (trusted CA).
        Scenario::Offload | Scenario::OffloadCore | Scenario::VerifyFail => {
            let name = if sc == Scenario::VerifyFail {
                OTHER_HOST
            } else {
                HOST
            };
            let c = server_creds(name, KeyKind::Rsa2048);
            let o = SServerOpts {
                tls: TlsVersions::Tls12Only,
                cipher_list: Some(family.offload_ciphers().into()),
                ..SServerOpts::from_creds(&c)
            };
            (c, o)
        }
        // The seed 000/004 server: TLS 1.3 only, P-256 chain; the compute
        // scenarios: the same with a P-256 or RSA-2048 chain of three.
        Scenario::AutoHost
        | Scenario::Host
        | Scenario::Everything
        | Scenario::ComputeP256
        | Scenario::ComputeRsa2048
        | Scenario::Baseline
        | Scenario::Mqtt => {
            let kind = if sc == Scenario::ComputeRsa2048 {
                KeyKind::Rsa2048
            } else {
                KeyKind::P256
            };
            let c = server_creds(HOST, kind);
            let mut o = SServerOpts {
                tls: TlsVersions::Tls13Only,
                ciphersuites: Some("TLS_AES_128_GCM_SHA256".into()),
                ..SServerOpts::from_creds(&c)
            };
            if family.small_host_reply() {
                // `-www`'s status page (several KB at once) would overflow
                // the BC66's 2,168-byte raw receive buffer, which drops
                // what does not fit (tests/scenarios.rs pins that): a small
                // file instead.
                o.mode = SServerMode::WwwFiles(vec![(
                    "hello.txt".into(),
                    b"hello from the test server\n".to_vec(),
                )]);
            }
            (c, o)
        }
    };
    let path = match opts.mode {
        SServerMode::WwwFiles(_) => "/hello.txt",
        _ => "/",
    };
    let server = SServer::spawn(opts)?;
    Ok(World {
        port: server.port(),
        _server: Some(server),
        broker: None,
        ca_pem: creds.ca_pem,
        path,
    })
}

pub(crate) fn random_seed_hex() -> Res<String> {
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}
