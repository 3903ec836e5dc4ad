//! Colors and stderr messages. `--color auto` colors only a terminal, and
//! `NO_COLOR` turns color off, as kubectl plugins are expected to.

use crate::cli::ColorChoice;
use colored::Colorize;
use std::io::IsTerminal;

/// Decide once whether stderr/stdout get color.
pub fn init(choice: ColorChoice) {
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color_env && std::io::stderr().is_terminal(),
    };
    colored::control::set_override(enabled);
}

/// `error: <message>` on stderr.
pub fn print_error(message: &str) {
    eprintln!("{} {message}", "error:".red().bold());
}

/// `warning: <message>` on stderr.
pub fn print_warning(message: &str) {
    eprintln!("{} {message}", "warning:".yellow().bold());
}

/// A note for the user on stderr, kept off stdout so output stays parseable.
pub fn print_note(message: &str) {
    eprintln!("{}", message.dimmed());
}
