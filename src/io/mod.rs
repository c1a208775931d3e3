//! The I/O layer every stage uses: inputs, line chunks, the ordered parallel pipeline,
//! NDJSON output and rejected lines, and the two stage contracts ([`LineStage`],
//! [`EventStage`]).
#![warn(missing_docs)]

pub mod evtx;
pub mod files;
pub mod input;
pub mod lines;
pub mod output;
pub mod pipeline;
pub mod reject;
pub mod stage;

pub use input::{expand_inputs, Source};
pub use pipeline::{exit_code, run, run_events, RunOptions, RunSummary};
pub use reject::{Reason, Reject, RejectKind};
pub use stage::{EventStage, InputFile, LineRef, LineStage, Outcome, Records};
