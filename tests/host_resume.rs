//! Session resumption on the host path (RFC 8446 §2.2, PSK with
//! `psk_dhe_ke`) through the simulated BG96 against a real OpenSSL server:
//! the ticket from one session resumes the next (no certificate crosses the
//! UART, fewer bytes), survives `save`/`restore`, is refused when damaged,
//! is not offered to another name, port or trust configuration, and a
//! server that does not take it (another server instance) simply runs a
//! full handshake.

mod common;

use common::{rig, Rig, HOST};
use embedded_io::{Read, Write};
use modemtls::host::{self, HostBuffers, MIN_READ_BUF};
use modemtls::session::{Credential, Mode, SessionConfig, SessionInfo};
use modemtls::tls::Ticket;
use modemtls_testkit::server::{ServerOpts, TlsServer};
use modemtls_testkit::{server_creds, KeyKind, ServerCreds, TlsVersions};

struct Bench {
    r: Rig,
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: modemtls::tls::ClientState,
}

impl Bench {
    fn new() -> Self {
        Bench {
            r: rig(),
            read: vec![0; MIN_READ_BUF],
            write: vec![0; 2048],
            scratch: vec![0; 4096],
            state: modemtls::tls::ClientState::new(),
        }
    }

    /// One echo exchange; returns the session's info.
    fn session(&mut self, host: &str, port: u16, ca: &[u8], ticket: &mut Ticket) -> SessionInfo {
        let cfg = SessionConfig::new(host, port)
            .trust(Credential::Pem(ca))
            .mode(Mode::Host);
        let mut s = host::connect(
            &mut self.r.modem,
            &cfg,
            &mut rand_core::OsRng,
            HostBuffers {
                read: &mut self.read,
                write: &mut self.write,
                scratch: &mut self.scratch,
                state: &mut self.state,
                ticket: Some(ticket),
            },
        )
        .expect("handshake");
        let info = s.info();
        s.write_all(b"ping").unwrap();
        s.flush().unwrap();
        let mut got = [0u8; 4];
        let mut n = 0;
        while n < 4 {
            n += s.read(&mut got[n..]).expect("echo");
        }
        assert_eq!(&got, b"ping");
        s.close().expect("close");
        info
    }
}

fn echo_server(creds: &ServerCreds) -> TlsServer {
    TlsServer::spawn(ServerOpts {
        tls: TlsVersions::Tls13Only,
        ..ServerOpts::from_creds(creds)
    })
    .expect("server")
}

#[test]
fn a_ticket_resumes_the_next_session_and_survives_save_and_restore() {
    let creds = server_creds(HOST, KeyKind::Rsa2048);
    let server = echo_server(&creds);
    let mut b = Bench::new();
    let mut ticket = Ticket::new();

    let full = b.session(HOST, server.port(), &creds.ca_pem, &mut ticket);
    assert!(!full.resumed);
    assert_eq!(full.peer.as_str(), HOST);
    assert!(ticket.is_valid(), "the server's NewSessionTicket was kept");

    let resumed = b.session(HOST, server.port(), &creds.ca_pem, &mut ticket);
    assert!(resumed.resumed, "{resumed:?}");
    assert!(resumed.verified);
    assert_eq!(
        resumed.peer.as_str(),
        "",
        "no certificate in a resumed session"
    );

    // Saved to "flash" and restored after a "reboot".
    let mut saved = [0u8; Ticket::SERIALIZED_MAX];
    let n = ticket.save(&mut saved).unwrap();
    let mut restored = Ticket::restore(&saved[..n]).unwrap();
    let again = b.session(HOST, server.port(), &creds.ca_pem, &mut restored);
    assert!(again.resumed);

    // Damaged in storage: refused, never offered.
    let mut bad = saved;
    bad[n / 2] ^= 1;
    assert!(Ticket::restore(&bad[..n]).is_err());

    let records = server.wait_connections(3, std::time::Duration::from_secs(10));
    let resumed_on_server: Vec<bool> = records.iter().map(|r| r.resumed).collect();
    assert_eq!(resumed_on_server, [false, true, true]);
}

#[test]
fn a_ticket_is_only_offered_to_the_configuration_that_earned_it() {
    let creds = server_creds(HOST, KeyKind::P256);
    let server = echo_server(&creds);
    let mut b = Bench::new();
    let mut ticket = Ticket::new();
    let first = b.session(HOST, server.port(), &creds.ca_pem, &mut ticket);
    assert!(!first.resumed);
    assert!(ticket.is_valid());

    // Another trust configuration (the same CA plus another one): a full
    // handshake, verified under the new configuration.
    let other_ca = server_creds(HOST, KeyKind::P256).ca_pem;
    let mut both = creds.ca_pem.clone();
    both.extend_from_slice(&other_ca);
    let copy = || {
        let mut s = [0u8; Ticket::SERIALIZED_MAX];
        let n = ticket.save(&mut s).unwrap();
        Ticket::restore(&s[..n]).unwrap()
    };
    let other_trust = b.session(HOST, server.port(), &both, &mut copy());
    assert!(!other_trust.resumed);

    // Another server under the same name and port would not know the
    // ticket; on another port it is not even offered. Either way: a full
    // handshake.
    let server2 = echo_server(&creds);
    let fresh = b.session(HOST, server2.port(), &creds.ca_pem, &mut copy());
    assert!(!fresh.resumed, "another port: not offered");
    assert!(server.connections().iter().all(|r| !r.resumed));
    // And back to the first server with the original trust: resumed.
    let back = b.session(HOST, server.port(), &creds.ca_pem, &mut ticket);
    assert!(back.resumed);
    assert!(server2.connections().iter().all(|r| !r.resumed));
}

#[test]
fn alpn_is_offered_and_the_servers_choice_reported() {
    use modemtls_testkit::{SServer, SServerMode, SServerOpts};
    let creds = server_creds(HOST, KeyKind::P256);
    let server = SServer::spawn(SServerOpts {
        tls: TlsVersions::Tls13Only,
        mode: SServerMode::Rev,
        extra_args: vec!["-alpn".into(), "mqtt".into()],
        ..SServerOpts::from_creds(&creds)
    })
    .expect("s_server");
    let mut b = Bench::new();
    let cfg = SessionConfig::new(HOST, server.port())
        .trust(Credential::Pem(&creds.ca_pem))
        .mode(Mode::Host)
        .alpn(&[b"h2", b"mqtt"]);
    let s = host::connect(
        &mut b.r.modem,
        &cfg,
        &mut rand_core::OsRng,
        HostBuffers {
            read: &mut b.read,
            write: &mut b.write,
            scratch: &mut b.scratch,
            state: &mut b.state,
            ticket: None,
        },
    )
    .expect("handshake");
    assert_eq!(s.alpn(), b"mqtt");
    s.close().unwrap();
    // Auto goes straight to the host path: firmware TLS has no ALPN.
    let plan = modemtls::auto::plan(
        &modemtls::modem::Capabilities::quectel_bg9x("BG96", "BG96MAR02A07M1G"),
        &cfg.mode(Mode::Auto),
        None,
    );
    assert_eq!(plan.reason, modemtls::session::PathReason::NeedsAlpn);
}
