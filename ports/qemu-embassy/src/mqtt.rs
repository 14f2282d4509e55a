//! Scenario `mqtt`: MQTT 5 (rust-mqtt, no allocator) over a modemtls
//! async session.
//!
//! The broker is `mosquitto` with a TLS 1.3-only listener (the runner
//! starts it), which the BG96's offloaded TLS cannot reach: `Mode::Auto`
//! opens the session on the MCU (TLS 1.3 over the modem's raw socket).
//! The session (`embedded_io_async::Read + Write`) is handed to the MQTT
//! client as its transport. The client connects (clean start), subscribes
//! to [`TOPIC`] (QoS 1), publishes a payload drawn from the test RNG to
//! the same topic (QoS 1) and polls until the broker has acknowledged the
//! publication and delivered the message back; the scenario passes only
//! when the payload received is the one sent. Then DISCONNECT, which
//! hands the session back, and close.
//!
//! rust-mqtt's buffer provider is a `BumpBuffer` over a static array
//! ([`MQTT_BUF`] bytes): received packets' contents are carved from it,
//! no heap. The whole exchange is bounded by `embassy_time::with_timeout`
//! ([`EXCHANGE_TIMEOUT`]), on top of the session's own data timeout.

use crate::detail;
use crate::host_setup::{check_host_info, host_setup};
use crate::log::{dec, text, Steps};
use crate::scenarios::{auto_config, modem, modem_up};
use crate::semi::Params;
use crate::Failure;
use core::num::NonZero;
use embassy_time::{with_timeout, Duration};
use modemtls::auto::{self, PathCache};
use rand_core::RngCore;
use rust_mqtt::buffer::BumpBuffer;
use rust_mqtt::client::event::Event;
use rust_mqtt::client::options::{
    ConnectOptions, DisconnectOptions, PublicationOptions, SubscriptionOptions, TopicReference,
};
use rust_mqtt::client::Client;
use rust_mqtt::config::KeepAlive;
use rust_mqtt::types::{MqttString, TopicFilter, TopicName};
use rust_mqtt::Bytes;

/// The topic subscribed to and published on.
pub const TOPIC: &str = "modemtls/qemu-embassy/echo";
/// The client identifier.
const CLIENT_ID: &str = "modemtls-qemu-embassy";
/// Payload bytes (random, so a stale message cannot pass).
pub const PAYLOAD_LEN: usize = 200;
/// rust-mqtt's buffer for received packets (CONNACK, SUBACK, PUBACK and
/// the PUBLISH coming back with [`PAYLOAD_LEN`] bytes).
pub const MQTT_BUF: usize = 1024;
/// The whole MQTT exchange (connect to disconnect).
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Scenario `mqtt`.
pub async fn mqtt(p: &Params<'_>, ca: &[u8], steps: &mut Steps) -> Result<(), Failure> {
    let (mut rng, bufs) = host_setup(p)?;
    let mut modem = modem();
    modem_up(&mut modem, steps).await?;
    let cfg = auto_config(p, ca);
    let mut cache: PathCache<4> = PathCache::new();
    steps.step("auto connect starting");
    let s = auto::asynch::connect(&mut modem, &cfg, &mut rng, bufs, Some(&mut cache))
        .await
        .map_err(|e| Failure::Lib("auto connect", e))?;
    check_host_info(&s.info(), steps)?;

    let mut payload = [0u8; PAYLOAD_LEN];
    rng.fill_bytes(&mut payload);
    let Some(mem) = cortex_m::singleton!(: [u8; MQTT_BUF] = [0; MQTT_BUF]) else {
        return Err(Failure::Unexpected("MQTT buffer already taken"));
    };
    let mut buffer = BumpBuffer::new(mem);
    // One subscription, one publication in flight, no properties, no aliases.
    let mut client = Client::<'_, '_, _, _, 1, 1, 1, 1, 0, 0, 0>::new(&mut buffer);
    let s = match with_timeout(EXCHANGE_TIMEOUT, exchange(&mut client, s, &payload, steps)).await {
        Ok(r) => r?,
        Err(_) => return Err(Failure::Unexpected("MQTT exchange timed out")),
    };
    s.close().await.map_err(|e| Failure::Lib("close", e))?;
    steps.step("session closed");
    Ok(())
}

/// Connect, subscribe, publish, receive, disconnect; returns the session.
async fn exchange<'c, N, B>(
    client: &mut Client<'_, 'c, N, B, 1, 1, 1, 1, 0, 0, 0>,
    session: N,
    payload: &[u8],
    steps: &mut Steps,
) -> Result<N, Failure>
where
    N: rust_mqtt::io::Transport,
    B: rust_mqtt::buffer::BufferProvider<'c>,
{
    let mqtt_err = |what: &'static str| Failure::Mqtt(what);
    let topic = MqttString::from_str(TOPIC).map_err(|_| mqtt_err("topic"))?;
    let client_id = MqttString::from_str(CLIENT_ID).map_err(|_| mqtt_err("client id"))?;
    let Some(keep_alive) = NonZero::new(60) else {
        return Err(mqtt_err("keep alive"));
    };
    let connected = client
        .connect(
            session,
            &ConnectOptions::new()
                .clean_start()
                .keep_alive(KeepAlive::Seconds(keep_alive)),
            Some(client_id),
        )
        .await;
    if let Err(e) = connected {
        detail!("      {:?}", e);
        return Err(mqtt_err("CONNECT"));
    }
    steps.step("MQTT connected (CONNACK)");

    let Some(filter) = TopicFilter::new(topic.as_borrowed()) else {
        return Err(mqtt_err("topic filter"));
    };
    if let Err(e) = client
        .subscribe(filter, &SubscriptionOptions::new().at_least_once())
        .await
    {
        detail!("      {:?}", e);
        return Err(mqtt_err("SUBSCRIBE"));
    }
    match client.poll().await {
        Ok(Event::Suback(ack)) if ack.reason_code.is_success() => steps.step("subscribed (SUBACK)"),
        Ok(e) => {
            detail!("      {:?}", e);
            return Err(mqtt_err("no successful SUBACK"));
        }
        Err(e) => {
            detail!("      {:?}", e);
            return Err(mqtt_err("SUBACK"));
        }
    }

    let Some(name) = TopicName::new(topic.as_borrowed()) else {
        return Err(mqtt_err("topic name"));
    };
    let options = PublicationOptions::new(TopicReference::Name(name)).at_least_once();
    if let Err(e) = client.publish(&options, Bytes::Borrowed(payload)).await {
        detail!("      {:?}", e);
        return Err(mqtt_err("PUBLISH"));
    }
    steps.step("published");
    let (mut acked, mut received) = (false, false);
    while !(acked && received) {
        match client.poll().await {
            Ok(Event::PublishAcknowledged(_)) => {
                acked = true;
                steps.step("publication acknowledged (PUBACK)");
            }
            Ok(Event::Publish(msg)) => {
                let got = msg.message.as_bytes();
                text("      received ");
                dec(got.len() as u32);
                text(" bytes on ");
                text(msg.topic.name().map_or("?", |n| n.as_ref().as_str()));
                text("\n");
                if got != payload {
                    return Err(Failure::Unexpected(
                        "the message received is not the one published",
                    ));
                }
                received = true;
                steps.step("message received back, payload matches");
            }
            Ok(e) => {
                detail!("      other event: {:?}", e);
            }
            Err(e) => {
                detail!("      {:?}", e);
                return Err(mqtt_err("poll"));
            }
        }
    }
    match client.disconnect(&DisconnectOptions::new()).await {
        Ok(session) => {
            steps.step("MQTT disconnected");
            Ok(session)
        }
        Err(e) => {
            detail!("      {:?}", e);
            Err(mqtt_err("DISCONNECT"))
        }
    }
}
