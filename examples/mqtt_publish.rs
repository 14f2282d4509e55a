//! MQTT 3.1.1 over a modemtls session, with the `mqttrs` packet codec
//! (no_std, no heap: packets are encoded into and decoded from slices).
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

mod common;

use embedded_io::{Read, Write};
use modemtls::error::Error;
use mqttrs::{
    decode_slice, encode_slice, Connect, Packet, Pid, Protocol, Publish, QoS, QosPid, Subscribe,
    SubscribeReturnCodes, SubscribeTopic,
};
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
    /// A packet could not be encoded or decoded.
    Codec(mqttrs::Error),
    /// A packet longer than [`PACKET_MAX`].
    TooLong(usize),
    /// The broker answered with something else than the protocol says.
    Unexpected(String),
}

impl std::fmt::Display for MqttError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MqttError::Session(e) => write!(f, "TLS session: {e}"),
            MqttError::Closed => write!(f, "the broker closed the connection"),
            MqttError::Codec(e) => write!(f, "MQTT codec: {e:?}"),
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

impl From<mqttrs::Error> for MqttError {
    fn from(e: mqttrs::Error) -> Self {
        MqttError::Codec(e)
    }
}

/// Encode `packet` and write it to the session.
fn send<S: Write<Error = Error>>(s: &mut S, packet: &Packet<'_>) -> Result<(), MqttError> {
    let mut buf = [0u8; PACKET_MAX];
    let n = encode_slice(packet, &mut buf)?;
    s.write_all(&buf[..n])?;
    s.flush()?;
    Ok(())
}

/// Read one whole MQTT packet into `buf` (fixed header, remaining length,
/// rest) and decode it.
fn receive<'a, S: Read<Error = Error>>(
    s: &mut S,
    buf: &'a mut [u8; PACKET_MAX],
) -> Result<Packet<'a>, MqttError> {
    let read_exact = |s: &mut S, to: &mut [u8]| -> Result<(), MqttError> {
        s.read_exact(to).map_err(|e| match e {
            embedded_io::ReadExactError::UnexpectedEof => MqttError::Closed,
            embedded_io::ReadExactError::Other(e) => MqttError::Session(e),
        })
    };
    // Fixed header byte, then the remaining length: 1 to 4 bytes of 7 bits.
    let mut len = 1;
    read_exact(s, &mut buf[..1])?;
    let mut remaining = 0usize;
    loop {
        if len == 5 {
            return Err(MqttError::Unexpected(
                "a remaining length over 4 bytes".into(),
            ));
        }
        read_exact(s, &mut buf[len..len + 1])?;
        remaining |= usize::from(buf[len] & 0x7f) << (7 * (len - 1));
        len += 1;
        if buf[len - 1] & 0x80 == 0 {
            break;
        }
    }
    let total = len + remaining;
    if total > PACKET_MAX {
        return Err(MqttError::TooLong(total));
    }
    read_exact(s, &mut buf[len..total])?;
    check_length(buf[0], &buf[len..total])?;
    decode_slice(&buf[..total])?.ok_or(MqttError::Unexpected("a truncated packet".into()))
}

/// Accept only the packets this client expects, with the lengths they
/// must have: `mqttrs` 0.4 indexes a packet's body without checking its
/// length (a two-byte CONNACK `20 00` would panic in `decode_slice`), and
/// every byte from the network is hostile.
fn check_length(header: u8, body: &[u8]) -> Result<(), MqttError> {
    let ok = match header >> 4 {
        2 => body.len() == 2, // CONNACK: flags, return code
        9 => body.len() >= 3, // SUBACK: packet id, return codes
        3 => {
            // PUBLISH: topic (length-prefixed), packet id if QoS > 0, payload
            let pid = if header & 0b0110 != 0 { 2 } else { 0 };
            body.len() >= 2
                && 2 + usize::from(u16::from_be_bytes([body[0], body[1]])) + pid <= body.len()
        }
        _ => {
            return Err(MqttError::Unexpected(format!(
                "packet type {}",
                header >> 4
            )))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(MqttError::Unexpected(format!(
            "a packet of type {} with {} bytes",
            header >> 4,
            body.len()
        )))
    }
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

    send(
        s,
        &Packet::Connect(Connect {
            protocol: Protocol::MQTT311,
            keep_alive: 60,
            client_id,
            clean_session: true,
            last_will: None,
            username: None,
            password: None,
        }),
    )?;
    match receive(s, &mut buf)? {
        Packet::Connack(c) if c.code == mqttrs::ConnectReturnCode::Accepted => {
            println!("CONNECT -> CONNACK (accepted)")
        }
        other => return Err(MqttError::Unexpected(format!("{other:?} to CONNECT"))),
    }

    let pid = Pid::new();
    let mut filter = SubscribeTopic {
        topic_path: Default::default(),
        qos: QoS::AtMostOnce,
    };
    // A bounded string: `push_str` fails on a topic over 256 bytes.
    filter
        .topic_path
        .push_str(topic)
        .map_err(|_| MqttError::Unexpected("a topic over 256 bytes".into()))?;
    let subscribe = Subscribe {
        pid,
        topics: [filter].into_iter().collect(),
    };
    send(s, &Packet::Subscribe(subscribe))?;
    match receive(s, &mut buf)? {
        Packet::Suback(a)
            if a.pid == pid
                && a.return_codes.as_slice()
                    == [SubscribeReturnCodes::Success(QoS::AtMostOnce)] =>
        {
            println!("SUBSCRIBE {topic} -> SUBACK (QoS 0 granted)")
        }
        other => return Err(MqttError::Unexpected(format!("{other:?} to SUBSCRIBE"))),
    }

    send(
        s,
        &Packet::Publish(Publish {
            dup: false,
            qospid: QosPid::AtMostOnce,
            retain: false,
            topic_name: topic,
            payload,
        }),
    )?;
    println!("PUBLISH {topic}: {} bytes", payload.len());
    let received = match receive(s, &mut buf)? {
        Packet::Publish(p) if p.topic_name == topic => p.payload.to_vec(),
        other => {
            return Err(MqttError::Unexpected(format!(
                "{other:?} instead of PUBLISH"
            )))
        }
    };
    println!("received PUBLISH {topic}: {} bytes", received.len());

    send(s, &Packet::Disconnect)?;
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
