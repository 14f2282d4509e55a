//! Quectel modems. BG95/BG96/BG77 first (at-commands.md §1).

mod bg9x;
mod checksum;
mod dialect;
mod time;
mod urc;

pub use bg9x::{Bg9x, SocketKind, SslSettings, SslVersion};
// Family-neutral types, re-exported where they used to be.
pub use crate::modem::{Identity, TcpSocket, Timeouts};
pub use checksum::{crc32, Xor16};
pub use dialect::QuectelDialect;
pub use time::parse_cclk;
