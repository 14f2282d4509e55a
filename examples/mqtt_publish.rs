//! MQTT 3.1.1 over a modemtls session: a small blocking client written
//! here (the four packets a sensor needs, every length checked), no heap.
//!
//! The session is an `embedded_io::Read + Write` byte stream, whichever
//! path it took (the modem's TLS or TLS 1.3 on the MCU), so the MQTT code
//! below is what firmware runs: CONNECT -> CONNACK, SUBSCRIBE -> SUBACK,
//! PUBLISH (QoS 0) to the subscribed topic, the broker's PUBLISH back,
//! DISCONNECT. The received payload must equal the sent one.
//!
//! ```text
//! cargo run --example mqtt_publish                       # simulated BG96, local mosquitto
//! cargo run --example mqtt_publish -- --sim-profile hl78xx-4.6
//! cargo run --example mqtt_publish -- --modem tcp://127.0.0.1:5555 \
//!     --broker broker.example:8883 --ca ca.pem
//! ```
//!
//! Without `--broker`, a `mosquitto` (Debian package `mosquitto`) with a
//! TLS listener and a test certificate is started on 127.0.0.1. Without
//! `--modem`, the modem simulator runs in this process with the firmware
//! profile `--sim-profile` (default `bg96`). Exits non-zero on any failure.
//! The async twin, MQTT 5 with `rust-mqtt` over the async front
//! (`modemtls::asynch`), is `examples/mqtt_async.rs`.

mod common;

use embedded_io::{Read, Write};
use modemtls::error::Error;
use std::process::ExitCode;

/// Largest MQTT packet this client sends or accepts.
pub const PACKET_MAX: usize = 1024;

/// What can go wrong in the MQTT exchange.
#[derive(Debug)]
pub enum MqttError {
    /// The TLS session failed.
    Session(Error),
    /// The broker closed the connection.
    Closed,
    /// A packet longer than [`PACKET_MAX`] (to send or received).
    TooLong(usize),
    /// The broker answered with something else than the protocol says.
    Unexpected(String),
}

impl std::fmt::Display for MqttError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MqttError::Session(e) => write!(f, "TLS session: {e}"),
            MqttError::Closed => write!(f, "the broker closed the connection"),
            MqttError::TooLong(n) => write!(f, "a {n}-byte MQTT packet (max {PACKET_MAX})"),
            MqttError::Unexpected(s) => write!(f, "unexpected answer: {s}"),
        }
    }
}

impl std::error::Error for MqttError {}

impl From<Error> for MqttError {
    fn from(e: Error) -> Self {
        MqttError::Session(e)
    }
}

/// MQTT packet types (the fixed header's high nibble).
const CONNECT: u8 = 1;
const CONNACK: u8 = 2;
const PUBLISH: u8 = 3;
const SUBSCRIBE: u8 = 8;
const SUBACK: u8 = 9;
const DISCONNECT: u8 = 14;

/// A packet being built in a fixed buffer: the body first, the fixed
/// header put in front when it is sent.
struct Out {
    buf: [u8; PACKET_MAX],
    len: usize,
}

impl Out {
    fn new() -> Self {
        Out {
            buf: [0; PACKET_MAX],
            len: 5, // room for the fixed header (1 byte + up to 4 of length)
        }
    }
    fn put(&mut self, bytes: &[u8]) -> Result<&mut Self, MqttError> {
        let end = self.len + bytes.len();
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(MqttError::TooLong(end))?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(self)
    }
    fn u16(&mut self, v: u16) -> Result<&mut Self, MqttError> {
        self.put(&v.to_be_bytes())
    }
    /// A UTF-8 string or binary field: its 2-byte length, then the bytes.
    fn field(&mut self, bytes: &[u8]) -> Result<&mut Self, MqttError> {
        let n = u16::try_from(bytes.len()).map_err(|_| MqttError::TooLong(bytes.len()))?;
        self.u16(n)?.put(bytes)
    }
    /// Put the fixed header in front of the body and write the packet.
    fn send<S: Write<Error = Error>>(&mut self, s: &mut S, first: u8) -> Result<(), MqttError> {
        let body = self.len - 5;
        let mut len = [0u8; 4];
        let mut n = 0;
        let mut rest = body;
        loop {
            let mut b = (rest % 128) as u8;
            rest /= 128;
            if rest > 0 {
                b |= 0x80;
            }
            len[n] = b;
            n += 1;
            if rest == 0 || n == 4 {
                break;
            }
        }
        let start = 5 - 1 - n;
        self.buf[start] = first;
        self.buf[start + 1..5].copy_from_slice(&len[..n]);
        s.write_all(&self.buf[start..self.len])?;
        s.flush()?;
        Ok(())
    }
}

/// Read one whole MQTT packet into `buf`: its type and flags (the fixed
/// header's first byte) and its body.
fn receive<'a, S: Read<Error = Error>>(
    s: &mut S,
    buf: &'a mut [u8; PACKET_MAX],
) -> Result<(u8, &'a [u8]), MqttError> {
    let byte = |s: &mut S| -> Result<u8, MqttError> {
        let mut b = [0u8; 1];
        s.read_exact(&mut b).map_err(|e| match e {
            embedded_io::ReadExactError::UnexpectedEof => MqttError::Closed,
            embedded_io::ReadExactError::Other(e) => MqttError::Session(e),
        })?;
        Ok(b[0])
    };
    let first = byte(s)?;
    // The remaining length: 1 to 4 bytes of 7 bits, least significant first.
    let mut remaining = 0usize;
    for i in 0..4 {
        let b = byte(s)?;
        remaining |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            break;
        }
        if i == 3 {
            return Err(MqttError::Unexpected(
                "a remaining length over 4 bytes".into(),
            ));
        }
    }
    let body = buf
        .get_mut(..remaining)
        .ok_or(MqttError::TooLong(remaining))?;
    s.read_exact(body).map_err(|e| match e {
        embedded_io::ReadExactError::UnexpectedEof => MqttError::Closed,
        embedded_io::ReadExactError::Other(e) => MqttError::Session(e),
    })?;
    Ok((first, body))
}

/// A length-prefixed field at the start of `body`: (the field, the rest).
fn field(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = body.split_first_chunk::<2>()?;
    let n = usize::from(u16::from_be_bytes(*len));
    (rest.len() >= n).then(|| rest.split_at(n))
}

/// CONNECT, SUBSCRIBE to `topic`, PUBLISH `payload` to it (QoS 0), wait
/// for the broker to deliver it back, DISCONNECT. Returns the payload the
/// broker delivered.
pub fn publish_and_receive<S: Read<Error = Error> + Write<Error = Error>>(
    s: &mut S,
    client_id: &str,
    topic: &str,
    payload: &[u8],
) -> Result<Vec<u8>, MqttError> {
    let mut buf = [0u8; PACKET_MAX];

    // CONNECT: protocol name and level 4 (3.1.1), clean session, keep-alive 60 s.
    Out::new()
        .field(b"MQTT")?
        .put(&[4, 0b0000_0010])?
        .u16(60)?
        .field(client_id.as_bytes())?
        .send(s, CONNECT << 4)?;
    match receive(s, &mut buf)? {
        (first, [_flags, 0]) if first == CONNACK << 4 => println!("CONNECT -> CONNACK (accepted)"),
        (first, body) => {
            return Err(MqttError::Unexpected(format!(
                "packet {first:#04x} {body:02x?} to CONNECT"
            )))
        }
    }

    // SUBSCRIBE (its fixed header's flags are 0b0010), packet id 1, QoS 0.
    let pid: u16 = 1;
    Out::new()
        .u16(pid)?
        .field(topic.as_bytes())?
        .put(&[0])?
        .send(s, SUBSCRIBE << 4 | 0b0010)?;
    match receive(s, &mut buf)? {
        (first, body) if first == SUBACK << 4 && body == [(pid >> 8) as u8, pid as u8, 0] => {
            println!("SUBSCRIBE {topic} -> SUBACK (QoS 0 granted)")
        }
        (first, body) => {
            return Err(MqttError::Unexpected(format!(
                "packet {first:#04x} {body:02x?} to SUBSCRIBE"
            )))
        }
    }

    // PUBLISH QoS 0: topic, then the payload (no packet id).
    Out::new()
        .field(topic.as_bytes())?
        .put(payload)?
        .send(s, PUBLISH << 4)?;
    println!("PUBLISH {topic}: {} bytes", payload.len());
    let received = match receive(s, &mut buf)? {
        (first, body) if first >> 4 == PUBLISH && first & 0b0110 == 0 => match field(body) {
            Some((t, rest)) if t == topic.as_bytes() => rest.to_vec(),
            _ => return Err(MqttError::Unexpected("a PUBLISH to another topic".into())),
        },
        (first, body) => {
            return Err(MqttError::Unexpected(format!(
                "packet {first:#04x} of {} bytes instead of PUBLISH",
                body.len()
            )))
        }
    };
    println!("received PUBLISH {topic}: {} bytes", received.len());

    Out::new().send(s, DISCONNECT << 4)?;
    println!("DISCONNECT");
    Ok(received)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let profile = common::arg("--sim-profile").unwrap_or_else(|| "bg96".into());
    // The broker: given, or a local mosquitto with a test certificate.
    let (_local, host, port, ca_pem) = match common::arg("--broker") {
        Some(b) => {
            let (host, port) = common::host_port(&b)?;
            let ca = common::arg("--ca").ok_or("--broker needs --ca CA.pem")?;
            (None, host, port, std::fs::read(ca)?)
        }
        None => {
            let creds = modemtls_testkit::server_creds(
                common::LOCAL_SERVER,
                modemtls_testkit::KeyKind::P256,
            );
            let broker = modemtls_testkit::peers::mosquitto(&creds.chain_pem, &creds.key_pem)?;
            println!("mosquitto (TLS 1.3) on 127.0.0.1:{}", broker.port());
            let port = broker.port();
            (
                Some(broker),
                common::LOCAL_SERVER.to_string(),
                port,
                creds.ca_pem,
            )
        }
    };
    let mut device = common::open_device(common::arg("--modem").as_deref(), &profile, &host)?;
    let mut mem = common::HostMemory::new();
    let mut session = common::connect(&mut device.modem, &mut mem, &host, port, &ca_pem)?;

    let payload = b"{\"temperature\": 21.5}";
    let received = publish_and_receive(
        &mut session,
        "modemtls-example",
        "modemtls/example",
        payload,
    )?;
    session.close()?;
    if received != payload {
        return Err("the broker delivered another payload than the one published".into());
    }
    println!("ok: the payload came back unchanged");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mqtt_publish failed: {e}");
            ExitCode::FAILURE
        }
    }
}
