//! Quectel modems: BG95/BG96/BG77 (at-commands.md §1), BC66/BC660K
//! (at-dialects-2.md §1, `docs/dialects/bc66.md`) and M66/M95
//! (at-dialects-2.md §2, `docs/dialects/m95.md`).

#[cfg(feature = "quectel-bc66")]
mod bc66;
mod bg9x;
mod checksum;
mod dialect;
#[cfg(feature = "quectel-m95")]
mod m95;
pub(crate) mod time;
mod urc;

#[cfg(feature = "quectel-bc66")]
pub use bc66::{Bc66, Bc66Dialect};
pub use bg9x::{Bg9x, SocketKind, SslSettings, SslVersion};
// Family-neutral types, re-exported where they used to be.
pub use crate::modem::{Identity, TcpSocket, Timeouts};
pub use checksum::{crc32, Xor16};
pub use dialect::QuectelDialect;
#[cfg(feature = "quectel-m95")]
pub use m95::{M95Dialect, M95};
pub use time::parse_cclk;
