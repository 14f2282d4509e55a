//! TEMPORARY shim until the probe module lands.
#![allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion { Tls10, Tls11, Tls12, Tls13 }
pub struct ProbeHello<'a> { pub server_name: Option<&'a str>, pub cipher_suites: &'a [u16], pub min_version: TlsVersion, pub max_version: TlsVersion }
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeError { BufferTooSmall, NameTooLong, NoCipherSuites }
pub fn write_client_hello(_h: &ProbeHello<'_>, _r: &[u8; 32], _o: &mut [u8]) -> Result<usize, ProbeError> { Err(ProbeError::BufferTooSmall) }
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertDescription { HandshakeFailure, ProtocolVersion, UnrecognizedName, InsufficientSecurity, IllegalParameter, DecodeError, InternalError, Other(u8) }
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict { ServerHello { version: TlsVersion, cipher_suite: u16 }, Alert { level: u8, description: AlertDescription }, HelloRetryRequest, Closed, NotTls }
pub struct ResponseParser;
impl Default for ResponseParser { fn default() -> Self { Self } }
impl ResponseParser { pub fn new() -> Self { Self } pub fn feed(&mut self, _b: &[u8]) -> Option<Verdict> { None } pub fn finish_eof(&mut self) -> Verdict { Verdict::Closed } }
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Diagnosis { NoCommonCipher, ProtocolVersion, SniRequired, ServerAccepts { version: TlsVersion, cipher_suite: u16 }, Inconclusive }
pub fn diagnose(_f: Verdict, _w: Option<Verdict>) -> Diagnosis { Diagnosis::Inconclusive }
