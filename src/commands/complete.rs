//! `kubectl-flink __complete ARGS… WORD`: completion in cobra's protocol,
//! which kubectl speaks to plugins (`kubectl_complete-flink`): one
//! `value<TAB>description` per line, then `:<directive>`. Subcommands and
//! flags come from clap's definition; `-D` keys from the option registry;
//! cluster ids, job ids, namespaces and contexts live, each within a short
//! time limit and silently empty when the cluster does not answer.

use super::target;
use crate::cli::{Cli, ColorChoice, ConnectionArgs, GlobalArgs};
use crate::cluster::inventory;
use crate::environment::Environment;
use crate::rest::{FlinkRest, Transport};
use clap::CommandFactory;
use std::time::Duration;

/// cobra's directives.
const NO_SPACE: u32 = 2;
const NO_FILE: u32 = 4;
const FILES: u32 = 0;

/// How long a live lookup may take before completion gives up on it.
const LIVE_TIMEOUT: Duration = Duration::from_secs(3);

/// What to offer, before live lookups.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub items: Vec<(String, String)>,
    pub directive: u32,
    pub live: Option<Live>,
}

/// What must be asked of the cluster.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    ClusterIds,
    JobIds { cluster: String },
    Namespaces,
    Contexts,
}

/// The completion for `args` (the last is the word being completed) as
/// cobra prints it.
pub fn run(args: &[String], env: &Environment) -> String {
    let (words, current) = match args.split_last() {
        Some((current, words)) => (words, current.as_str()),
        None => (&[][..], ""),
    };
    let mut plan = plan(words, current);
    if let Some(live) = plan.live.take() {
        plan.items.extend(lookup(&live, words, env));
    }
    let mut out = String::new();
    for (value, description) in plan.items.iter().filter(|(v, _)| v.starts_with(current)) {
        if description.is_empty() {
            out.push_str(&format!("{value}\n"));
        } else {
            out.push_str(&format!(
                "{value}\t{}\n",
                crate::output::one_line(description)
            ));
        }
    }
    out.push_str(&format!(":{}\n", plan.directive));
    out
}

/// What to complete after `words`, for `current` (pure: no lookups).
pub fn plan(words: &[String], current: &str) -> Plan {
    let root = Cli::command();
    let mut command = &root;
    let mut path: Vec<String> = Vec::new();
    let mut positionals = Vec::new();
    let mut expecting: Option<clap::Arg> = None;
    let mut after_dashes = false;
    for word in words {
        if let Some(flag) = expecting.take() {
            let _ = flag;
            continue;
        }
        if after_dashes {
            positionals.push(word.clone());
            continue;
        }
        if word == "--" {
            after_dashes = true;
            continue;
        }
        if word.starts_with('-') && word.len() > 1 {
            if !word.contains('=')
                && let Some(arg) = find_flag(&root, command, word)
                && takes_value(&arg)
                && !glued_short_value(word)
            {
                expecting = Some(arg);
            }
            continue;
        }
        match command.find_subcommand(word) {
            Some(sub) if positionals.is_empty() => {
                command = sub;
                path.push(word.clone());
            }
            _ => positionals.push(word.clone()),
        }
    }
    if let Some(flag) = expecting {
        return flag_value(&flag, current);
    }
    if let Some((name, value)) = current.split_once('=')
        && name.starts_with('-')
        && let Some(flag) = find_flag(&root, command, name)
    {
        let mut plan = flag_value(&flag, value);
        for item in &mut plan.items {
            item.0 = format!("{name}={}", item.0);
        }
        return plan;
    }
    // `-Dkey…` glued: the option keys, with the `-D` kept.
    if let Some(key) = current.strip_prefix("-D")
        && !after_dashes
        && let Some(flag) = find_flag(&root, command, "-D")
    {
        let mut plan = flag_value(&flag, key);
        for item in &mut plan.items {
            item.0 = format!("-D{}", item.0);
        }
        return plan;
    }
    if current.starts_with('-') && !after_dashes {
        return Plan {
            items: flags(&root, command),
            directive: NO_FILE,
            live: None,
        };
    }
    if command.has_subcommands() {
        return Plan {
            items: command
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| (s.get_name().to_string(), about(s)))
                .collect(),
            directive: NO_FILE,
            live: None,
        };
    }
    positional(&path, &positionals)
}

/// The verb's positionals: a cluster id first, then a job id for the job
/// verbs, a jar (a local file) for `session run`.
fn positional(path: &[String], before: &[String]) -> Plan {
    let verb: Vec<&str> = path.iter().map(String::as_str).collect();
    let takes_cluster = !matches!(
        verb.as_slice(),
        ["app", "run"] | ["version"] | ["completion", ..]
    );
    match (verb.as_slice(), before.len()) {
        (_, 0) if takes_cluster => Plan {
            live: Some(Live::ClusterIds),
            directive: NO_FILE,
            ..Plan::default()
        },
        (["session" | "app", "cancel" | "savepoint"], 1) => Plan {
            live: Some(Live::JobIds {
                cluster: before[0].clone(),
            }),
            directive: NO_FILE,
            ..Plan::default()
        },
        (["session", "run"], 1) | (["app", "run"], 0) => Plan {
            directive: FILES,
            ..Plan::default()
        },
        (["get"], _) => Plan {
            live: Some(Live::ClusterIds),
            directive: NO_FILE,
            ..Plan::default()
        },
        _ => Plan {
            directive: NO_FILE,
            ..Plan::default()
        },
    }
}

/// Values of `flag`: its declared choices, `-D` keys, or a live list.
fn flag_value(flag: &clap::Arg, current: &str) -> Plan {
    let id = flag.get_id().as_str();
    match id {
        "dynamic" => {
            // `-D key=value`: keys first (no space after the `=`).
            let items = crate::config::options::ALL
                .iter()
                .map(|option| {
                    let default = option
                        .default
                        .map_or(String::new(), |d| format!(", default {d}"));
                    (
                        format!("{}=", option.key),
                        format!("{:?}{default}", option.kind),
                    )
                })
                .filter(|(key, _)| key.starts_with(current) || current.contains('='))
                .collect();
            Plan {
                items,
                directive: NO_SPACE | NO_FILE,
                live: None,
            }
        }
        "namespace" => Plan {
            live: Some(Live::Namespaces),
            directive: NO_FILE,
            ..Plan::default()
        },
        "context" => Plan {
            live: Some(Live::Contexts),
            directive: NO_FILE,
            ..Plan::default()
        },
        _ => {
            let choices: Vec<(String, String)> = flag
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| {
                    (
                        v.get_name().to_string(),
                        v.get_help().map(|h| h.to_string()).unwrap_or_default(),
                    )
                })
                .collect();
            let directive = if choices.is_empty() { FILES } else { NO_FILE };
            Plan {
                items: choices,
                directive,
                live: None,
            }
        }
    }
}

/// The flags of `command` and the global ones, as `--long`.
fn flags(root: &clap::Command, command: &clap::Command) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = command
        .get_arguments()
        .chain(root.get_arguments().filter(|a| a.is_global_set()))
        .filter(|a| !a.is_hide_set() && !a.is_positional())
        .filter_map(|a| {
            let name = a
                .get_long()
                .map(|l| format!("--{l}"))
                .or_else(|| a.get_short().map(|s| format!("-{s}")))?;
            Some((
                name,
                a.get_help().map(|h| h.to_string()).unwrap_or_default(),
            ))
        })
        .collect();
    items.push(("--help".into(), "Print help".into()));
    items.sort();
    items.dedup_by(|a, b| a.0 == b.0);
    items
}

fn find_flag(root: &clap::Command, command: &clap::Command, word: &str) -> Option<clap::Arg> {
    let name = word.split('=').next().unwrap_or(word);
    let matches = |a: &&clap::Arg| match name.strip_prefix("--") {
        Some(long) => a.get_long() == Some(long),
        None => name
            .strip_prefix('-')
            .and_then(|s| s.chars().next())
            .is_some_and(|c| a.get_short() == Some(c)),
    };
    command
        .get_arguments()
        .chain(root.get_arguments().filter(|a| a.is_global_set()))
        .find(matches)
        .cloned()
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_num_args().is_some_and(|n| n.min_values() > 0)
        || (arg.get_action().takes_values() && !arg.is_require_equals_set())
}

/// `-Dkey=v` or `-n=x`: a short flag with its value glued on.
fn glued_short_value(word: &str) -> bool {
    !word.starts_with("--") && word.len() > 2
}

fn about(command: &clap::Command) -> String {
    command
        .get_about()
        .map(|a| a.to_string())
        .unwrap_or_default()
}

/// Ask the cluster (or the kubeconfig) for live values; nothing on failure.
fn lookup(live: &Live, words: &[String], env: &Environment) -> Vec<(String, String)> {
    let global = connection_flags(words);
    let scope = match target::scope(&global, &Default::default(), env) {
        Ok(scope) => scope,
        Err(_) => return Vec::new(),
    };
    if *live == Live::Contexts {
        return match scope.kubeconfig.read() {
            Ok(Some(config)) => config
                .contexts
                .iter()
                .map(|c| (c.name.clone(), String::new()))
                .collect(),
            _ => Vec::new(),
        };
    }
    let found = super::block_on_value(async {
        tokio::time::timeout(LIVE_TIMEOUT, async {
            let (connection, namespace) = scope.connect().await.ok()?;
            Some(match live {
                Live::ClusterIds => inventory::list_cluster_names(&connection.client, &namespace)
                    .await
                    .ok()?
                    .into_iter()
                    .map(|(name, mode)| (name, format!("Flink {mode} cluster")))
                    .collect(),
                Live::JobIds { cluster } => {
                    let rest = FlinkRest::new(Transport::services_proxy(
                        connection.rest_client.clone(),
                        &namespace,
                        cluster,
                    ));
                    rest.jobs_overview()
                        .await
                        .ok()?
                        .into_iter()
                        .map(|job| {
                            (
                                job.id.clone(),
                                format!("{} ({})", job.name, job.state.as_str()),
                            )
                        })
                        .collect()
                }
                Live::Namespaces => {
                    let api: kube::Api<k8s_openapi::api::core::v1::Namespace> =
                        kube::Api::all(connection.client.clone());
                    api.list_metadata(&Default::default())
                        .await
                        .ok()?
                        .items
                        .into_iter()
                        .filter_map(|n| n.metadata.name)
                        .map(|n| (n, String::new()))
                        .collect()
                }
                Live::Contexts => Vec::new(),
            })
        })
        .await
        .ok()
        .flatten()
    });
    found.flatten().unwrap_or_default()
}

/// `--kubeconfig`, `--context` and `-n` as typed so far, for live lookups.
fn connection_flags(words: &[String]) -> GlobalArgs {
    let mut global = GlobalArgs {
        kubeconfig: None,
        context: None,
        namespace: None,
        output: None,
        color: ColorChoice::Never,
        verbose: Vec::new(),
        connection: ConnectionArgs::default(),
    };
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let (name, glued) = match word.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (word.as_str(), None),
        };
        let mut value = || glued.clone().or_else(|| words.next().cloned());
        match name {
            "--kubeconfig" => global.kubeconfig = value().map(Into::into),
            "--context" => global.context = value(),
            "-n" | "--namespace" => global.namespace = value(),
            _ => {}
        }
    }
    global
}

#[cfg(test)]
mod tests;
