//! The bench of the hostile-server tests (`host_hostile`, `tls_hostile`):
//! a simulated BG96, the host TLS memory and a scripted hostile TLS 1.3
//! server (testkit `hostile`). Every session is checked to end with the
//! modem socket closed (the server saw the client's close) and, if it
//! failed with a TLS error, to stay failed.
#![allow(dead_code)]

use crate::common::{rig, Rig, HOST};
use embedded_io::{Read, Write};
use modemtls::auto::{self, PathCache, Session, Step};
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

/// A simulated BG96, its host TLS memory and a hostile server.
pub struct Bench {
    pub r: Rig,
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
            r: rig(),
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
        let mut fell_back = false;
        let mut rng = rand_core::OsRng;
        let opened = auto::connect_observed(
            &mut self.r.modem,
            &cfg,
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
        );
        let mut out = Outcome {
            connect: Ok(()),
            path: None,
            got: Vec::new(),
            end: Ok(()),
            fell_back,
            log: ConnLog::default(),
        };
        match opened {
            Err(e) => out.connect = Err(e),
            Ok(mut s) => {
                let info = s.info();
                out.path = Some((info.path, info.reason));
                let mut buf = [0u8; 256];
                out.end = steps
                    .iter()
                    .try_for_each(|step| do_step(&mut s, step, &mut out.got))
                    .and_then(|()| loop {
                        match s.read(&mut buf) {
                            Ok(0) => break Ok(()),
                            Ok(n) => out.got.extend_from_slice(&buf[..n]),
                            Err(e) => break Err(e),
                        }
                    });
                if let Err(e) = out.end {
                    // A failed session stays failed.
                    assert_eq!(s.read(&mut buf).err(), Some(e), "sticky error");
                }
                let _ = s.close();
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

fn do_step<M: modemtls::modem::FirmwareTls>(
    s: &mut Session<'_, '_, M>,
    step: &Do,
    got: &mut Vec<u8>,
) -> Result<(), Error> {
    match step {
        Do::ReadUntil(n) => {
            let mut buf = [0u8; 256];
            while got.len() < *n {
                match s.read(&mut buf)? {
                    0 => break,
                    k => got.extend_from_slice(&buf[..k]),
                }
            }
            Ok(())
        }
        Do::Write(bytes) => {
            s.write_all(bytes)?;
            s.flush()
        }
        Do::UpdateKeys => match s {
            Session::Host(h) => h.update_keys(),
            Session::Offload(_) => panic!("KeyUpdate on an offloaded session"),
        },
    }
}

/// A host TLS error of `failure` naming `record_type`.
pub fn tls(failure: TlsFailure, record_type: Option<u8>) -> Error {
    Error::Tls(TlsError {
        record_type,
        ..TlsError::new(failure, Path::Host)
    })
}
