//! `kubectl flink {session,app} list`.

use super::*;

/// `list`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct ListOptions {
    pub target: JobTarget,
    pub all: bool,
    pub format: Option<Format>,
}

/// Flags to list options; `list` takes no positional besides the cluster.
pub fn complete_list(
    global: &GlobalArgs,
    args: &JobListArgs,
    mode: DeploymentMode,
    env: &Environment,
) -> Result<ListOptions> {
    let (target, extra) = complete_target(global, &args.target, &args.route, mode, vec![], env)?;
    if let Some(unexpected) = extra.first() {
        return Err(Error::Usage(format!(
            "unexpected argument '{unexpected}': list takes only the cluster id"
        )));
    }
    Ok(ListOptions {
        target,
        all: args.all,
        format: global.format(),
    })
}

/// The jobs of a cluster, as `list` shows them.
pub struct Jobs {
    pub jobs: Vec<JobOverview>,
    pub cluster: String,
    /// Finished jobs were asked for too.
    pub all: bool,
    /// Times in the table are local times of this zone.
    pub zone: jiff::tz::TimeZone,
}

impl Printable for Jobs {
    const FORMATS: &'static [Format] = Format::ALL;

    fn text(&self, wide: bool) -> String {
        table::render(&self.jobs, wide, &self.zone)
    }

    /// A `List` of the jobs exactly as Flink's `/jobs/overview` shows them.
    fn document(&self) -> Value {
        printer::list(self.jobs.iter().map(|j| j.raw.clone()).collect())
    }

    fn names(&self) -> Vec<String> {
        self.jobs.iter().map(|j| job_name(&j.id)).collect()
    }

    fn empty(&self) -> Option<String> {
        let what = if self.all {
            "jobs"
        } else {
            "running or scheduled jobs"
        };
        self.jobs
            .is_empty()
            .then(|| format!("No {what} in cluster {}.", self.cluster))
    }
}

impl Verb for ListOptions {
    type Args = (JobListArgs, DeploymentMode);

    fn complete(global: &GlobalArgs, (args, mode): Self::Args, env: &Environment) -> Result<Self> {
        complete_list(global, &args, mode, env)
    }

    fn validate(&self) -> Result<()> {
        let verb = format!("{} list", self.target.mode.command_group());
        printer::check::<Jobs>(&verb, self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.target.warnings());
        block_on(async {
            let rest = self.target.connect(output).await?;
            let jobs = rest
                .jobs_overview()
                .await
                .map_err(|e| self.target.failure(e))?;
            let jobs = Jobs {
                jobs: select_jobs(jobs, self.all),
                cluster: self.target.cluster_id().to_string(),
                all: self.all,
                zone: jiff::tz::TimeZone::system(),
            };
            Ok(output.show(&jobs, self.format)?)
        })
    }
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
