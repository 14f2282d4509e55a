//! The field reports as one matrix: scenario x modem profile x expected
//! result, run by one harness (`cargo test --test scenarios`). Each row
//! starts the simulated modem of its profile, lets [`AnyModem`] identify
//! the family at init (as the C ABI does), starts a real TLS server
//! (OpenSSL, in-process) of the scenario's kind on 127.0.0.1, connects with
//! the row's mode, checks the path, the reason and the cause, and runs an
//! HTTP exchange over whatever session came out. A new modem family adds
//! rows, not files.

mod common;

use common::{sim_config, test_timeouts, HOST};
use modemtls::auto::PathCache;
use modemtls::error::{ConfigError, Error, TlsFailure};
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::modem::{AnyModem, Apn, Family, Modem, ModemError};
use modemtls::port::TcpPort;
use modemtls::session::{Credential, Mode, Path, PathReason, SessionConfig};
use modemtls_sim::{FirmwareProfile, Simulator};
use modemtls_testkit::{
    server_creds, server_creds_with, Behaviour, KeyKind, LeafSpec, ServerCreds, ServerOpts,
    TlsServer, TlsVersions,
};
use std::time::{Duration, Instant};

const BODY: &[u8] = b"hello from the matrix\n";

/// The servers of the field reports.
#[derive(Clone, Copy, Debug)]
enum Server {
    /// TLS 1.2 only, with suites every firmware has (ECDHE-RSA-AES128-GCM
    /// for the BG9x, AES128-SHA for the BC66), RSA certificate, no SNI
    /// needed: seed 003's working case, and what "stays offloaded" needs.
    FirmwareFriendly,
    /// Seed 004's broker: TLS 1.3, and on TLS 1.2 only ECDHE with ChaCha20
    /// (no suite of either firmware), P-256 certificate.
    ModernOnly,
    /// Seed 000's virtual host: a ClientHello without SNI is refused;
    /// TLS 1.2 with the friendly suites, and TLS 1.3 for the host path.
    NeedsSni,
    /// Seed 002's half: a certificate from a CA the device does not trust.
    WrongCa,
    /// TLS 1.3 with an all-RSA-2048 chain: a first flight of about 3 KB.
    BigChain,
    /// Seed 001's server that still takes the old firmware: TLS 1.2 with
    /// `TLS_RSA_WITH_AES_128_CBC_SHA` only (`openssl s_server -tls1_2
    /// -cipher AES128-SHA`), RSA certificate.
    RsaKexOnly,
    /// TLS 1.3 for the host path, and on TLS 1.2 RSA key exchange only
    /// (AES-GCM and AES-CBC with SHA-2): what an HL78xx with firmware 4.6
    /// (ECDHE only) cannot reach.
    RsaKexSha2,
}

/// What the row must end with.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Offloaded, for the reason given.
    Offload(PathReason),
    /// Host TLS, for the reason given.
    Host(PathReason),
    /// The connect fails with this TLS failure on `path`.
    TlsFails(TlsFailure),
    /// The connect fails with this modem error.
    ModemFails(ModemError),
    /// The connect is refused by the configuration check.
    ConfigFails(ConfigError),
}

struct Row {
    profile: &'static str,
    family: Family,
    server: Server,
    mode: Mode,
    /// `SessionConfig::accept_chain_only`: a private CA, so the firmware's
    /// chain-only check (BC66: no host-name check) is acceptable.
    chain_only: bool,
    expect: Expect,
}

fn server(kind: Server) -> (TlsServer, ServerCreds) {
    // An RSA leaf (the BC66 has RSA key exchange only) under a P-256 CA:
    // a TLS 1.3 flight of ~1.8 KB, which fits the BC66's 2,168-byte raw
    // receive buffer; an all-RSA chain does not.
    let creds = match kind {
        Server::ModernOnly => server_creds(HOST, KeyKind::P256),
        Server::BigChain => server_creds(HOST, KeyKind::Rsa2048),
        _ => server_creds_with(
            HOST,
            LeafSpec::server(HOST).kind(KeyKind::Rsa2048),
            KeyKind::P256,
        ),
    };
    // AES128-GCM-SHA256 (RSA key exchange) for the HL8548, which has
    // nothing else here; no other firmware of the matrix offers it.
    let friendly = Some("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:AES128-GCM-SHA256".to_string());
    let opts = ServerOpts {
        behaviour: Behaviour::Http {
            body: BODY.to_vec(),
        },
        ..ServerOpts::from_creds(&creds)
    };
    let opts = match kind {
        Server::FirmwareFriendly => ServerOpts {
            tls: TlsVersions::Tls12Only,
            cipher_list: friendly,
            ..opts
        },
        Server::ModernOnly => ServerOpts {
            tls: TlsVersions::Both,
            cipher_list: Some("ECDHE-ECDSA-CHACHA20-POLY1305".into()),
            ..opts
        },
        Server::NeedsSni => ServerOpts {
            tls: TlsVersions::Both,
            cipher_list: friendly,
            require_sni: Some(HOST.into()),
            ..opts
        },
        Server::RsaKexOnly => ServerOpts {
            tls: TlsVersions::Tls12Only,
            cipher_list: Some("AES128-SHA".into()),
            ..opts
        },
        Server::RsaKexSha2 => ServerOpts {
            tls: TlsVersions::Both,
            cipher_list: Some("AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256".into()),
            ..opts
        },
        Server::WrongCa | Server::BigChain => ServerOpts {
            tls: TlsVersions::Both,
            cipher_list: friendly,
            ..opts
        },
    };
    let s = TlsServer::spawn(opts).expect("TLS server starts");
    (s, creds)
}

/// The row runner, written once: `blocking::run` drives the blocking
/// API, `asynch::run` the async one (the same checks, awaited).
#[modemtls_macros::dual]
mod asynch {
    use super::*;
    use embedded_io_async::{Read, Write};
    use modemtls::auto::asynch as auto;
    use modemtls::modem::asynch::{AnyModem, Modem};
    use modemtls::session::asynch::TlsSession;

    /// Run one row of the matrix.
    pub(super) async fn run(row: Row) {
        let profile = FirmwareProfile::by_name(row.profile).expect("simulator profile");
        let sim = Simulator::spawn(sim_config(profile)).expect("simulator starts");
        let port = crate::ports::asynch::port(sim.addr());
        let mut modem = AnyModem::new(port);
        modem.set_timeouts(test_timeouts());
        modem.init().await.expect("init");
        assert_eq!(modem.family(), row.family, "family picked at init");
        modem.attach(&Apn::new("internet")).await.expect("attach");

        let (srv, creds) = server(row.server);
        let other;
        let trust = if matches!(row.server, Server::WrongCa) {
            other = server_creds(HOST, KeyKind::Rsa2048);
            &other.ca_pem
        } else {
            &creds.ca_pem
        };
        let mut cfg = SessionConfig::new(HOST, srv.port())
            .trust(Credential::Pem(trust))
            .mode(row.mode);
        cfg.accept_chain_only = row.chain_only;
        let (mut rx, mut tx, mut scratch) = (vec![0; MIN_READ_BUF], vec![0; 4096], vec![0; 4096]);
        let mut state = modemtls::tls::ClientState::new();
        let bufs = HostBuffers {
            read: &mut rx,
            write: &mut tx,
            scratch: &mut scratch,
            state: &mut state,
            ticket: None,
        };
        let mut cache: PathCache<4> = PathCache::new();
        let checks_host_name = modem.capabilities().hostname_check;
        let r = auto::connect(
            &mut modem,
            &cfg,
            &mut rand_core::OsRng,
            bufs,
            Some(&mut cache),
        )
        .await;
        match (row.expect, r) {
            (Expect::Offload(reason) | Expect::Host(reason), Ok(mut s)) => {
                let info = TlsSession::info(&s);
                let path = if matches!(row.expect, Expect::Offload(_)) {
                    Path::Offload
                } else {
                    Path::Host
                };
                assert_eq!((info.path, info.reason), (path, reason), "{info:?}");
                assert!(info.verified);
                assert_eq!(
                    info.hostname_checked,
                    path == Path::Host || checks_host_name,
                    "host name checked"
                );
                s.write_all(b"GET / HTTP/1.1\r\nHost: server.test\r\n\r\n")
                    .await
                    .expect("request");
                s.flush().await.expect("flush");
                let mut got = Vec::new();
                let mut buf = [0u8; 256];
                while !got.ends_with(BODY) {
                    match s.read(&mut buf).await {
                        Ok(0) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                        Err(e) => panic!("read after {} bytes: {e}", got.len()),
                    }
                }
                assert!(got.ends_with(BODY), "{}", String::from_utf8_lossy(&got));
                TlsSession::close(s).await.expect("close");
                if path == Path::Offload && row.family == Family::QuectelM95 {
                    // The CA went to a RAM: file, written and read back for
                    // its checksum.
                    let files = sim.files();
                    assert!(
                        files
                            .iter()
                            .any(|(name, data)| name.starts_with("RAM:") && data == trust),
                        "the CA in a RAM: file: {:?}",
                        files.iter().map(|f| &f.0).collect::<Vec<_>>()
                    );
                    assert_eq!(sim.command_count("AT+QSECWRITE="), 1);
                    assert!(sim.command_count("AT+QSECREAD=") >= 1);
                }
            }
            (Expect::TlsFails(f), Err(Error::Tls(t))) => {
                assert_eq!(t.failure, f, "{t}");
            }
            (Expect::ModemFails(want), Err(Error::Modem(e))) => assert_eq!(e, want, "{e}"),
            (Expect::ConfigFails(want), Err(Error::Config(e))) => {
                assert_eq!(e, want, "{}", e.cause())
            }
            (want, Ok(s)) => panic!("want {want:?}, connected: {:?}", TlsSession::info(&s)),
            (want, Err(e)) => panic!("want {want:?}, got {e:?}: {e}"),
        }
        // A fallback is remembered: the next session to the host goes
        // straight to the host path.
        if let Expect::Host(PathReason::Fallback(_)) = row.expect {
            let bufs = HostBuffers {
                read: &mut rx,
                write: &mut tx,
                scratch: &mut scratch,
                state: &mut state,
                ticket: None,
            };
            let s = auto::connect(
                &mut modem,
                &cfg,
                &mut rand_core::OsRng,
                bufs,
                Some(&mut cache),
            )
            .await
            .expect("second session");
            let info = TlsSession::info(&s);
            assert_eq!((info.path, info.reason), (Path::Host, PathReason::Cached));
            TlsSession::close(s).await.expect("close");
        }
        // The simulator counts sockets as of its last poll (a few ms).
        let end = Instant::now() + Duration::from_secs(2);
        while sim.open_sockets() != 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(sim.open_sockets(), 0, "a socket was left open in the modem");
    }
}

/// The UART each front runs on: the blocking TCP port, or the async port
/// the library makes of an `embedded_io_async` UART and a clock.
mod ports {
    pub mod blocking {
        pub fn port(addr: std::net::SocketAddr) -> modemtls::port::TcpPort {
            modemtls::port::TcpPort::connect(addr).expect("connect to the simulated UART")
        }
    }
    pub mod asynch {
        pub use crate::common::asynch::block_on;
        use modemtls::port::asynch::IoPort;
        use modemtls::port::{StdClock, TcpUart};
        /// The UART as an `embedded_io_async` stream raced against a
        /// clock ([`IoPort`]): reads pend until bytes come or time runs out.
        pub fn port(addr: std::net::SocketAddr) -> IoPort<TcpUart, StdClock> {
            let uart = TcpUart::connect(addr).expect("connect to the simulated UART");
            IoPort::new(uart, StdClock::new())
        }
    }
}

/// One test per row, named seed_family_outcome, for each front: the row
/// built once (`rows::$name`), run blocking (`$name`) and async
/// (`async_front::$name`).
macro_rules! matrix {
    ($($name:ident: $profile:literal, $family:ident, $server:ident, $mode:ident $(+ $chain:ident)? => $expect:expr;)*) => {
        mod rows {
            use super::*;
            $(
                pub fn $name() -> Row {
                    Row {
                        profile: $profile,
                        family: Family::$family,
                        server: Server::$server,
                        mode: Mode::$mode,
                        chain_only: false $(|| stringify!($chain) == "chain_only")?,
                        expect: $expect,
                    }
                }
            )*
        }
        $(
            #[test]
            fn $name() {
                blocking::run(rows::$name());
            }
        )*
        /// The same rows through the async front.
        mod async_front {
            use super::*;
            $(
                #[test]
                fn $name() {
                    ports::asynch::block_on(asynch::run(rows::$name()));
                }
            )*
        }
    };
}

use Expect::*;
use PathReason::*;

matrix! {
    // Seed 003: a server the firmware reaches stays offloaded; on a BC66
    // (no host-name check in its firmware) only with a private CA's
    // chain-only check accepted, else Auto takes the host path.
    seed003_bg96_firmware_friendly_stays_offloaded:
        "bg96", QuectelBg9x, FirmwareFriendly, Auto => Offload(CapabilitiesCover);
    seed003_bc66_firmware_friendly_stays_offloaded_with_a_private_ca:
        "bc66", QuectelBc66, FirmwareFriendly, Auto + chain_only => Offload(CapabilitiesCover);
    seed003_bc660k_firmware_friendly_stays_offloaded_with_a_private_ca:
        "bc660k", QuectelBc66, FirmwareFriendly, Auto + chain_only => Offload(CapabilitiesCover);
    // Without it Auto takes the host path for the host-name check; this
    // server has no TLS 1.3, so that fails, and says so.
    seed003_bc66_without_a_host_name_check_goes_to_host_which_needs_tls13:
        "bc66", QuectelBc66, FirmwareFriendly, Auto => TlsFails(TlsFailure::ProtocolVersion);
    seed003_bc66_sni_server_with_tls13_goes_to_host_for_the_host_name_check:
        "bc66", QuectelBc66, NeedsSni, Auto => Host(NeedsHostnameCheck);
    seed003_bc66_offload_only_without_a_host_name_check_is_refused:
        "bc66", QuectelBc66, FirmwareFriendly, Offload
            => ConfigFails(ConfigError::NoHostnameCheck);
    // Seed 004: TLS 1.3 and ChaCha20 only -> no common cipher, host TLS 1.3.
    seed004_bg96_modern_only_falls_back_to_host:
        "bg96", QuectelBg9x, ModernOnly, Auto => Host(Fallback(TlsFailure::NoCommonCipher));
    seed004_bc66_modern_only_falls_back_to_host:
        "bc66", QuectelBc66, ModernOnly, Auto + chain_only
            => Host(Fallback(TlsFailure::NoCommonCipher));
    seed004_bc66_offload_only_names_no_common_cipher:
        "bc66", QuectelBc66, ModernOnly, Offload + chain_only
            => TlsFails(TlsFailure::NoCommonCipher);
    // Seed 000: a server that needs SNI.
    seed000_bg96_sni_server_stays_offloaded:
        "bg96", QuectelBg9x, NeedsSni, Auto => Offload(CapabilitiesCover);
    seed000_bg96_old_firmware_needs_sni_goes_to_host:
        "bg96-nosni", QuectelBg9x, NeedsSni, Auto => Host(Fallback(TlsFailure::SniRequired));
    seed000_bc66_offload_only_is_sni_required:
        "bc66", QuectelBc66, NeedsSni, Offload + chain_only => TlsFails(TlsFailure::SniRequired);
    seed000_bc66_sni_server_goes_to_host:
        "bc66", QuectelBc66, NeedsSni, Auto + chain_only
            => Host(Fallback(TlsFailure::SniRequired));
    // A certificate from an untrusted CA fails on every path, without a switch.
    untrusted_ca_bg96_fails_offloaded:
        "bg96", QuectelBg9x, WrongCa, Offload => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_bc66_fails_offloaded:
        "bc66", QuectelBc66, WrongCa, Offload + chain_only
            => TlsFails(TlsFailure::CertificateRejected);
    // The host path over each family's raw socket.
    host_bg96_modern_only:
        "bg96", QuectelBg9x, ModernOnly, Host => Host(Requested);
    host_bc66_modern_only:
        "bc66", QuectelBc66, ModernOnly, Host => Host(Requested);
    // Seed 001 (M66/M95: TLS 1.0-1.2 with RSA key exchange only, no SNI,
    // no host-name check). A modern server (ECDHE only, and TLS 1.3): the
    // firmware finds no common cipher, host TLS 1.3 over the QI raw
    // socket works, Auto falls back to it.
    seed001_m95_modern_only_offload_only_names_no_common_cipher:
        "m95", QuectelM95, ModernOnly, Offload + chain_only
            => TlsFails(TlsFailure::NoCommonCipher);
    seed001_m95_modern_only_falls_back_to_host:
        "m95", QuectelM95, ModernOnly, Auto + chain_only
            => Host(Fallback(TlsFailure::NoCommonCipher));
    seed001_m66_modern_only_falls_back_to_host:
        "m66", QuectelM95, ModernOnly, Auto + chain_only
            => Host(Fallback(TlsFailure::NoCommonCipher));
    seed001_m95_without_a_host_name_check_goes_to_host:
        "m95", QuectelM95, ModernOnly, Auto => Host(NeedsHostnameCheck);
    host_m95_modern_only:
        "m95", QuectelM95, ModernOnly, Host => Host(Requested);
    host_m66_modern_only:
        "m66", QuectelM95, ModernOnly, Host => Host(Requested);
    // A server that still takes TLS_RSA_WITH_AES_128_CBC_SHA: offloaded,
    // the CA written to a RAM: file with AT+QSECWRITE and its checksum
    // checked.
    seed001_m95_rsa_kex_server_stays_offloaded_with_a_private_ca:
        "m95", QuectelM95, RsaKexOnly, Auto + chain_only => Offload(CapabilitiesCover);
    seed001_m66_rsa_kex_server_offloaded:
        "m66", QuectelM95, RsaKexOnly, Offload + chain_only => Offload(Requested);
    seed001_m95_offload_only_without_a_host_name_check_is_refused:
        "m95", QuectelM95, RsaKexOnly, Offload => ConfigFails(ConfigError::NoHostnameCheck);
    // A wrong CA is rejected on both paths, and Auto does not switch.
    untrusted_ca_m95_fails_offloaded:
        "m95", QuectelM95, WrongCa, Offload + chain_only
            => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_m95_fails_on_the_host_path:
        "m95", QuectelM95, WrongCa, Host => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_m95_auto_does_not_fall_back:
        "m95", QuectelM95, WrongCa, Auto + chain_only
            => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_m66_auto_does_not_fall_back:
        "m66", QuectelM95, WrongCa, Auto + chain_only
            => TlsFails(TlsFailure::CertificateRejected);

    // Sierra HL8548 / HL78xx: no host-name check and no SNI in any
    // firmware (a private CA's chain-only check accepted, as for the BC66).
    // Seed 002: a virtual host that needs SNI (+KHTTPS_ERROR: 1,4 there):
    // the probe names it, Auto takes the host path with SNI.
    seed002_hl8548_offload_only_is_sni_required:
        "hl8548", SierraHl, NeedsSni, Offload + chain_only => TlsFails(TlsFailure::SniRequired);
    seed002_hl8548_sni_server_goes_to_host:
        "hl8548", SierraHl, NeedsSni, Auto + chain_only => Host(Fallback(TlsFailure::SniRequired));
    seed002_hl78xx_45_sni_server_goes_to_host:
        "hl78xx-4.5", SierraHl, NeedsSni, Auto + chain_only => Host(Fallback(TlsFailure::SniRequired));
    seed002_hl78xx_46_sni_server_goes_to_host:
        "hl78xx-4.6", SierraHl, NeedsSni, Auto + chain_only => Host(Fallback(TlsFailure::SniRequired));
    // Seed 002's other half (1,13): the CA is given as PEM; the HL8548
    // takes DER only, so it goes up converted and the firmware verifies.
    seed002_hl8548_pem_ca_converted_to_der_verifies_offloaded:
        "hl8548", SierraHl, FirmwareFriendly, Auto + chain_only => Offload(CapabilitiesCover);
    hl78xx_45_firmware_friendly_stays_offloaded:
        "hl78xx-4.5", SierraHl, FirmwareFriendly, Auto + chain_only => Offload(CapabilitiesCover);
    hl78xx_46_firmware_friendly_stays_offloaded:
        "hl78xx-4.6", SierraHl, FirmwareFriendly, Offload + chain_only => Offload(Requested);
    // Without the chain-only acceptance Auto goes to the host path for
    // the host-name check the firmware lacks.
    hl8548_without_a_host_name_check_goes_to_host:
        "hl8548", SierraHl, NeedsSni, Auto => Host(NeedsHostnameCheck);
    // A certificate from an untrusted CA fails on both paths, no fallback.
    untrusted_ca_hl8548_fails_offloaded:
        "hl8548", SierraHl, WrongCa, Offload + chain_only => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_hl8548_auto_does_not_fall_back:
        "hl8548", SierraHl, WrongCa, Auto + chain_only => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_hl8548_fails_on_host:
        "hl8548", SierraHl, WrongCa, Host => TlsFails(TlsFailure::CertificateRejected);
    untrusted_ca_hl78xx_46_fails_offloaded:
        "hl78xx-4.6", SierraHl, WrongCa, Offload + chain_only => TlsFails(TlsFailure::CertificateRejected);
    // Firmware 4.6 dropped RSA key exchange: a server with nothing else
    // on TLS 1.2 is out of its reach; 4.5 still reaches it.
    hl78xx_46_rsa_kex_only_server_offload_is_no_common_cipher:
        "hl78xx-4.6", SierraHl, RsaKexSha2, Offload + chain_only => TlsFails(TlsFailure::NoCommonCipher);
    hl78xx_46_rsa_kex_only_server_falls_back_to_host:
        "hl78xx-4.6", SierraHl, RsaKexSha2, Auto + chain_only => Host(Fallback(TlsFailure::NoCommonCipher));
    hl78xx_46_rsa_kex_only_server_on_host:
        "hl78xx-4.6", SierraHl, RsaKexSha2, Host => Host(Requested);
    hl78xx_45_rsa_kex_only_server_stays_offloaded:
        "hl78xx-4.5", SierraHl, RsaKexSha2, Auto + chain_only => Offload(CapabilitiesCover);
}

/// An RSA-2048 chain's TLS 1.3 flight (~3 KB) arrives at once and the
/// BC66's 2,168-byte raw receive buffer drops the rest: the host path fails
/// with the modem's buffer overflow as its cause, never with bytes missing.
#[test]
fn bc66_host_flight_larger_than_its_buffer_is_a_buffer_overflow() {
    blocking::run(Row {
        profile: "bc66",
        family: Family::QuectelBc66,
        server: Server::BigChain,
        mode: Mode::Host,
        chain_only: false,
        expect: ModemFails(ModemError::BufferOverflow),
    });
}

/// 8 KB from the server at once over a BC66 raw socket at 115,200 baud:
/// the modem keeps 2,168 bytes and drops the rest. The driver hands out
/// what arrived intact, then fails with the overflow as the cause: never a
/// stream with a hole in it.
#[test]
fn bc66_8k_burst_at_115200_baud_is_delivered_up_to_the_overflow_then_named() {
    use embedded_io::Read as _;
    use modemtls::modem::TcpSocket;
    use std::io::Write as _;
    let profile = FirmwareProfile::by_name("bc66").expect("profile");
    let sim = Simulator::spawn(sim_config(profile).baud(115_200)).expect("simulator starts");
    let mut modem = AnyModem::new(TcpPort::connect(sim.addr()).expect("UART"));
    modem.set_timeouts(test_timeouts());
    modem.init().expect("init");
    modem.attach(&Apn::new("internet")).expect("attach");
    let burst: Vec<u8> = (0..8192u32).map(|i| (i % 251) as u8).collect();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sent = burst.clone();
    let server = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().expect("accept");
        c.write_all(&sent).expect("burst");
        // Keep the connection open until the client is done.
        std::thread::sleep(Duration::from_secs(3));
    });
    let mut sock = TcpSocket::connect(&mut modem, HOST, port).expect("open");
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    let err = loop {
        match sock.read(&mut buf) {
            Ok(0) => panic!("end of stream after {} bytes", got.len()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break e,
        }
    };
    assert_eq!(err, ModemError::BufferOverflow);
    assert!(got.len() <= 2_168, "{} bytes", got.len());
    assert_eq!(
        got,
        burst[..got.len()],
        "what was delivered is the stream's start, intact"
    );
    sock.close().expect("close");
    server.join().expect("server");
}
