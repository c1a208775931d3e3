//! completions/ and man/ are generated from the clap definitions; this fails when they are
//! stale. Regenerate with `make docs` (LOGWARD_BLESS=1 cargo test --test docs_sync).

mod common;
use common::*;

#[test]
fn completions_and_man_pages_are_current() {
    let root = root();
    if std::env::var_os("LOGWARD_BLESS").is_some() {
        logward::docs::write_all(&root).unwrap();
        return;
    }
    let mut stale = Vec::new();
    for (name, data) in logward::docs::completions() {
        let path = root.join("completions").join(&name);
        if std::fs::read(&path).ok().as_deref() != Some(&data[..]) {
            stale.push(path.display().to_string());
        }
    }
    for (name, data) in logward::docs::man_pages().unwrap() {
        let path = root.join("man").join(&name);
        if std::fs::read(&path).ok().as_deref() != Some(&data[..]) {
            stale.push(path.display().to_string());
        }
    }
    assert!(stale.is_empty(), "stale generated files (run `make docs`): {stale:?}");
    // One man page per subcommand plus the top-level one.
    let subcommands = logward::cli::command().get_subcommands().count();
    assert_eq!(std::fs::read_dir(root.join("man")).unwrap().count(), subcommands + 1);
}

#[test]
fn help_shows_examples() {
    let out = logward().args(["parse", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("--line-format"), "{help}");
    let out = logward().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("logward "));
}
