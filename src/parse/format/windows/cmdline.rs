//! Splits a Windows command line into arguments as `CommandLineToArgvW` (and the C runtime)
//! do, for `process.args`: white space separates arguments outside double quotes; the
//! program name ends at the next space, or at its closing quote, and takes no escapes;
//! after it, `2n` backslashes before a quote are `n` backslashes and the quote opens or
//! closes quoting, `2n+1` are `n` and a literal quote, other backslashes are literal, and
//! `""` inside quotes is a literal quote.

/// The arguments of `line`, the program first.
pub fn split(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    let space = |c: char| c == ' ' || c == '\t';
    // The program name.
    let mut arg = String::new();
    if chars.first() == Some(&'"') {
        i = 1;
        while i < chars.len() && chars[i] != '"' {
            arg.push(chars[i]);
            i += 1;
        }
        i += 1;
    } else {
        while i < chars.len() && !space(chars[i]) {
            arg.push(chars[i]);
            i += 1;
        }
    }
    if !arg.is_empty() || chars.first() == Some(&'"') {
        args.push(std::mem::take(&mut arg));
    }
    loop {
        while i < chars.len() && space(chars[i]) {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut quoted = false;
        let mut arg = String::new();
        while i < chars.len() {
            let c = chars[i];
            if space(c) && !quoted {
                break;
            }
            if c == '\\' {
                let start = i;
                while i < chars.len() && chars[i] == '\\' {
                    i += 1;
                }
                let n = i - start;
                if i < chars.len() && chars[i] == '"' {
                    arg.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        arg.push('"');
                        i += 1;
                    }
                } else {
                    arg.extend(std::iter::repeat_n('\\', n));
                }
                continue;
            }
            if c == '"' {
                if quoted && chars.get(i + 1) == Some(&'"') {
                    arg.push('"');
                    i += 2;
                    continue;
                }
                quoted = !quoted;
                i += 1;
                continue;
            }
            arg.push(c);
            i += 1;
        }
        args.push(arg);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_as_windows_does() {
        assert_eq!(split(r#""C:\Program Files\a.exe" /c "x y" z"#), [r"C:\Program Files\a.exe", "/c", "x y", "z"]);
        assert_eq!(split(r"C:\Windows\system32\cmd.exe /c whoami"), [r"C:\Windows\system32\cmd.exe", "/c", "whoami"]);
        assert_eq!(split(r#"a.exe "a\"b" c\\"d e" f\\g"#), ["a.exe", "a\"b", r"c\d e", r"f\\g"]);
        assert_eq!(split(r#"a.exe "say ""hi""""#), ["a.exe", "say \"hi\""]);
        assert_eq!(split("ping  -n 6 127.0.0.1 "), ["ping", "-n", "6", "127.0.0.1"]);
        assert!(split("").is_empty());
    }
}
