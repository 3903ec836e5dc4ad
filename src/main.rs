//! The `kubectl-flink` binary: read the environment once, parse, run one
//! command, exit with its code.

use kubectl_flink::environment::Environment;
use kubectl_flink::error::Error;
use kubectl_flink::{cli::Cli, commands, output};

fn main() {
    let env = Environment::from_process();
    // Completion (kubectl's plugin protocol) reads partial command lines
    // that clap would refuse, so it comes first.
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.first().map(String::as_str) == Some("__complete") {
        print!("{}", commands::complete::run(&args[1..], &env));
        return;
    }
    let cli = Cli::parse_argv(std::env::args_os().collect(), &env);
    output::style::init(cli.global.color.into(), env.no_color, env.terminal.stderr);
    let out = output::Output::process(env.terminal.stderr, env.terminal.stdout);
    kubectl_flink::trace::init(cli.global.verbosity(), &out);
    let code = match commands::run(cli, &env, &out) {
        Ok(()) => 0,
        Err(error) => {
            match &error {
                Error::Aborted(message) => out.err_text(&format!("{message}\n")),
                other => out.error(&other.to_string()),
            }
            error.exit_code()
        }
    };
    std::process::exit(code);
}
