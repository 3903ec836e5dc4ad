//! The `kubectl-flink` binary: parse, run one command, exit with its code.

use kubectl_flink::{cli::Cli, commands, output};

fn main() {
    let cli = Cli::parse_argv(std::env::args_os().collect());
    output::style::init(cli.global.color);
    let code = match commands::run(cli) {
        Ok(()) => 0,
        Err(error) => {
            match &error {
                kubectl_flink::error::Error::Aborted(message) => eprintln!("{message}"),
                other => output::style::print_error(&other.to_string()),
            }
            error.exit_code()
        }
    };
    std::process::exit(code);
}
