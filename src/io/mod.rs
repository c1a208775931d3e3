//! The I/O layer every stage uses: inputs, line chunks, the ordered parallel pipeline,
//! NDJSON output and the rejected-line sink.

pub mod input;
pub mod lines;
pub mod output;
pub mod pipeline;
pub mod sink;
pub mod stage;

pub use input::{expand_inputs, Source};
pub use pipeline::{run, RunOptions, RunSummary};
pub use sink::Reject;
pub use stage::{LineRef, Outcome, Stage};
