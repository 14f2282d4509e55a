//! Quectel modems. BG95/BG96/BG77 first (at-commands.md §1).

mod bg9x;
mod checksum;
mod dialect;
mod tcp;
mod time;
mod urc;

pub use bg9x::{Bg9x, Identity, SocketKind, SslSettings, SslVersion, Timeouts};
pub use checksum::{crc32, Xor16};
pub use dialect::QuectelDialect;
pub use tcp::TcpSocket;
pub use time::parse_cclk;
