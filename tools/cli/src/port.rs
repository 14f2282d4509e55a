//! The modem's UART for the tool: the simulator (or a serial-to-TCP
//! bridge) at `tcp://HOST:PORT`, or a serial device such as `/dev/ttyUSB2`.

use modemtls::port::{Port, PortError, TcpPort};
use std::cell::Cell;
use std::io::{ErrorKind, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Hardware (RTS/CTS) or no flow control on a serial device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Flow {
    /// RTS/CTS: what the modem evaluation boards wire and the modems default to.
    Hardware,
    /// None (three-wire UART).
    None,
}

/// A [`Port`] over a serial device.
pub struct SerialUart {
    dev: Box<dyn serialport::SerialPort>,
    start: Instant,
}

impl SerialUart {
    /// Open `path` at `baud` 8N1 with `flow` control.
    pub fn open(path: &str, baud: u32, flow: Flow) -> Result<Self, String> {
        let dev = serialport::new(path, baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(match flow {
                Flow::Hardware => serialport::FlowControl::Hardware,
                Flow::None => serialport::FlowControl::None,
            })
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| format!("cannot open serial port {path}: {e}"))?;
        Ok(Self {
            dev,
            start: Instant::now(),
        })
    }
}

impl Port for SerialUart {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        self.dev.write_all(data).map_err(|e| match e.kind() {
            ErrorKind::BrokenPipe | ErrorKind::NotConnected => PortError::Closed,
            _ => PortError::Io,
        })?;
        self.dev.flush().map_err(|_| PortError::Io)
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.dev
            .set_timeout(Duration::from_millis(u64::from(timeout_ms.max(1))))
            .map_err(|_| PortError::Io)?;
        match self.dev.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => Ok(0),
            Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::NotConnected) => {
                Err(PortError::Closed)
            }
            Err(_) => Err(PortError::Io),
        }
    }

    fn now_ms(&mut self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The UART bytes each way so far (out, in), shared with the port the
/// driver owns.
#[derive(Clone, Default)]
pub struct Totals(Rc<Cell<(u64, u64)>>);

impl Totals {
    /// Bytes written to and read from the modem so far.
    pub fn get(&self) -> (u64, u64) {
        self.0.get()
    }
}

/// The tool's port: one of the two transports, counting its bytes.
pub struct CliPort {
    inner: Inner,
    totals: Totals,
}

enum Inner {
    Tcp(TcpPort),
    Serial(SerialUart),
}

impl CliPort {
    /// Open `spec`: `tcp://HOST:PORT` or a serial device path.
    pub fn open(spec: &str, baud: u32, flow: Flow) -> Result<Self, String> {
        let inner = match spec.strip_prefix("tcp://") {
            Some(addr) => Inner::Tcp(
                TcpPort::connect(addr).map_err(|e| format!("cannot connect to {spec}: {e}"))?,
            ),
            None => Inner::Serial(SerialUart::open(spec, baud, flow)?),
        };
        Ok(Self {
            inner,
            totals: Totals::default(),
        })
    }

    /// The byte counters (a handle that stays valid after the port is
    /// moved into a driver).
    pub fn totals(&self) -> Totals {
        self.totals.clone()
    }
}

impl Port for CliPort {
    fn write_all(&mut self, data: &[u8]) -> Result<(), PortError> {
        let (o, i) = self.totals.0.get();
        self.totals.0.set((o + data.len() as u64, i));
        match &mut self.inner {
            Inner::Tcp(p) => p.write_all(data),
            Inner::Serial(p) => p.write_all(data),
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, PortError> {
        let n = match &mut self.inner {
            Inner::Tcp(p) => p.read(buf, timeout_ms),
            Inner::Serial(p) => p.read(buf, timeout_ms),
        }?;
        let (o, i) = self.totals.0.get();
        self.totals.0.set((o, i + n as u64));
        Ok(n)
    }

    fn now_ms(&mut self) -> u64 {
        match &mut self.inner {
            Inner::Tcp(p) => p.now_ms(),
            Inner::Serial(p) => p.now_ms(),
        }
    }
}
