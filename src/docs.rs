//! Shell completions and man pages generated from the clap definitions. A test compares
//! them with `completions/` and `man/`; `make docs` rewrites those folders.

use anyhow::Result;
use clap_complete::Shell;
use std::path::Path;

/// (file name, contents) of every completion script.
pub fn completions() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
        let mut cmd = crate::cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "logward", &mut buf);
        let name = match shell {
            Shell::Bash => "logward.bash".to_string(),
            Shell::Zsh => "_logward".to_string(),
            Shell::Fish => "logward.fish".to_string(),
            Shell::PowerShell => "_logward.ps1".to_string(),
            Shell::Elvish => "logward.elv".to_string(),
            _ => unreachable!(),
        };
        out.push((name, buf));
    }
    out
}

/// (file name, contents) of the man pages: `logward.1` and one per subcommand.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let cmd = crate::cli::command();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    out.push(("logward.1".to_string(), buf));
    for sub in cmd.get_subcommands() {
        let name = format!("logward-{}", sub.get_name());
        // clap wants a 'static name; generating docs runs once per process.
        let sub = sub.clone().name(&*Box::leak(name.clone().into_boxed_str()));
        let mut buf = Vec::new();
        clap_mangen::Man::new(sub).render(&mut buf)?;
        out.push((format!("{name}.1"), buf));
    }
    Ok(out)
}

/// Writes both sets into `root/completions` and `root/man`.
pub fn write_all(root: &Path) -> Result<()> {
    std::fs::create_dir_all(root.join("completions"))?;
    std::fs::create_dir_all(root.join("man"))?;
    for (name, data) in completions() {
        std::fs::write(root.join("completions").join(name), data)?;
    }
    for (name, data) in man_pages()? {
        std::fs::write(root.join("man").join(name), data)?;
    }
    Ok(())
}
