//! `kubectl flink {session,app} cancel`.

use super::*;

/// `cancel`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelOptions {
    pub target: JobTarget,
    pub job_id: String,
    pub output: Option<OutputFormat>,
}

/// Flags to cancel options; the job id is checked before anything is sent.
pub fn complete_cancel(
    global: &GlobalArgs,
    args: &JobCancelArgs,
    kind: ClusterKind,
) -> Result<CancelOptions> {
    let (target, extra) = complete_target(
        global,
        &args.target,
        &args.route,
        kind,
        vec![args.job.clone()],
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
        output: global.output,
    })
}

/// `kubectl flink {session,app} cancel`
pub fn cancel(global: &GlobalArgs, args: JobCancelArgs, kind: ClusterKind) -> Result<()> {
    let options = complete_cancel(global, &args, kind)?;
    block_on(run_cancel(options))
}

pub(super) async fn run_cancel(options: CancelOptions) -> Result<()> {
    let rest = options.target.connect().await?;
    rest.cancel_job(&options.job_id)
        .await
        .map_err(|e| options.target.failure(e))?;
    style::print_note(&format!(
        "Cancelled job {} in cluster {}.",
        options.job_id,
        options.target.cluster_id()
    ));
    if options.output == Some(OutputFormat::Name) {
        print(&format!("job/{}\n", options.job_id))?;
    }
    Ok(())
}
