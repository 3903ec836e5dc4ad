//! `kubectl flink logs ID`: the JobManager's and TaskManagers' logs, each
//! line prefixed by its pod (coloured per pod on a terminal); `-f` follows
//! new TaskManagers as they appear and says when one goes away.

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::logs::LogsArgs;
use crate::cluster::logs::{self, LogEvent, LogOptions};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::Output;
use colored::{Color, Colorize};
use std::collections::BTreeMap;

/// `logs`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsOptions {
    pub target: TargetOptions,
    pub follow: bool,
    pub logs: LogOptions,
}

impl Verb for LogsOptions {
    type Args = LogsArgs;

    fn complete(global: &GlobalArgs, args: LogsArgs, env: &Environment) -> Result<Self> {
        if global.output.is_some() {
            return Err(Error::Usage(
                "-o does not apply to logs: they are printed as the pods wrote them".into(),
            ));
        }
        if args.tail.is_some_and(|n| n < 0) {
            return Err(Error::Usage(
                "--tail must be 0 or more lines: e.g. --tail 100".into(),
            ));
        }
        Ok(LogsOptions {
            target: target::complete(global, &args.target, env)?,
            follow: args.follow,
            logs: LogOptions {
                jobmanager: args.jobmanager,
                taskmanagers: args.taskmanagers,
                since: args.since,
                tail: args.tail,
                previous: args.previous,
                timestamps: args.timestamps,
            },
        })
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        let mut prefixes = Prefixes::default();
        block_on(async {
            let target = self.target.connect().await?;
            crate::cluster::inventory::require_cluster(&target).await?;
            let mut failed_write = None;
            let mut on_event = |event: LogEvent| {
                let text = match event {
                    LogEvent::Line { pod, line } => format!("{} {line}\n", prefixes.of(&pod)),
                    LogEvent::Started { pod } if self.follow => {
                        output.note(&format!("{} following", prefixes.of(&pod)));
                        return;
                    }
                    LogEvent::Ended { pod } => {
                        output.note(&format!(
                            "{} ended (the pod went away or stopped)",
                            prefixes.of(&pod)
                        ));
                        return;
                    }
                    LogEvent::Started { .. } => return,
                };
                if let Err(e) = output.print(&text) {
                    failed_write.get_or_insert(e);
                }
            };
            if self.follow {
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                logs::follow(&target, &self.logs, stop, &mut on_event).await?;
            } else if logs::read(&target, &self.logs, &mut on_event).await? == 0 {
                output.note(&format!(
                    "No {} pods of Flink cluster {} are there to read.",
                    if self.logs.taskmanagers {
                        "TaskManager"
                    } else {
                        "JobManager or TaskManager"
                    },
                    target.cluster_id
                ));
            }
            match failed_write {
                Some(e) => Err(e.into()),
                None => Ok(()),
            }
        })
    }
}

/// `[pod]` prefixes, a colour per pod (shown only where colour is on).
#[derive(Default)]
struct Prefixes(BTreeMap<String, String>);

impl Prefixes {
    const COLORS: [Color; 6] = [
        Color::Cyan,
        Color::Magenta,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::BrightRed,
    ];

    fn of(&mut self, pod: &str) -> String {
        let next = self.0.len();
        self.0
            .entry(pod.to_string())
            .or_insert_with(|| {
                format!("[{pod}]")
                    .color(Self::COLORS[next % Self::COLORS.len()])
                    .to_string()
            })
            .clone()
    }
}
