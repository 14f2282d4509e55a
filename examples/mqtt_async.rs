//! MQTT 5 with `rust-mqtt` over a modemtls session on the async API
//! (`modemtls::asynch`), as an Embassy firmware runs it.
//!
//! The async session is an `embedded_io_async::Read + Write` byte stream,
//! whichever path `Mode::Auto` took (the modem's TLS or TLS 1.3 on the
//! MCU), so `rust-mqtt`'s client runs on it unchanged: CONNECT -> CONNACK,
//! SUBSCRIBE (QoS 1) -> SUBACK, PUBLISH (QoS 1) to the subscribed topic ->
//! PUBACK and the broker's PUBLISH back (acknowledged by the client),
//! DISCONNECT, then `close().await` of the session (an async session is
//! closed, not dropped). The received payload must equal the sent one. No
//! heap in the MQTT code: `rust-mqtt`'s bump buffer over a stack array.
//!
//! ```text
//! cargo run --example mqtt_async                         # simulated BG96, local mosquitto
//! cargo run --example mqtt_async -- --sim-profile hl78xx-4.6
//! cargo run --example mqtt_async -- --modem tcp://127.0.0.1:5555 \
//!     --broker broker.example:8883 --ca ca.pem
//! ```
//!
//! Without `--broker`, a `mosquitto` (Debian package `mosquitto`) with a
//! TLS listener and a test certificate is started on 127.0.0.1. Without
//! `--modem`, the modem simulator runs in this process with the firmware
//! profile `--sim-profile` (default `bg96`). The executor is a minimal
//! one (`examples/common/asynch.rs`); the port returns to it before every
//! UART transfer. Exits non-zero on any failure. The blocking twin, with
//! a small MQTT 3.1.1 client written out, is `examples/mqtt_publish.rs`.

mod common;

use common::buffered::Buffered;
use core::num::NonZero;
use embedded_io_async::{Read, Write};
use modemtls::error::Error;
use rust_mqtt::buffer::BumpBuffer;
use rust_mqtt::client::event::{Event, Puback, Publish, Suback};
use rust_mqtt::client::options::{
    ConnectOptions, DisconnectOptions, PublicationOptions, SubscriptionOptions, TopicReference,
};
use rust_mqtt::client::Client;
use rust_mqtt::config::KeepAlive;
use rust_mqtt::types::{IdentifiedQoS, MqttString, ReasonCode, TopicFilter, TopicName};
use rust_mqtt::Bytes;
use std::process::ExitCode;

/// Largest MQTT packet the broker may send (announced in CONNECT).
pub const PACKET_MAX: usize = 2048;
/// The bump buffer every received packet's topic, payload and properties
/// go into (not reset in this short exchange: the broker sends four
/// packets here, at most [`PACKET_MAX`] bytes each).
const RX_BUF: usize = 4 * PACKET_MAX;
/// Keep-alive announced in CONNECT (the exchange is much shorter).
const KEEP_ALIVE_S: NonZero<u16> = NonZero::new(60).unwrap();
/// [`PACKET_MAX`] as CONNECT carries it (checked when compiling).
const MAXIMUM_PACKET_SIZE: NonZero<u32> = NonZero::new(PACKET_MAX as u32).unwrap();
/// The write buffer that turns `rust-mqtt`'s small writes into one send.
const TX_BUF: usize = 1024;
/// Events awaited after PUBLISH before giving up (PUBACK and the PUBLISH
/// back are two).
const EVENTS_MAX: usize = 8;

/// What can go wrong in the MQTT exchange.
#[derive(Debug)]
pub enum MqttError {
    /// The TLS session failed.
    Session(Error),
    /// `rust-mqtt` returned an error (its `Debug` text: the error borrows
    /// the receive buffer).
    Client(String),
    /// The broker answered with something else than the exchange expects.
    Unexpected(String),
    /// A client id or topic that MQTT cannot carry.
    Invalid(&'static str),
}

impl std::fmt::Display for MqttError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MqttError::Session(e) => write!(f, "TLS session: {e} ({})", e.cause()),
            MqttError::Client(e) => write!(f, "MQTT client: {e}"),
            MqttError::Unexpected(s) => write!(f, "unexpected answer: {s}"),
            MqttError::Invalid(what) => write!(f, "invalid {what}"),
        }
    }
}

impl std::error::Error for MqttError {}

impl<const P: usize> From<rust_mqtt::client::MqttError<'_, P>> for MqttError {
    fn from(e: rust_mqtt::client::MqttError<'_, P>) -> Self {
        MqttError::Client(format!("{e:?}"))
    }
}

/// CONNECT, SUBSCRIBE to `topic` (QoS 1), PUBLISH `payload` to it (QoS 1),
/// wait for the broker's PUBACK and for it to deliver the payload back,
/// DISCONNECT. Returns the payload the broker delivered. The session
/// stays open: the caller closes it.
pub async fn publish_and_receive<S: Read<Error = Error> + Write<Error = Error>>(
    s: &mut S,
    client_id: &str,
    topic: &str,
    payload: &[u8],
) -> Result<Vec<u8>, MqttError> {
    let mut tx = [0u8; TX_BUF];
    let mut net = Buffered::new(s, &mut tx);
    let r = exchange(&mut net, client_id, topic, payload).await;
    // A transport error reaches us as an `ErrorKind`; the session's own
    // error names the cause.
    match (r, net.error()) {
        (Err(MqttError::Client(_)), Some(e)) => Err(MqttError::Session(e)),
        (r, _) => r,
    }
}

async fn exchange<S: Read<Error = Error> + Write<Error = Error>>(
    net: &mut Buffered<'_, S>,
    client_id: &str,
    topic: &str,
    payload: &[u8],
) -> Result<Vec<u8>, MqttError> {
    let mut rx = [0u8; RX_BUF];
    let mut rx = BumpBuffer::new(&mut rx);
    // Subscriptions 1, receive maximum 1, send maximum 1, no subscription
    // identifiers, user properties or topic aliases.
    let mut client = Client::<'_, '_, _, _, 1, 1, 1, 0, 0, 0, 0>::new(&mut rx);

    let id = MqttString::from_str(client_id).map_err(|_| MqttError::Invalid("client id"))?;
    let options = ConnectOptions::new()
        .clean_start()
        .keep_alive(KeepAlive::Seconds(KEEP_ALIVE_S))
        .maximum_packet_size(MAXIMUM_PACKET_SIZE);
    client.connect(net, &options, Some(id)).await?;
    println!("CONNECT -> CONNACK (accepted, MQTT 5)");

    let name = MqttString::from_str(topic).map_err(|_| MqttError::Invalid("topic"))?;
    let filter = TopicFilter::new(name.as_borrowed()).ok_or(MqttError::Invalid("topic filter"))?;
    let sub = client
        .subscribe(filter, &SubscriptionOptions::new().at_least_once())
        .await?;
    match client.poll().await? {
        Event::Suback(Suback {
            packet_identifier,
            reason_code: ReasonCode::GrantedQoS1,
            ..
        }) if packet_identifier == sub => println!("SUBSCRIBE {topic} -> SUBACK (QoS 1 granted)"),
        other => return Err(MqttError::Unexpected(format!("{other:?} to SUBSCRIBE"))),
    }

    let name_ref = TopicName::new(name.as_borrowed()).ok_or(MqttError::Invalid("topic name"))?;
    let publication = PublicationOptions::new(TopicReference::Name(name_ref)).at_least_once();
    let id = client.publish(&publication, Bytes::from(payload)).await?;
    println!("PUBLISH {topic} (QoS 1): {} bytes", payload.len());

    // The PUBACK and the broker's PUBLISH back, in either order.
    let mut acked = false;
    let mut received = None;
    for _ in 0..EVENTS_MAX {
        if acked && received.is_some() {
            break;
        }
        match client.poll().await? {
            Event::PublishAcknowledged(Puback {
                packet_identifier, ..
            }) if Some(packet_identifier) == id => {
                println!("PUBACK");
                acked = true;
            }
            Event::Publish(Publish {
                topic: t,
                identified_qos,
                message,
                ..
            }) if t.name().is_some_and(|n| n.as_ref().as_str() == topic) => {
                let qos = match identified_qos {
                    IdentifiedQoS::AtMostOnce => 0,
                    IdentifiedQoS::AtLeastOnce(_) => 1,
                    IdentifiedQoS::ExactlyOnce(_) => 2,
                };
                println!(
                    "received PUBLISH {topic} (QoS {qos}): {} bytes",
                    message.len()
                );
                received = Some(message.as_bytes().to_vec());
            }
            other => return Err(MqttError::Unexpected(format!("{other:?} after PUBLISH"))),
        }
    }
    let received = match (acked, received) {
        (true, Some(r)) => r,
        (acked, r) => {
            return Err(MqttError::Unexpected(format!(
                "after {EVENTS_MAX} events: PUBACK {}, PUBLISH back {}",
                if acked { "received" } else { "missing" },
                if r.is_some() { "received" } else { "missing" },
            )))
        }
    };

    client.disconnect(&DisconnectOptions::new()).await?;
    println!("DISCONNECT");
    Ok(received)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
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
    let mut device =
        common::open_device_async(common::arg("--modem").as_deref(), &profile, &host).await?;
    let mut mem = common::HostMemory::new();
    let mut session =
        common::connect_async(&mut device.modem, &mut mem, &host, port, &ca_pem).await?;

    let payload = b"{\"temperature\": 21.5}";
    let received = publish_and_receive(
        &mut session,
        "modemtls-async-example",
        "modemtls/async-example",
        payload,
    )
    .await;
    // Closed whatever MQTT did: an async session is not closed by a drop.
    let closed = session.close().await;
    let received = received?;
    closed?;
    if received != payload {
        return Err("the broker delivered another payload than the one published".into());
    }
    println!("ok: the payload came back unchanged");
    Ok(())
}

fn main() -> ExitCode {
    match common::asynch::block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mqtt_async failed: {e}");
            ExitCode::FAILURE
        }
    }
}
