//! `logward tree`: the selection and format from the options, and the stage run.

use super::{Tree, TreeOptions};
use crate::cli::TreeArgs;
use crate::io;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `logward tree`.
pub fn run(args: TreeArgs) -> Result<ExitCode> {
    let stage = Tree::new(TreeOptions {
        pid: args.pid,
        entity_id: args.entity_id,
        name: args.name,
        depth: args.depth,
        format: args.format,
        quiet: args.common.quiet,
    });
    let sources = io::expand_inputs(&args.common.inputs, args.common.rotated)?;
    let (summary, ()) = io::run_events(&stage, Vec::new(), "tree", sources, &args.common.run_options())?;
    Ok(io::exit_code(summary))
}
