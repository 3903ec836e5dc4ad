//! `kubectl flink {session,app} cancel`.

use super::*;

/// `cancel`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelOptions {
    pub target: JobTarget,
    pub job_id: String,
    pub format: Option<Format>,
}

/// Flags to cancel options; the job id is checked before anything is sent.
pub fn complete_cancel(
    global: &GlobalArgs,
    args: &JobCancelArgs,
    mode: DeploymentMode,
    env: &Environment,
) -> Result<CancelOptions> {
    let (target, extra) = complete_target(
        global,
        &args.target,
        &args.route,
        mode,
        vec![args.job.clone()],
        env,
    )?;
    if let Some(unexpected) = extra.get(1) {
        return Err(Error::Usage(format!(
            "unexpected argument '{unexpected}': cancel takes the cluster id and one job id"
        )));
    }
    let job_id = require_job(extra.first(), &target)?;
    Ok(CancelOptions {
        target,
        job_id,
        format: global.format(),
    })
}

/// A cancelled job: the sentence on stderr, nothing on stdout unless `-o name`.
struct Cancelled<'a>(&'a str);

impl Printable for Cancelled<'_> {
    const FORMATS: &'static [Format] = &[Format::Name];

    fn text(&self, _wide: bool) -> String {
        String::new()
    }

    fn names(&self) -> Vec<String> {
        vec![job_name(self.0)]
    }
}

impl Verb for CancelOptions {
    type Args = (JobCancelArgs, DeploymentMode);

    fn complete(global: &GlobalArgs, (args, mode): Self::Args, env: &Environment) -> Result<Self> {
        complete_cancel(global, &args, mode, env)
    }

    fn validate(&self) -> Result<()> {
        let verb = format!("{} cancel", self.target.mode.command_group());
        printer::check::<Cancelled>(&verb, self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.target.warnings());
        block_on(async {
            let rest = self.target.connect(output).await?;
            rest.cancel_job(&self.job_id)
                .await
                .map_err(|e| self.target.failure(e))?;
            output.note(&format!(
                "Cancelled job {} in cluster {}.",
                self.job_id,
                self.target.cluster_id()
            ));
            Ok(output.show(&Cancelled(&self.job_id), self.format)?)
        })
    }
}
