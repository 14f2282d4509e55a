//! The AT engine: a sans-IO parser ([`Engine`]), a command builder
//! ([`Command`]) and a thin blocking front end over a [`Port`](crate::port::Port)
//! ([`AtClient`]).

mod client;
mod command;
mod engine;
mod error;
mod fields;

pub use client::blocking::AtClient;
pub use client::{slice_source, DataSource, Flow, NoUrcs, Reply, SliceSource, UrcHandler};

/// The AT client under the name the dual-compiled modules use: the same
/// [`AtClient`].
pub mod blocking {
    pub use super::client::blocking::AtClient;
}

/// The async AT client (feature `async`): the same procedures as
/// [`AtClient`], over a [`port::asynch::Port`](crate::port::asynch::Port).
#[cfg(feature = "async")]
pub mod asynch {
    pub use super::client::asynch::AtClient;
}
pub(crate) use command::push_hex;
pub use command::{Command, IntArg, COMMAND_CAPACITY};
pub use engine::{
    parse_i32, parse_u16, parse_u32, trim, Dialect, Engine, Event, FinalResult, LINE_CAPACITY,
};
pub use error::AtError;
pub use fields::Fields;
