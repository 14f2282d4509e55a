//! Test helpers: a raw-byte "host" on the simulator's UART.
#![allow(dead_code)]

use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator};
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

/// Host name the test servers answer to.
pub const HOST: &str = "server.test";

/// Escaped form for assertion messages.
pub fn show(b: &[u8]) -> String {
    b.iter()
        .map(|&c| match c {
            b'\r' => "\\r".to_string(),
            b'\n' => "\\n".to_string(),
            0x20..=0x7e => (c as char).to_string(),
            _ => format!("\\x{c:02x}"),
        })
        .collect()
}

/// The MCU side of the UART.
pub struct Host {
    pub s: TcpStream,
    pub buf: Vec<u8>,
}

impl Host {
    pub fn connect(sim: &SimHandle) -> Host {
        let s = TcpStream::connect(sim.addr()).expect("connect UART");
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        Host { s, buf: Vec::new() }
    }

    /// Connects, checks the boot banner and turns echo off.
    pub fn boot(sim: &SimHandle) -> Host {
        let mut h = Host::connect(sim);
        h.expect(b"\r\nRDY\r\n\r\nAPP RDY\r\n");
        h.send(b"ATE0\r");
        h.expect(b"ATE0\r\r\nOK\r\n");
        h
    }

    pub fn send(&mut self, b: &[u8]) {
        self.s.write_all(b).expect("UART write");
    }

    fn fill(&mut self, deadline: Instant) -> bool {
        let mut tmp = [0u8; 4096];
        while Instant::now() < deadline {
            match self.s.read(&mut tmp) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return true;
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("UART read: {e}"),
            }
        }
        false
    }

    /// Reads exactly `want.len()` bytes (10 s limit) and compares them.
    pub fn expect(&mut self, want: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.buf.len() < want.len() {
            if !self.fill(deadline) && Instant::now() >= deadline {
                break;
            }
        }
        let n = want.len().min(self.buf.len());
        let got: Vec<u8> = self.buf.drain(..n).collect();
        assert_eq!(show(&got), show(want));
    }

    /// Reads exactly `n` bytes (10 s limit).
    pub fn take(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.buf.len() < n {
            if !self.fill(deadline) && Instant::now() >= deadline {
                panic!("timeout waiting for {n} bytes; have {}", self.buf.len());
            }
        }
        self.buf.drain(..n).collect()
    }

    /// Reads up to and including `pat` (10 s limit).
    pub fn until(&mut self, pat: &[u8]) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(p) = self.buf.windows(pat.len()).position(|w| w == pat) {
                return self.buf.drain(..p + pat.len()).collect();
            }
            if !self.fill(deadline) && Instant::now() >= deadline {
                panic!(
                    "timeout waiting for {:?}; have {:?}",
                    show(pat),
                    show(&self.buf)
                );
            }
        }
    }

    /// Nothing more arrives within `ms`.
    pub fn quiet(&mut self, ms: u64) {
        let deadline = Instant::now() + Duration::from_millis(ms);
        while self.fill(deadline) {}
        assert!(
            self.buf.is_empty(),
            "unexpected output {:?}",
            show(&self.buf)
        );
    }

    /// Sends `AT...\r` and expects the exact answer (echo off).
    pub fn cmd(&mut self, c: &str, want: &str) {
        self.send(format!("{c}\r").as_bytes());
        self.expect(want.as_bytes());
    }

    /// PDP context 1 up.
    pub fn attach(&mut self) {
        self.cmd("AT+QICSGP=1,1,\"internet\",\"\",\"\",0", "\r\nOK\r\n");
        self.cmd("AT+QIACT=1", "\r\nOK\r\n");
    }
}

pub fn config(profile: FirmwareProfile) -> SimConfig {
    SimConfig::new(profile).host(HOST, IpAddr::V4(Ipv4Addr::LOCALHOST))
}

pub fn sim() -> SimHandle {
    Simulator::spawn(config(FirmwareProfile::bg96())).expect("simulator")
}
