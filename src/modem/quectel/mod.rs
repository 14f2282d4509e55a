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

/// One `+QFLST: "<name>",<size>` line of `AT+QFLST` (BG9x UFS, M66/M95
/// `RAM:`): the name (checked: printable, bounded) and the size; `None`
/// for a line of any other shape (another prefix, a bad name, a size that
/// is not a number, more fields).
pub(crate) fn qflst_entry(line: &[u8]) -> Option<(&str, u32)> {
    let mut f = crate::at::Fields::after(line, b"+QFLST:")?;
    let name = f.next().and_then(crate::modem::common::credential_name)?;
    let size = f.next_u32()?;
    f.next().is_none().then_some((name, size))
}
