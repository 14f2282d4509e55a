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
pub use bc66::blocking::Bc66;
#[cfg(feature = "quectel-bc66")]
pub use bc66::Bc66Dialect;
pub use bg9x::blocking::Bg9x;
pub use bg9x::{SocketKind, SslSettings, SslVersion};
// Family-neutral types, re-exported where they used to be.
pub use crate::modem::{Identity, TcpSocket, Timeouts};
pub use checksum::{crc32, Xor16};
pub use dialect::QuectelDialect;
#[cfg(feature = "quectel-m95")]
pub use m95::blocking::M95;
#[cfg(feature = "quectel-m95")]
pub use m95::M95Dialect;
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

/// One line of an `AT+QFLST` listing (BG9x UFS, M95 `RAM:`): the entry,
/// its name as `name` gives it (`None`: not one of the listed files), to
/// `f`. After a line of another shape `bad` is set, the listing fails
/// ([`qflst_result`]) and `f` is not called again.
pub(crate) fn qflst_line(
    line: &[u8],
    bad: &mut bool,
    name: fn(&str) -> Option<&str>,
    f: &mut dyn FnMut(&crate::modem::CredentialEntry<'_>),
) -> Result<(), crate::at::AtError> {
    if *bad {
        return Ok(());
    }
    let entry = qflst_entry(line)
        .and_then(|(n, size)| Some((name(n)?, size)))
        .filter(|(n, _)| !n.is_empty());
    let Some((name, size)) = entry else {
        *bad = true;
        return Err(crate::at::AtError::Unexpected);
    };
    f(&crate::modem::CredentialEntry {
        name,
        size: Some(size),
        kind: crate::modem::CredentialKind::of_name(name),
    });
    Ok(())
}

/// The result of an `AT+QFLST` listing: `+CME ERROR: 405` (no file
/// matches) is an empty list; a line [`qflst_line`] refused fails it.
pub(crate) fn qflst_result(
    r: Result<(), crate::at::AtError>,
    bad: bool,
) -> Result<(), crate::modem::ModemError> {
    if bad {
        return Err(crate::modem::ModemError::At(crate::at::AtError::Unexpected));
    }
    match r {
        Ok(()) | Err(crate::at::AtError::Cme(Some(405))) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The Quectel drivers under the names the dual-compiled modules use: the
/// same types as [`Bg9x`], [`Bc66`] and [`M95`].
pub mod blocking {
    #[cfg(feature = "quectel-bc66")]
    pub use super::bc66::blocking::Bc66;
    pub use super::bg9x::blocking::Bg9x;
    #[cfg(feature = "quectel-m95")]
    pub use super::m95::blocking::M95;
}

/// The async Quectel drivers (feature `async`): the same procedures,
/// awaited, over a [`port::asynch::Port`](crate::port::asynch::Port).
#[cfg(feature = "async")]
pub mod asynch {
    #[cfg(feature = "quectel-bc66")]
    pub use super::bc66::asynch::Bc66;
    pub use super::bg9x::asynch::Bg9x;
    #[cfg(feature = "quectel-m95")]
    pub use super::m95::asynch::M95;
}
