//! Colors: `--color auto` colors only a terminal, and `NO_COLOR` turns
//! color off, as kubectl plugins are expected to. Messages themselves are
//! written by [`super::Output`].

/// `--color`, in the output layer's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// Decide once whether output gets color.
pub fn init(choice: Color, no_color_env: bool, stderr_terminal: bool) {
    let enabled = match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => !no_color_env && stderr_terminal,
    };
    colored::control::set_override(enabled);
}
