//! `kubectl flink {session,app} list`.

use super::*;

/// `list`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct ListOptions {
    pub target: JobTarget,
    pub all: bool,
    pub output: OutputFormat,
}

/// Flags to list options; `list` takes no positional besides the cluster.
pub fn complete_list(
    global: &GlobalArgs,
    args: &JobListArgs,
    kind: ClusterKind,
) -> Result<ListOptions> {
    let (target, extra) = complete_target(global, &args.target, &args.route, kind, vec![])?;
    if let Some(unexpected) = extra.first() {
        return Err(Error::Usage(format!(
            "unexpected argument '{unexpected}': list takes only the cluster id"
        )));
    }
    Ok(ListOptions {
        target,
        all: args.all,
        output: global.output.unwrap_or(OutputFormat::Table),
    })
}

/// `kubectl flink {session,app} list`
pub fn list(global: &GlobalArgs, args: JobListArgs, kind: ClusterKind) -> Result<()> {
    let options = complete_list(global, &args, kind)?;
    block_on(run_list(options))
}

pub(super) async fn run_list(options: ListOptions) -> Result<()> {
    let rest = options.target.connect().await?;
    let jobs = rest
        .jobs_overview()
        .await
        .map_err(|e| options.target.failure(e))?;
    let jobs = select_jobs(jobs, options.all);
    let cluster = options.target.cluster_id();
    if jobs.is_empty() && matches!(options.output, OutputFormat::Table | OutputFormat::Wide) {
        let what = if options.all {
            "jobs"
        } else {
            "running or scheduled jobs"
        };
        style::print_note(&format!("No {what} in cluster {cluster}."));
        return Ok(());
    }
    let text = match options.output {
        OutputFormat::Table | OutputFormat::Wide => {
            let zone = jiff::tz::TimeZone::system();
            table::render(&jobs, options.output == OutputFormat::Wide, &zone)
        }
        OutputFormat::Name => jobs.iter().map(|j| format!("job/{}\n", j.id)).collect(),
        OutputFormat::Json => to_json(&jobs_document(&jobs))?,
        OutputFormat::Yaml => to_yaml(&jobs_document(&jobs))?,
    };
    print(&text)
}

/// Running and scheduled jobs (all with `all`), oldest first.
pub fn select_jobs(jobs: Vec<JobOverview>, all: bool) -> Vec<JobOverview> {
    let mut jobs: Vec<JobOverview> = jobs
        .into_iter()
        .filter(|j| all || !j.state.is_globally_terminal())
        .collect();
    jobs.sort_by(|a, b| {
        a.start_time
            .cmp(&b.start_time)
            .then_with(|| a.id.cmp(&b.id))
    });
    jobs
}

/// `-o json|yaml`: the jobs exactly as Flink's `/jobs/overview` shows them.
pub(super) fn jobs_document(jobs: &[JobOverview]) -> serde_json::Value {
    json!({ "jobs": jobs.iter().map(|j| j.raw.clone()).collect::<Vec<_>>() })
}
