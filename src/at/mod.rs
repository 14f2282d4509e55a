//! The AT engine: a sans-IO parser ([`Engine`]), a command builder
//! ([`Command`]) and a thin blocking front end over a [`Port`](crate::port::Port)
//! ([`AtClient`]).

mod client;
mod command;
mod engine;
mod error;
mod fields;

pub use client::{
    slice_source, AtClient, DataSource, Flow, NoUrcs, Reply, SliceSource, UrcHandler,
};
pub(crate) use command::push_hex;
pub use command::{Command, IntArg, COMMAND_CAPACITY};
pub use engine::{
    parse_i32, parse_u16, parse_u32, trim, Dialect, Engine, Event, FinalResult, LINE_CAPACITY,
};
pub use error::AtError;
pub use fields::Fields;
