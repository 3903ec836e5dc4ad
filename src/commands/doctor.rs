//! `kubectl flink doctor [ID] [-D …]`: a preflight for the next start with
//! these options, or a diagnosis of an existing cluster — a table of checks,
//! each failure with the command that fixes it; exit 1 when one blocks.

use super::Verb;
use super::deploy::{self, DeployOptions};
use crate::cli::GlobalArgs;
use crate::cli::doctor::DoctorArgs;
use crate::cluster::client::{self, ClusterTarget, Connection};
use crate::cluster::doctor::{self, Demand, Finding, Outcome};
use crate::config::options::{
    PARALLELISM_DEFAULT, TASKMANAGER_CPU, TASKMANAGER_CPU_LIMIT_FACTOR,
    TASKMANAGER_MEMORY_LIMIT_FACTOR, TM_PROCESS_SIZE, TM_SLOTS,
};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::spec::{ClusterSpec, DeploymentMode};
use crate::output::table::Table;
use crate::output::{Format, Output, Printable, printer};
use colored::Colorize;
use serde_json::Value;

/// `doctor`, completed: the cluster the options describe.
#[derive(Debug)]
pub struct DoctorOptions {
    pub deploy: DeployOptions,
    /// An id was named: an existing cluster is diagnosed too.
    pub existing: bool,
    pub format: Option<Format>,
}

/// The findings, as a table or a list.
pub struct Findings(pub Vec<Finding>);

impl Printable for Findings {
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        let mut table = Table::new(&["check", "result", "detail"]);
        for f in &self.0 {
            let result = match f.outcome {
                Outcome::Pass => "ok".green().to_string(),
                Outcome::Warn => "warn".yellow().to_string(),
                Outcome::Fail => "FAIL".red().bold().to_string(),
                Outcome::Skip => "skipped".dimmed().to_string(),
            };
            table.row(vec![f.check.clone(), result, f.detail.clone()]);
        }
        let mut out = table.render();
        for f in self.0.iter().filter(|f| f.fix.is_some()) {
            if let Some(fix) = &f.fix {
                out.push_str(&format!("fix {}: {fix}\n", f.check));
            }
        }
        out
    }

    fn document(&self) -> Value {
        printer::list(
            self.0
                .iter()
                .map(|f| serde_json::to_value(f).unwrap_or_default())
                .collect(),
        )
    }
}

impl Verb for DoctorOptions {
    type Args = DoctorArgs;

    fn complete(global: &GlobalArgs, args: DoctorArgs, env: &Environment) -> Result<Self> {
        let existing = args.id.is_some();
        let deploy = deploy::complete(
            global,
            &args.flink,
            DeploymentMode::Session,
            args.id,
            None,
            None,
            env,
        )?;
        Ok(DoctorOptions {
            deploy,
            existing,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Findings>("doctor", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        let spec = &self.deploy.spec;
        output.warn_all(&self.deploy.warnings);
        super::block_on(async {
            let connection = client::connect(&self.deploy.kubeconfig).await?;
            let mut findings = preflight(&connection, spec).await;
            if self.existing {
                let target = ClusterTarget {
                    cluster_id: spec.cluster_id.clone(),
                    namespace: spec.namespace.clone(),
                    connection: connection.clone(),
                };
                findings.extend(existing(&target).await?);
            }
            output.show(&Findings(findings.clone()), self.format)?;
            let blocking: Vec<&str> = findings
                .iter()
                .filter(|f| f.outcome == Outcome::Fail)
                .map(|f| f.check.as_str())
                .collect();
            if blocking.is_empty() {
                return Ok(());
            }
            Err(Error::Failed(format!(
                "{} check{} failed ({}): fix {} with the command{} above",
                blocking.len(),
                if blocking.len() > 1 { "s" } else { "" },
                blocking.join(", "),
                if blocking.len() > 1 { "them" } else { "it" },
                if blocking.len() > 1 { "s" } else { "" },
            )))
        })
    }
}

/// Everything a start with `spec` needs from the namespace.
async fn preflight(connection: &Connection, spec: &ClusterSpec) -> Vec<Finding> {
    let ns = &spec.namespace;
    let demand = demand(spec);
    let (caller, account, secrets, quotas, nodes) = tokio::join!(
        doctor::caller_rights(connection, ns),
        doctor::service_account(
            connection,
            ns,
            &spec.service_account,
            spec.high_availability
        ),
        doctor::pull_secrets(connection, ns, &spec.image_pull_secrets),
        doctor::quotas(connection, ns, &demand),
        doctor::nodes(connection, &spec.node_selector),
    );
    let mut findings = vec![caller, image_release(spec)];
    findings.extend(account);
    findings.extend(secrets);
    findings.extend(quotas);
    findings.extend(nodes);
    findings
}

/// The image's Flink release (from its tag) is the one the objects are
/// rendered for; a Warn when they differ or the tag names none.
pub fn image_release(spec: &ClusterSpec) -> Finding {
    let check = "image release";
    let chosen = format!("{}.{}", spec.version.major, spec.version.minor);
    match crate::flink::release_choice::release_in_image(&spec.image) {
        Some(tagged) if tagged == chosen || tagged.starts_with(&format!("{chosen}.")) => {
            Finding::new(
                check,
                Outcome::Pass,
                format!("{} runs Flink {tagged}, as rendered", spec.image),
                None,
            )
        }
        Some(tagged) => Finding::new(
            check,
            Outcome::Warn,
            format!(
                "{} runs Flink {tagged}, but the objects are Flink {chosen}'s",
                spec.image
            ),
            Some(format!(
                "--flink-version {tagged}, or an image of Flink {chosen}"
            )),
        ),
        None => Finding::new(
            check,
            Outcome::Skip,
            format!("the tag of {} names no Flink release", spec.image),
            None,
        ),
    }
}

/// The JobManager (its replicas) and the TaskManagers the default
/// parallelism needs (parallelism ÷ slots), as Kubernetes will count them.
pub fn demand(spec: &ClusterSpec) -> Demand {
    let conf = &spec.shipped_config;
    let mib = 1u64 << 20;
    let cores = |text: &str| doctor::quantity::millicores(text).unwrap_or(1000);
    let replicas = spec.replicas.max(1) as u64;
    let slots = conf.int(&TM_SLOTS).unwrap_or(1).max(1) as u64;
    let parallelism = conf.int(&PARALLELISM_DEFAULT).unwrap_or(1).max(1) as u64;
    let taskmanagers = parallelism.div_ceil(slots);
    let tm_memory = conf
        .memory(&TM_PROCESS_SIZE)
        .ok()
        .flatten()
        .map_or(1728 * mib, |m| m.0);
    let tm_cpu = match conf.double(&TASKMANAGER_CPU) {
        Ok(cpu) if cpu > 0.0 => (cpu * 1000.0) as u64,
        _ => slots * 1000,
    };
    let factor = |option| {
        conf.double(option)
            .ok()
            .filter(|f| *f >= 1.0)
            .unwrap_or(1.0)
    };
    let tm_memory_limit = (tm_memory as f64 * factor(&TASKMANAGER_MEMORY_LIMIT_FACTOR)) as u64;
    let tm_cpu_limit = (tm_cpu as f64 * factor(&TASKMANAGER_CPU_LIMIT_FACTOR)) as u64;
    let jm_memory_limit = spec.memory_limit_mib * mib;
    let jm_cpu_limit = cores(&spec.cpu_limit);
    Demand {
        cpu_requests: replicas * cores(&spec.cpu_request) + taskmanagers * tm_cpu,
        cpu_limits: replicas * jm_cpu_limit + taskmanagers * tm_cpu_limit,
        memory_requests: replicas * spec.memory_request_mib * mib + taskmanagers * tm_memory,
        memory_limits: replicas * jm_memory_limit + taskmanagers * tm_memory_limit,
        pods: replicas + taskmanagers,
        largest_memory_limit: jm_memory_limit.max(if taskmanagers > 0 {
            tm_memory_limit
        } else {
            0
        }),
        largest_cpu_limit: jm_cpu_limit.max(if taskmanagers > 0 { tm_cpu_limit } else { 0 }),
    }
}

/// An existing cluster: its JobManager pods, as `status` reads them.
async fn existing(target: &ClusterTarget) -> Result<Vec<Finding>> {
    let Some(state) = crate::cluster::status::read(target).await? else {
        return Ok(vec![Finding::new(
            "cluster",
            Outcome::Pass,
            format!(
                "{} does not exist yet: the checks above are for starting it",
                target.cluster_id
            ),
            None,
        )]);
    };
    let mut findings = Vec::new();
    let ready = state.jobmanagers.iter().filter(|p| p.ready).count();
    let stuck: Vec<String> = state
        .jobmanagers
        .iter()
        .filter(|p| !p.ready)
        .map(|p| {
            let mut line = format!("{} {}", p.name, p.state);
            if let Some(reason) = &p.last_termination {
                line.push_str(&format!(" (last ended {reason}, {} restarts)", p.restarts));
            }
            line
        })
        .collect();
    findings.push(if stuck.is_empty() && ready > 0 {
        Finding::new("jobmanager", Outcome::Pass, format!("{ready} ready"), None)
    } else {
        Finding::new(
            "jobmanager",
            Outcome::Fail,
            if stuck.is_empty() {
                "no JobManager pod".to_string()
            } else {
                stuck.join("; ")
            },
            Some(target.connection.suggest.flink(&format!(
                "status {} -n {}",
                target.cluster_id, target.namespace
            ))),
        )
    });
    if let Some(warning) = state.warnings.first() {
        findings.push(Finding::new(
            "events",
            Outcome::Warn,
            format!("{} {}: {}", warning.object, warning.reason, warning.message),
            None,
        ));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demand_counts_the_taskmanagers_the_parallelism_needs() {
        let mib = 1u64 << 20;
        let spec_with = |options: &[(&str, &str)]| {
            let env = Environment::default();
            let mut args = vec!["kubectl-flink", "doctor", "c1"];
            let dynamic: Vec<String> = options.iter().map(|(k, v)| format!("-D{k}={v}")).collect();
            args.extend(dynamic.iter().map(String::as_str));
            args.push("-n");
            args.push("ns");
            let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
            let crate::cli::Command::Doctor(doctor) = cli.command else {
                panic!("not doctor")
            };
            DoctorOptions::complete(&cli.global, doctor, &env)
                .unwrap()
                .deploy
                .spec
        };
        let one = demand(&spec_with(&[]));
        assert_eq!(one.pods, 2);
        assert_eq!(one.memory_requests, 1600 * mib + 1728 * mib);
        let wide = demand(&spec_with(&[
            ("parallelism.default", "8"),
            ("taskmanager.numberOfTaskSlots", "2"),
        ]));
        assert_eq!(wide.pods, 1 + 4);
        assert_eq!(wide.cpu_requests, 1000 + 4 * 2000);
    }

    #[test]
    fn an_image_of_another_release_than_the_rendered_one_is_a_warning() {
        let spec = |options: &[&str]| {
            let mut args = vec!["kubectl-flink", "doctor", "c1", "-n", "ns"];
            args.extend(options);
            let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args).unwrap();
            let crate::cli::Command::Doctor(doctor) = cli.command else {
                panic!("not doctor")
            };
            DoctorOptions::complete(&cli.global, doctor, &Environment::default())
                .unwrap()
                .deploy
                .spec
        };
        assert_eq!(image_release(&spec(&[])).outcome, Outcome::Pass);
        let other = spec(&[
            "-Dkubernetes.container.image.ref=apache/flink:1.20.5-scala_2.12",
            "--flink-version",
            "2.3",
        ]);
        assert_eq!(image_release(&other).outcome, Outcome::Warn);
        let custom = spec(&["-Dkubernetes.container.image.ref=registry.example/jobs:42"]);
        assert_eq!(image_release(&custom).outcome, Outcome::Skip);
    }
}
