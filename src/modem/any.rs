//! One modem of any compiled-in family, chosen at init from what `ATI`
//! says: for callers that cannot know the family in advance (the C ABI, a
//! board sold with either module). Static dispatch over an enum: no `dyn`,
//! no heap; a firmware that knows its family uses that driver directly and
//! pays for one.
//!
//! A family is: a variant of [`AnyModem`], its arm in `each!`, in
//! [`AnyModem::family`] and in `AnyModem::with_driver`, and its driver's
//! `is_model` in [`family_of`].

#[cfg(feature = "quectel-bc66")]
use super::quectel::Bc66;
use super::quectel::Bg9x;
#[cfg(feature = "quectel-m95")]
use super::quectel::M95;
#[cfg(feature = "sierra-hl")]
use super::sierra::SierraHl;
use super::{
    Apn, Capabilities, CredentialEntry, Family, Identity, ModemError, SocketId, Timeouts, TlsParams,
};
use crate::at::DataSource;
use crate::port::Port;
use heapless::String;

/// The compiled-in family whose driver takes the `ATI` answer read into
/// `id` by another family's driver, if any: the model line for Quectel
/// (`BG96`, `Quectel_BC66`, `Quectel_M95`, ...); a Sierra HL answers one
/// line (`HL7800`, `HL8548`), which a Quectel reader takes as the
/// manufacturer.
pub(crate) fn family_of(id: &Identity) -> Option<Family> {
    #[cfg(feature = "sierra-hl")]
    if SierraHl::<NoPort>::is_model(&id.model) || SierraHl::<NoPort>::is_model(&id.manufacturer) {
        return Some(Family::SierraHl);
    }
    let model = id.model.as_str();
    #[cfg(feature = "quectel-bc66")]
    if Bc66::<NoPort>::is_model(model) {
        return Some(Family::QuectelBc66);
    }
    #[cfg(feature = "quectel-m95")]
    if M95::<NoPort>::is_model(model) {
        return Some(Family::QuectelM95);
    }
    Bg9x::<NoPort>::is_model(model).then_some(Family::QuectelBg9x)
}

/// A type to name the drivers' `is_model` by (it needs no port).
type NoPort = &'static mut dyn Port;

#[modemtls_macros::dual]
pub mod asynch {
    use super::*;
    use crate::modem::asynch::{FirmwareTls, Modem, Sockets};
    #[cfg(feature = "quectel-bc66")]
    use crate::modem::quectel::asynch::Bc66;
    use crate::modem::quectel::asynch::Bg9x;
    #[cfg(feature = "quectel-m95")]
    use crate::modem::quectel::asynch::M95;
    #[cfg(feature = "sierra-hl")]
    use crate::modem::sierra::asynch::SierraHl;
    use crate::port::asynch::Port;

    /// A modem driver of whichever family [`Modem::init`] found. It starts as a
    /// BG9x driver; when `ATI` names another family, init hands the port to
    /// that family's driver and initialises again. Its size is the largest
    /// driver's (no heap to box one in).
    #[allow(clippy::large_enum_variant)]
    pub enum AnyModem<P: Port> {
        /// Quectel BG95/BG96/BG77.
        Bg9x(Bg9x<P>),
        /// Quectel BC66/BC660K.
        #[cfg(feature = "quectel-bc66")]
        Bc66(Bc66<P>),
        /// Quectel M66/M95.
        #[cfg(feature = "quectel-m95")]
        M95(M95<P>),
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
                #[cfg(feature = "quectel-m95")]
                AnyModem::M95($m) => $e,
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
                #[cfg(feature = "quectel-m95")]
                AnyModem::M95(_) => Family::QuectelM95,
                #[cfg(feature = "sierra-hl")]
                AnyModem::SierraHl(_) => Family::SierraHl,
                _ => Family::QuectelBg9x,
            }
        }

        /// Give the port back.
        pub fn release(self) -> Option<P> {
            each!(self, m => Some(m.release()), None)
        }

        /// The driver of `family` over `port` (BG9x for a family not compiled in).
        fn with_driver(family: Family, port: P) -> Self {
            match family {
                #[cfg(feature = "quectel-bc66")]
                Family::QuectelBc66 => AnyModem::Bc66(Bc66::new(port)),
                #[cfg(feature = "quectel-m95")]
                Family::QuectelM95 => AnyModem::M95(M95::new(port)),
                #[cfg(feature = "sierra-hl")]
                Family::SierraHl => AnyModem::SierraHl(SierraHl::new(port)),
                _ => AnyModem::Bg9x(Bg9x::new(port)),
            }
        }

        /// Hand the port to the driver of `family`, keeping the timeouts.
        fn switch(&mut self, family: Family) {
            let t = Modem::timeouts(self);
            *self = match core::mem::replace(self, AnyModem::Moving).release() {
                Some(port) => Self::with_driver(family, port),
                None => AnyModem::Moving,
            };
            Modem::set_timeouts(self, t);
        }
    }

    /// The driver was lost moving the port (cannot happen: `switch` always puts
    /// one back); reported as a modem that does not answer.
    const MOVING: ModemError = ModemError::NotResponding;

    impl<P: Port> Modem for AnyModem<P> {
        /// Init with the driver in use; when `ATI` names another compiled-in
        /// family (`UnsupportedModel` with the identity read), hand the port to
        /// that family's driver and init again.
        async fn init(&mut self) -> Result<&Identity, ModemError> {
            let first = each!(self, m => m.init().await.map(|_| ()), Err(MOVING));
            if first != Err(ModemError::UnsupportedModel) {
                first?;
                return Ok(self.identity());
            }
            let family = family_of(self.identity()).ok_or(ModemError::UnsupportedModel)?;
            if family == self.family() {
                // Its own model, refused for another reason (the manufacturer).
                return Err(ModemError::UnsupportedModel);
            }
            self.switch(family);
            each!(self, m => m.init().await, Err(MOVING))
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
        async fn attach(&mut self, apn: &Apn<'_>) -> Result<String<46>, ModemError> {
            each!(self, m => Modem::attach(m, apn).await, Err(MOVING))
        }
        fn now_ms(&mut self) -> u64 {
            each!(self, m => Modem::now_ms(m), 0)
        }
        fn port_unix_time(&mut self) -> Option<u64> {
            each!(self, m => Modem::port_unix_time(m), None)
        }
        async fn network_time(&mut self) -> Result<u64, ModemError> {
            each!(self, m => Modem::network_time(m).await, Err(MOVING))
        }
    }

    impl<P: Port> Sockets for AnyModem<P> {
        async fn tcp_open(&mut self, host: &str, port: u16) -> Result<SocketId, ModemError> {
            each!(self, m => Sockets::tcp_open(m, host, port).await, Err(MOVING))
        }
        async fn send(&mut self, id: SocketId, data: &[u8]) -> Result<usize, ModemError> {
            each!(self, m => Sockets::send(m, id, data).await, Err(MOVING))
        }
        async fn recv_wait(
            &mut self,
            id: SocketId,
            buf: &mut [u8],
            timeout_ms: u32,
        ) -> Result<usize, ModemError> {
            each!(self, m => Sockets::recv_wait(m, id, buf, timeout_ms).await, Err(MOVING))
        }
        async fn close(&mut self, id: SocketId) -> Result<(), ModemError> {
            each!(self, m => Sockets::close(m, id).await, Err(MOVING))
        }
    }

    impl<P: Port> FirmwareTls for AnyModem<P> {
        async fn check_clock(&mut self) -> Result<(), ModemError> {
            each!(self, m => FirmwareTls::check_clock(m).await, Err(MOVING))
        }
        async fn store_credential(
            &mut self,
            name: &str,
            len: usize,
            source: DataSource<'_>,
        ) -> Result<bool, ModemError> {
            each!(self, m => FirmwareTls::store_credential(m, name, len, source).await, Err(MOVING))
        }
        fn forget_credential(&mut self, name: &str) {
            each!(self, m => FirmwareTls::forget_credential(m, name), ())
        }
        async fn list_credentials(
            &mut self,
            f: &mut dyn FnMut(&CredentialEntry<'_>),
        ) -> Result<(), ModemError> {
            each!(self, m => FirmwareTls::list_credentials(m, f).await, Err(MOVING))
        }
        async fn delete_credential(&mut self, name: &str) -> Result<(), ModemError> {
            each!(self, m => FirmwareTls::delete_credential(m, name).await, Err(MOVING))
        }
        async fn tls_open(&mut self, p: &TlsParams<'_>) -> Result<SocketId, ModemError> {
            each!(self, m => FirmwareTls::tls_open(m, p).await, Err(MOVING))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An identity as a Quectel reader of `ATI` fills it.
    fn id(manufacturer: &str, model: &str) -> Identity {
        Identity {
            manufacturer: manufacturer.try_into().unwrap(),
            model: model.try_into().unwrap(),
            revision: String::new(),
            firmware: String::new(),
        }
    }

    #[test]
    fn families_by_model_line() {
        let of = |model: &str| family_of(&id("Quectel", model));
        assert_eq!(of("BG96"), Some(Family::QuectelBg9x));
        assert_eq!(of("BG95-M3"), Some(Family::QuectelBg9x));
        assert_eq!(of("BG77"), Some(Family::QuectelBg9x));
        #[cfg(feature = "quectel-bc66")]
        assert_eq!(of("Quectel_BC66"), Some(Family::QuectelBc66));
        #[cfg(feature = "quectel-bc66")]
        assert_eq!(of("Quectel_BC660K-GL"), Some(Family::QuectelBc66));
        #[cfg(feature = "quectel-m95")]
        assert_eq!(of("Quectel_M95"), Some(Family::QuectelM95));
        #[cfg(feature = "quectel-m95")]
        assert_eq!(of("Quectel_M66"), Some(Family::QuectelM95));
        assert_eq!(of(""), None);
        assert_eq!(of("EC21"), None);
        // A Sierra HL answers `ATI` with its model alone: a Quectel reader
        // takes that line as the manufacturer.
        #[cfg(feature = "sierra-hl")]
        {
            assert_eq!(family_of(&id("HL7800", "")), Some(Family::SierraHl));
            assert_eq!(family_of(&id("HL8548", "")), Some(Family::SierraHl));
            assert_eq!(of("HL7800"), Some(Family::SierraHl));
        }
    }
}
