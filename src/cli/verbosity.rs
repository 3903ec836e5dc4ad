//! kubectl's `-v=N` and our `-v`/`-vv`, read as one log level.

/// One `-v` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-v=N`, `-v N`, `--v=N`.
    Level(u8),
    /// `-v` (1), `-vv` (2)…, added up.
    More(u8),
}

pub fn parse_verbosity(text: &str) -> Result<Verbosity, String> {
    let invalid =
        || format!("'{text}' is not a log level: use e.g. -v=6 (requests) or -v=8 (bodies)");
    match text.strip_prefix('+') {
        Some(count) => count.parse().map(Verbosity::More).map_err(|_| invalid()),
        None => text.parse().map(Verbosity::Level).map_err(|_| invalid()),
    }
}

/// kubectl's spellings of `-v` (`-v 6`, `-v=6`, `-v6`, `--v 6`) and ours
/// (`-v`, `-vv`, `--verbose`) as one `--v=…` each, before clap reads them;
/// nothing after `--` is touched.
pub fn normalize_verbosity(argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::with_capacity(argv.len());
    let mut tokens = argv.into_iter().peekable();
    let level = |t: Option<&std::ffi::OsString>| -> Option<u8> { t?.to_str()?.parse().ok() };
    while let Some(token) = tokens.next() {
        let Some(text) = token.to_str() else {
            out.push(token);
            continue;
        };
        let rewritten = match text {
            "--" => {
                out.push(token);
                out.extend(tokens);
                return out;
            }
            "--verbose" => Some("+1".to_string()),
            "-v" | "--v" => match level(tokens.peek()) {
                Some(n) => {
                    tokens.next();
                    Some(n.to_string())
                }
                None if text == "-v" => Some("+1".to_string()),
                None => None,
            },
            _ => match text.strip_prefix("-v") {
                Some(rest) if !rest.is_empty() && rest.chars().all(|c| c == 'v') => {
                    Some(format!("+{}", rest.len() + 1))
                }
                Some(rest) if rest.parse::<u8>().is_ok() => Some(rest.to_string()),
                Some(rest)
                    if rest
                        .strip_prefix('=')
                        .is_some_and(|n| n.parse::<u8>().is_ok()) =>
                {
                    Some(rest[1..].to_string())
                }
                _ => None,
            },
        };
        match rewritten {
            Some(value) => out.push(format!("--v={value}").into()),
            None => out.push(token),
        }
    }
    out
}
