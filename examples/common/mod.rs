//! What the examples share: the modem (a simulated one, or whatever
//! answers on a `tcp://` "UART"), its init and attach, the memory of the
//! host TLS path, and opening a session in `Mode::Auto`, on the blocking
//! API and on the async one (`modemtls::asynch`).
//!
//! Firmware does the same with its UART and with statics instead of
//! `Vec`s; everything above the modem is the same code.
#![allow(dead_code)]

pub mod asynch;
pub mod buffered;

use modemtls::auto::{self, Session};
use modemtls::error::Error;
use modemtls::host::{HostBuffers, MIN_READ_BUF, MIN_WRITE_BUF};
use modemtls::modem::{AnyModem, Apn, Identity, Modem};
use modemtls::port::TcpPort;
use modemtls::session::{Credential, SessionConfig, SessionInfo};
use modemtls::tls::ClientState;
use modemtls_sim::{FirmwareProfile, SimConfig, SimHandle, Simulator};
use std::net::{IpAddr, Ipv4Addr};

/// The host name of the servers the examples start themselves (the
/// in-process simulator's DNS maps it to 127.0.0.1).
pub const LOCAL_SERVER: &str = "server.test";

/// `--name VALUE` from the command line.
pub fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// An initialised, attached modem, and the simulator behind it when it
/// runs in this process (stopped on drop).
pub struct Device {
    pub modem: AnyModem<TcpPort>,
    _sim: Option<SimHandle>,
}

/// `--modem tcp://HOST:PORT`: a simulator (or a serial bridge) already
/// running; otherwise the simulator runs here with the firmware profile
/// `sim_profile` (e.g. `bg96`, `hl78xx-4.6`, `m95`) and resolves
/// `server_name` to 127.0.0.1.
pub fn open_device(
    modem_addr: Option<&str>,
    sim_profile: &str,
    server_name: &str,
) -> Result<Device, Box<dyn std::error::Error>> {
    let (addr, sim) = uart(modem_addr, sim_profile, server_name)?;
    let mut modem = AnyModem::new(TcpPort::connect(addr.as_str())?);
    let id = modem.init().map_err(Error::from)?;
    print_id(id);
    let ip = modem.attach(&Apn::new("internet")).map_err(Error::from)?;
    println!("attached: local address {ip}");
    Ok(Device { modem, _sim: sim })
}

/// The address of the modem's "UART": `--modem tcp://HOST:PORT`, or a
/// simulator started here (returned with it).
fn uart(
    modem_addr: Option<&str>,
    sim_profile: &str,
    server_name: &str,
) -> Result<(String, Option<SimHandle>), Box<dyn std::error::Error>> {
    Ok(match modem_addr {
        Some(a) => {
            let addr = a
                .strip_prefix("tcp://")
                .ok_or_else(|| format!("--modem {a}: expected tcp://HOST:PORT"))?;
            (addr.to_string(), None)
        }
        None => {
            let profile = FirmwareProfile::by_name(sim_profile)
                .ok_or_else(|| format!("unknown simulator profile {sim_profile}"))?;
            let cfg = SimConfig::new(profile).host(server_name, IpAddr::V4(Ipv4Addr::LOCALHOST));
            let sim = Simulator::spawn(cfg)?;
            (sim.addr().to_string(), Some(sim))
        }
    })
}

fn print_id(id: &Identity) {
    println!(
        "modem: {} {} (firmware {})",
        id.manufacturer, id.model, id.firmware
    );
}

/// [`Device`] on the async API: the driver awaits the "UART" through
/// [`asynch::YieldingPort`], which returns to the executor before every
/// transfer, as an Embassy UART does.
pub struct AsyncDevice {
    pub modem: modemtls::asynch::AnyModem<asynch::YieldingPort>,
    _sim: Option<SimHandle>,
}

impl AsyncDevice {
    /// The simulator, when it runs in this process (its command log).
    pub fn sim(&self) -> Option<&SimHandle> {
        self._sim.as_ref()
    }
}

/// [`open_device`], awaited.
pub async fn open_device_async(
    modem_addr: Option<&str>,
    sim_profile: &str,
    server_name: &str,
) -> Result<AsyncDevice, Box<dyn std::error::Error>> {
    use modemtls::asynch::Modem as _;
    let (addr, sim) = uart(modem_addr, sim_profile, server_name)?;
    let port = asynch::YieldingPort::new(TcpPort::connect(addr.as_str())?);
    let mut modem = modemtls::asynch::AnyModem::new(port);
    let id = modem.init().await.map_err(Error::from)?;
    print_id(id);
    let ip = modem
        .attach(&Apn::new("internet"))
        .await
        .map_err(Error::from)?;
    println!("attached: local address {ip}");
    Ok(AsyncDevice { modem, _sim: sim })
}

/// The host TLS path's memory (firmware keeps it in statics).
pub struct HostMemory {
    read: Vec<u8>,
    write: Vec<u8>,
    scratch: Vec<u8>,
    state: ClientState,
}

impl HostMemory {
    pub fn new() -> Self {
        HostMemory {
            read: vec![0; MIN_READ_BUF],
            write: vec![0; MIN_WRITE_BUF.max(4096)],
            scratch: vec![0; 4096],
            state: ClientState::new(),
        }
    }
}

/// A verified TLS session to `host:port` trusting `ca_pem`, on the path
/// `Mode::Auto` picks (the modem's TLS, or TLS 1.3 on the MCU).
pub fn connect<'m, 'b>(
    modem: &'m mut AnyModem<TcpPort>,
    mem: &'b mut HostMemory,
    host: &str,
    port: u16,
    ca_pem: &[u8],
) -> Result<Session<'m, 'b, AnyModem<TcpPort>>, Error> {
    let cfg = SessionConfig::new(host, port).trust(Credential::Pem(ca_pem));
    let bufs = HostBuffers {
        read: &mut mem.read,
        write: &mut mem.write,
        scratch: &mut mem.scratch,
        state: &mut mem.state,
        ticket: None,
    };
    let s = auto::connect::<_, _, 1>(modem, &cfg, &mut rand_core::OsRng, bufs, None)?;
    print_info(&s.info());
    Ok(s)
}

/// [`connect`] on the async API: the session is an
/// `embedded_io_async::Read + Write` stream, closed with `close().await`.
pub async fn connect_async<'m: 'b, 'b>(
    modem: &'m mut modemtls::asynch::AnyModem<asynch::YieldingPort>,
    mem: &'b mut HostMemory,
    host: &str,
    port: u16,
    ca_pem: &[u8],
) -> Result<
    modemtls::asynch::Session<'m, 'b, modemtls::asynch::AnyModem<asynch::YieldingPort>>,
    Error,
> {
    let cfg = SessionConfig::new(host, port).trust(Credential::Pem(ca_pem));
    let bufs = HostBuffers {
        read: &mut mem.read,
        write: &mut mem.write,
        scratch: &mut mem.scratch,
        state: &mut mem.state,
        ticket: None,
    };
    let s = modemtls::asynch::connect::<_, _, 1>(modem, &cfg, &mut rand_core::OsRng, bufs, None)
        .await?;
    print_info(&s.info());
    Ok(s)
}

fn print_info(info: &SessionInfo) {
    // The certificate's name is known on the host path (the MCU checked it).
    let peer = info.peer.as_str();
    println!(
        "TLS session: path {:?} ({}), TLS {}{}",
        info.path,
        info.reason.code(),
        info.tls_version.map_or("?".into(), |v| format!("{v:?}")),
        if peer.is_empty() {
            String::new()
        } else {
            format!(", certificate of {peer} verified on the MCU")
        }
    );
}

/// `HOST:PORT` split.
pub fn host_port(s: &str) -> Result<(String, u16), String> {
    let (h, p) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("{s}: expected HOST:PORT"))?;
    let port = p.parse().map_err(|_| format!("{s}: bad port"))?;
    Ok((h.to_string(), port))
}

/// `https://HOST[:PORT][/PATH]` split.
pub fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{url}: expected https://"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let (host, port) = if authority.contains(':') {
        host_port(authority)?
    } else {
        (authority.to_string(), 443)
    };
    Ok((host, port, path.to_string()))
}
