//! The `logward` binary: dispatches each subcommand to its stage's command and maps errors
//! to exit codes (see `cli` for the options and each stage's `command` module for the rest).

use clap::Parser as _;
use logward::cli::{Cli, Command};
use logward::io::output::is_pipe_closed;
use logward::{anonymize, detect, enrich, parse, report, score, tree};
use std::process::ExitCode;

// Every stage builds and drops small strings and maps per event; glibc's allocator spent
// a third of `detect`'s time consolidating and unlinking chunks.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => parse::command::run(args),
        Command::Anonymize(args) => anonymize::command::run(args),
        Command::Detect(args) => detect::command::run(args),
        Command::Enrich(args) => enrich::command::run(args),
        Command::Tree(args) => tree::command::run(args),
        Command::Score(args) => score::command::run(args),
        Command::Report(args) => report::command::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_pipe_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logward: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
