//! Quectel modems: BG95/BG96/BG77 (at-commands.md §1) and BC66/BC660K
//! (at-dialects-2.md §1, `docs/dialects/bc66.md`).

#[cfg(feature = "quectel-bc66")]
mod bc66;
mod bg9x;
mod checksum;
mod dialect;
pub(crate) mod time;
mod urc;

#[cfg(feature = "quectel-bc66")]
pub use bc66::{Bc66, Bc66Dialect};
pub use bg9x::{Bg9x, SocketKind, SslSettings, SslVersion};
// Family-neutral types, re-exported where they used to be.
pub use crate::modem::{Identity, TcpSocket, Timeouts};
pub use checksum::{crc32, Xor16};
pub use dialect::QuectelDialect;
pub use time::parse_cclk;
