//! The bench of the hostile-server tests (`host_hostile`, `tls_hostile`):
//! a simulated BG96, the host TLS memory and a scripted hostile TLS 1.3
//! server (testkit `hostile`). Every session is checked to end with the
//! modem socket closed (the server saw the client's close) and, if it
//! failed with a TLS error, to stay failed.
//!
//! `MODEMTLS_FRONT=async` runs every session through the async front (the
//! same driver and session procedures, awaited, on `port::asynch::IoPort`)
//! instead of the blocking one: `tools/test.sh` runs the hostile tests
//! both ways.
#![allow(dead_code)]

use crate::common::asynch::block_on;
use crate::common::{rig, test_timeouts, Rig, HOST};
use modemtls::auto::{PathCache, Step};
use modemtls::error::{Error, TlsError, TlsFailure};
use modemtls::host::{HostBuffers, MIN_READ_BUF};
use modemtls::session::{Credential, Mode, Path, PathReason, SessionConfig};
use modemtls_testkit::hostile::{ConnLog, HostileServer, Script};
use modemtls_testkit::{server_creds, KeyKind, ServerCreds};

/// What one session saw.
#[derive(Debug)]
pub struct Outcome {
    /// The handshake's error, if it failed.
    pub connect: Result<(), Error>,
    /// The path and reason of an open session.
    pub path: Option<(Path, PathReason)>,
    /// Application data read before the end.
    pub got: Vec<u8>,
    /// How the session ended: `Ok` for close_notify.
    pub end: Result<(), Error>,
    /// Auto tried the offloaded path first and fell back.
    pub fell_back: bool,
    /// The server's log of the TLS 1.3 connection.
    pub log: ConnLog,
}

/// What the client does on an open session before it reads to the end.
#[derive(Clone, Debug)]
pub enum Do {
    /// Read until this many bytes of application data arrived in all.
    ReadUntil(usize),
    /// Write these bytes and flush.
    Write(Vec<u8>),
    /// Ask for new traffic keys both ways (host sessions).
    UpdateKeys,
}

/// The modem of a bench, on one front or the other.
enum Front {
    Blocking(Rig),
    Async {
        _sim: modemtls_sim::SimHandle,
        modem: modemtls::asynch::Bg9x<
            modemtls::port::asynch::IoPort<modemtls::port::TcpUart, modemtls::port::StdClock>,
        >,
    },
}

impl Front {
    /// The front `MODEMTLS_FRONT` names (blocking unless `async`).
    fn from_env() -> Self {
        if std::env::var("MODEMTLS_FRONT").as_deref() != Ok("async") {
            return Front::Blocking(rig());
        }
        use modemtls::modem::Apn;
        use modemtls::port::{asynch::IoPort, StdClock, TcpUart};
        let sim = modemtls_sim::Simulator::spawn(crate::common::sim_config(
            modemtls_sim::FirmwareProfile::bg96(),
        ))
        .expect("simulator starts");
        let uart = TcpUart::connect(sim.addr()).expect("connect to simulator UART");
        let mut modem = modemtls::asynch::Bg9x::new(IoPort::new(uart, StdClock::new()));
        modem.set_timeouts(test_timeouts());
        block_on(async {
            modem.init().await.expect("modem init");
            modem.attach(&Apn::new("internet")).await.expect("attach");
        });
        Front::Async { _sim: sim, modem }
    }
}

/// A simulated BG96, its host TLS memory and a hostile server.
pub struct Bench {
    front: Front,
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: modemtls::tls::ClientState,
    pub creds: ServerCreds,
    pub server: HostileServer,
    sessions: usize,
}

impl Bench {
    /// A bench whose host read buffer is [`MIN_READ_BUF`].
    pub fn new() -> Self {
        Self::with_read_buf(MIN_READ_BUF)
    }

    /// A bench whose host read buffer is `len` bytes.
    pub fn with_read_buf(len: usize) -> Self {
        let creds = server_creds(HOST, KeyKind::P256);
        let server = HostileServer::spawn(&creds, Script::default()).expect("server starts");
        Bench {
            front: Front::from_env(),
            read: vec![0; len],
            write: vec![0; 4096],
            scratch: vec![0; 4096],
            state: modemtls::tls::ClientState::new(),
            creds,
            server,
            sessions: 0,
        }
    }

    /// One session with `script` on `mode`, read to its end.
    pub fn run(&mut self, mode: Mode, script: Script) -> Outcome {
        self.run_doing(mode, script, &[])
    }

    /// One session with `script` on `mode`: `steps`, then read to its end.
    pub fn run_doing(&mut self, mode: Mode, script: Script, steps: &[Do]) -> Outcome {
        self.server.set_script(script);
        let cfg = SessionConfig::new(HOST, self.server.port())
            .trust(Credential::Pem(&self.creds.ca_pem))
            .mode(mode);
        let bufs = HostBuffers {
            read: &mut self.read,
            write: &mut self.write,
            scratch: &mut self.scratch,
            state: &mut self.state,
            ticket: None,
        };
        let mut out = Outcome {
            connect: Ok(()),
            path: None,
            got: Vec::new(),
            end: Ok(()),
            fell_back: false,
            log: ConnLog::default(),
        };
        match &mut self.front {
            Front::Blocking(r) => blocking::session(&mut r.modem, &cfg, bufs, steps, &mut out),
            Front::Async { modem, .. } => {
                block_on(asynch::session(modem, &cfg, bufs, steps, &mut out))
            }
        }
        // Each TLS 1.3 connection the server saw ended with the client's
        // close: the modem socket was freed.
        let log = self.server.wait_tls13(self.sessions);
        let last = log.last().expect("a TLS 1.3 connection");
        assert!(last.client_closed, "modem socket left open: {last:?}");
        out.log = last.clone();
        self.sessions = log.len();
        out
    }

    /// A normal session right after: the modem and the library recovered.
    pub fn next_session_works(&mut self, mode: Mode) {
        let o = self.run(mode, Script::serve(b"all good"));
        assert_eq!(o.connect, Ok(()), "next session: {o:?}");
        assert_eq!(o.got, b"all good");
        assert_eq!(o.end, Ok(()));
    }
}

/// One session on an open bench, written once for both fronts.
#[modemtls_macros::dual]
mod asynch {
    use super::*;
    use embedded_io_async::{Read, Write};
    use modemtls::auto::asynch::{connect_observed, Session};
    use modemtls::modem::asynch::FirmwareTls;

    /// Connect with `cfg`, do `steps`, read to the end, close; into `out`.
    pub async fn session<M: FirmwareTls>(
        modem: &mut M,
        cfg: &SessionConfig<'_>,
        bufs: HostBuffers<'_>,
        steps: &[Do],
        out: &mut Outcome,
    ) {
        let mut fell_back = false;
        let mut rng = rand_core::OsRng;
        let opened = connect_observed(
            modem,
            cfg,
            &mut rng,
            bufs,
            None::<&mut PathCache<1>>,
            &mut |s| {
                if let Step::OffloadFailed {
                    fallback: Some(_), ..
                } = s
                {
                    fell_back = true;
                }
            },
        )
        .await;
        out.fell_back = fell_back;
        match opened {
            Err(e) => out.connect = Err(e),
            Ok(mut s) => {
                let info = s.info();
                out.path = Some((info.path, info.reason));
                let mut buf = [0u8; 256];
                out.end = Ok(());
                for step in steps {
                    if let Err(e) = do_step(&mut s, step, &mut out.got).await {
                        out.end = Err(e);
                        break;
                    }
                }
                if out.end.is_ok() {
                    out.end = loop {
                        match s.read(&mut buf).await {
                            Ok(0) => break Ok(()),
                            Ok(n) => out.got.extend_from_slice(&buf[..n]),
                            Err(e) => break Err(e),
                        }
                    };
                }
                if let Err(e) = out.end {
                    // A failed session stays failed.
                    assert_eq!(s.read(&mut buf).await.err(), Some(e), "sticky error");
                }
                let _ = s.close().await;
            }
        }
    }

    async fn do_step<M: FirmwareTls>(
        s: &mut Session<'_, '_, M>,
        step: &Do,
        got: &mut Vec<u8>,
    ) -> Result<(), Error> {
        match step {
            Do::ReadUntil(n) => {
                let mut buf = [0u8; 256];
                while got.len() < *n {
                    match s.read(&mut buf).await? {
                        0 => break,
                        k => got.extend_from_slice(&buf[..k]),
                    }
                }
                Ok(())
            }
            Do::Write(bytes) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            Do::UpdateKeys => match s {
                Session::Host(h) => h.update_keys(),
                Session::Offload(_) => panic!("KeyUpdate on an offloaded session"),
            },
        }
    }
}

/// A host TLS error of `failure` naming `record_type`.
pub fn tls(failure: TlsFailure, record_type: Option<u8>) -> Error {
    Error::Tls(TlsError {
        record_type,
        ..TlsError::new(failure, Path::Host)
    })
}
