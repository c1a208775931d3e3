//! logward: pipeable command-line toolkit for security logs.
//!
//! The binary's subcommands are thin wrappers over this library: `io` reads and writes,
//! `event` is the shared event model, and each stage lives in its own module.

pub mod anonymize;
pub mod bytescan;
pub mod cli;
pub mod detect;
pub mod docs;
pub mod enrich;
pub mod event;
pub mod fasthash;
pub mod io;
pub mod parse;
pub mod report;
pub mod score;
pub mod time;
pub mod tree;
