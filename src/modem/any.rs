//! One modem of any compiled-in family, chosen at init from what `ATI`
//! says: for callers that cannot know the family in advance (the C ABI, a
//! board sold with either module). Static dispatch over an enum: no `dyn`,
//! no heap; a firmware that knows its family uses that driver directly and
//! pays for one.

#[cfg(feature = "quectel-bc66")]
use super::quectel::Bc66;
use super::quectel::Bg9x;
#[cfg(feature = "sierra-hl")]
use super::sierra::SierraHl;
use super::{
    Apn, Capabilities, Family, FirmwareTls, Identity, Modem, ModemError, SocketId, Sockets,
    Timeouts, TlsParams,
};
use crate::at::DataSource;
use crate::port::Port;
use heapless::String;

/// A modem driver of whichever family [`Modem::init`] found. It starts as a
/// BG9x driver; when `ATI` names another family, init hands the port to
/// the next family's driver (BG9x, BC66, Sierra HL, as compiled in) and
/// initialises again, until one knows the model. Its size is the largest
/// driver's (no heap to box one in).
#[allow(clippy::large_enum_variant)]
pub enum AnyModem<P: Port> {
    /// Quectel BG95/BG96/BG77.
    Bg9x(Bg9x<P>),
    /// Quectel BC66/BC660K.
    #[cfg(feature = "quectel-bc66")]
    Bc66(Bc66<P>),
    /// Sierra Wireless HL8548/HL78xx.
    #[cfg(feature = "sierra-hl")]
    SierraHl(SierraHl<P>),
    /// Only while the port moves from one driver to another.
    Moving,
}

/// Forward a call to the driver in use.
macro_rules! each {
    ($self:expr, $m:ident => $e:expr, $moving:expr) => {
        match $self {
            AnyModem::Bg9x($m) => $e,
            #[cfg(feature = "quectel-bc66")]
            AnyModem::Bc66($m) => $e,
            #[cfg(feature = "sierra-hl")]
            AnyModem::SierraHl($m) => $e,
            AnyModem::Moving => $moving,
        }
    };
}

impl<P: Port> AnyModem<P> {
    /// A driver over `port`; [`Modem::init`] picks the family.
    pub fn new(port: P) -> Self {
        AnyModem::Bg9x(Bg9x::new(port))
    }

    /// The family of the driver in use.
    pub fn family(&self) -> Family {
        match self {
            #[cfg(feature = "quectel-bc66")]
            AnyModem::Bc66(_) => Family::QuectelBc66,
            #[cfg(feature = "sierra-hl")]
            AnyModem::SierraHl(_) => Family::SierraHl,
            _ => Family::QuectelBg9x,
        }
    }

    /// Give the port back.
    pub fn release(self) -> Option<P> {
        match self {
            AnyModem::Bg9x(m) => Some(m.release()),
            #[cfg(feature = "quectel-bc66")]
            AnyModem::Bc66(m) => Some(m.release()),
            #[cfg(feature = "sierra-hl")]
            AnyModem::SierraHl(m) => Some(m.release()),
            AnyModem::Moving => None,
        }
    }

    /// Hand the port to the next family's driver (BG9x, BC66, Sierra HL,
    /// then BG9x again, as compiled in), keeping the timeouts.
    fn switch(&mut self) {
        let t = Modem::timeouts(self);
        *self = match core::mem::replace(self, AnyModem::Moving) {
            AnyModem::Bg9x(m) => Self::after_bg9x(m.release()),
            #[cfg(feature = "quectel-bc66")]
            AnyModem::Bc66(m) => Self::after_bc66(m.release()),
            #[cfg(feature = "sierra-hl")]
            AnyModem::SierraHl(m) => AnyModem::Bg9x(Bg9x::new(m.release())),
            AnyModem::Moving => AnyModem::Moving,
        };
        Modem::set_timeouts(self, t);
    }

    /// The driver tried after the BG9x's.
    fn after_bg9x(port: P) -> Self {
        #[cfg(feature = "quectel-bc66")]
        return AnyModem::Bc66(Bc66::new(port));
        #[cfg(all(not(feature = "quectel-bc66"), feature = "sierra-hl"))]
        return AnyModem::SierraHl(SierraHl::new(port));
        #[cfg(not(any(feature = "quectel-bc66", feature = "sierra-hl")))]
        return AnyModem::Bg9x(Bg9x::new(port));
    }

    /// The driver tried after the BC66's.
    #[cfg(feature = "quectel-bc66")]
    fn after_bc66(port: P) -> Self {
        #[cfg(feature = "sierra-hl")]
        return AnyModem::SierraHl(SierraHl::new(port));
        #[cfg(not(feature = "sierra-hl"))]
        return AnyModem::Bg9x(Bg9x::new(port));
    }
}

/// The families compiled in.
const FAMILIES: usize =
    1 + cfg!(feature = "quectel-bc66") as usize + cfg!(feature = "sierra-hl") as usize;

/// The driver was lost moving the port (cannot happen: `switch` always puts
/// one back); reported as a modem that does not answer.
const MOVING: ModemError = ModemError::NotResponding;

impl<P: Port> Modem for AnyModem<P> {
    /// Init with the driver in use; when the modem is of another family
    /// (`UnsupportedModel`), switch to the next driver and init again,
    /// once per compiled-in family.
    fn init(&mut self) -> Result<&Identity, ModemError> {
        for _ in 1..FAMILIES {
            let r = each!(self, m => m.init().map(|_| ()), Err(MOVING));
            if r != Err(ModemError::UnsupportedModel) {
                r?;
                break;
            }
            self.switch();
        }
        each!(self, m => m.init(), Err(MOVING))
    }
    fn identity(&self) -> &Identity {
        const NONE: &Identity = &Identity {
            manufacturer: String::new(),
            model: String::new(),
            revision: String::new(),
            firmware: String::new(),
        };
        each!(self, m => Modem::identity(m), NONE)
    }
    fn capabilities(&self) -> &Capabilities {
        const NONE: &Capabilities = &Capabilities::NONE;
        each!(self, m => Modem::capabilities(m), NONE)
    }
    fn timeouts(&self) -> Timeouts {
        each!(self, m => Modem::timeouts(m), Timeouts::default())
    }
    fn set_timeouts(&mut self, t: Timeouts) {
        each!(self, m => Modem::set_timeouts(m, t), ())
    }
    fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError> {
        each!(self, m => Modem::attach(m, apn), Err(MOVING))
    }
    fn now_ms(&mut self) -> u64 {
        each!(self, m => Modem::now_ms(m), 0)
    }
    fn port_unix_time(&mut self) -> Option<u64> {
        each!(self, m => Modem::port_unix_time(m), None)
    }
    fn network_time(&mut self) -> Result<u64, ModemError> {
        each!(self, m => Modem::network_time(m), Err(MOVING))
    }
}

impl<P: Port> Sockets for AnyModem<P> {
    fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
        each!(self, m => Sockets::tcp_open(m, host, port), Err(MOVING))
    }
    fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError> {
        each!(self, m => Sockets::send(m, id, data), Err(MOVING))
    }
    fn recv_wait(
        &mut self,
        id: SocketId,
        buf: &mut [u8],
        timeout_ms: u32,
    ) -> Result<usize, ModemError> {
        each!(self, m => Sockets::recv_wait(m, id, buf, timeout_ms), Err(MOVING))
    }
    fn close(&mut self, id: SocketId) -> Result<(), ModemError> {
        each!(self, m => Sockets::close(m, id), Err(MOVING))
    }
}

impl<P: Port> FirmwareTls for AnyModem<P> {
    fn check_clock(&mut self) -> Result<(), ModemError> {
        each!(self, m => FirmwareTls::check_clock(m), Err(MOVING))
    }
    fn store_credential(
        &mut self,
        name: &str,
        len: usize,
        source: DataSource<'_>,
    ) -> Result<bool, ModemError> {
        each!(self, m => FirmwareTls::store_credential(m, name, len, source), Err(MOVING))
    }
    fn forget_credential(&mut self, name: &str) {
        each!(self, m => FirmwareTls::forget_credential(m, name), ())
    }
    fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
        each!(self, m => FirmwareTls::tls_open(m, p), Err(MOVING))
    }
}
