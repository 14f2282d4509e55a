//! What every family's driver shares: building a command line from
//! arguments, copying modem text into bounded strings, reading the 27.007
//! identity (`ATI`) and clock (`AT+CCLK?`).

use crate::at::{AtError, Command, Dialect, UrcHandler};
use crate::modem::{Identity, ModemError};
use heapless::String;

/// An `on_line` handler that ignores the lines (one type, one vtable).
pub(crate) fn ignore_line(_: &[u8]) -> Result<(), AtError> {
    Ok(())
}

/// One argument of a command line.
#[derive(Clone, Copy)]
pub(crate) enum Arg<'a> {
    /// A decimal integer.
    Int(u32),
    /// A quoted string.
    Str(&'a str),
    /// An unquoted token.
    Raw(&'a str),
}

/// Make `c` the command `head` with `args` (in place: a `Command` is
/// 280 bytes of stack).
#[inline(never)]
pub(crate) fn build(c: &mut Command, head: &str, args: &[Arg<'_>]) -> Result<(), AtError> {
    c.start(head);
    for a in args {
        match *a {
            Arg::Int(v) => c.int(v),
            Arg::Str(s) => c.string(s),
            Arg::Raw(s) => c.raw(s),
        }?;
    }
    Ok(())
}

/// Copy printable ASCII from `src` into `dst`, truncating at its capacity.
pub(crate) fn copy_str<const N: usize>(dst: &mut String<N>, src: &[u8]) {
    dst.clear();
    for &b in src {
        if !(0x20..0x7f).contains(&b) || dst.push(char::from(b)).is_err() {
            break;
        }
    }
}

/// A credential name from the modem's bytes: 1 to
/// [`CREDENTIAL_NAME_MAX`](crate::modem::CREDENTIAL_NAME_MAX) bytes of
/// printable ASCII without a quote; `None` for anything else (hostile or
/// damaged bytes are never passed on as a name).
pub(crate) fn credential_name(b: &[u8]) -> Option<&str> {
    let ok = !b.is_empty()
        && b.len() <= crate::modem::CREDENTIAL_NAME_MAX
        && b.iter().all(|&c| (0x20..0x7f).contains(&c) && c != b'"');
    if ok {
        core::str::from_utf8(b).ok()
    } else {
        None
    }
}

/// Whether `name` names one credential: not empty and no wildcard (`*`,
/// `?`) a file command would expand (`AT+QFDEL="*"` deletes every file).
pub(crate) fn single_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['*', '?'])
}

/// An APN (name, user, password) a driver keeps to activate the context
/// again after a restart.
pub(crate) type KeptApn = (String<64>, String<32>, String<32>);

/// `apn` copied into a [`KeptApn`]; `CommandTooLong` when a part does not
/// fit.
pub(crate) fn keep_apn(apn: &crate::modem::Apn<'_>) -> Result<KeptApn, ModemError> {
    let mut kept = KeptApn::default();
    kept.0.set(apn.name)?;
    kept.1.set(apn.user)?;
    kept.2.set(apn.password)?;
    Ok(kept)
}

/// A `heapless::String` of any capacity, set from a `&str`.
pub(crate) trait StrBuf {
    fn set(&mut self, s: &str) -> Result<(), ModemError>;
}

impl<const N: usize> StrBuf for String<N> {
    fn set(&mut self, s: &str) -> Result<(), ModemError> {
        self.clear();
        self.push_str(s)
            .map_err(|_| ModemError::At(AtError::CommandTooLong))
    }
}

/// The `ATI` answer's lines into `ident`: manufacturer, model, and the
/// `Revision:` line; call with each information line in order (`n` counts
/// the lines that were not `Revision:`).
pub(crate) fn ati_line(ident: &mut Identity, n: &mut u8, line: &[u8]) {
    if let Some(rev) = line.strip_prefix(b"Revision:") {
        copy_str(&mut ident.revision, crate::at::trim(rev));
    } else {
        match *n {
            0 => copy_str(&mut ident.manufacturer, line),
            1 => copy_str(&mut ident.model, line),
            _ => {}
        }
        *n = n.saturating_add(1);
    }
}

#[modemtls_macros::dual]
pub mod asynch {
    #[allow(unused_imports)]
    use super::*;
    use crate::at::asynch::AtClient;
    use crate::port::asynch::Port;

    /// Build `head` + `args` and run it, passing information lines to
    /// `on_line`: the one copy of command running every driver calls (through
    /// a one-line method, so its `at` and `urc` fields borrow apart).
    #[inline(never)]
    pub(crate) async fn run<P: Port, D: Dialect, H: UrcHandler>(
        at: &mut AtClient<P, D>,
        urc: &mut H,
        head: &str,
        args: &[Arg<'_>],
        timeout_ms: u32,
        on_line: &mut dyn FnMut(&[u8]) -> Result<(), AtError>,
    ) -> Result<(), AtError> {
        let mut c = Command::empty();
        build(&mut c, head, args)?;
        at.exec_dyn(&mut c, timeout_ms, urc, on_line).await
    }
}
