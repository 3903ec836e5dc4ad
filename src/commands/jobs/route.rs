//! How a job verb reaches the JobManager (`--via`, `--rest-url`), and how
//! a REST failure becomes one line naming the next step: the route choice
//! in one place.

use super::*;

/// How REST calls travel, from `--via` and `--rest-url`.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Through Kubernetes; None is the default (proxy, port-forward if forbidden).
    Kubernetes(Option<Via>),
    /// Straight to this URL; no Kubernetes connection at all.
    Url(String),
}

/// The cluster a job verb acts on and how to reach it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTarget {
    pub target: TargetOptions,
    pub route: Route,
    /// The command group the user typed, for the hints in messages.
    pub mode: DeploymentMode,
    /// `-v`: say on stderr which route requests take.
    pub verbose: bool,
}

impl JobTarget {
    pub(super) fn cluster_id(&self) -> &str {
        &self.target.cluster_id
    }

    /// The REST client for this target (connects to Kubernetes unless a URL was given).
    pub(super) async fn connect(&self, output: &Output) -> Result<FlinkRest> {
        let transport = match &self.route {
            Route::Url(url) => Transport::direct(url).map_err(Error::Usage)?,
            Route::Kubernetes(via) => {
                let cluster = self.target.connect().await?;
                let client = cluster.connection.rest_client;
                let (ns, id) = (&cluster.namespace, &cluster.cluster_id);
                match via {
                    None => Transport::services_proxy(client, ns, id),
                    Some(Via::Proxy) => Transport::services_proxy_only(client, ns, id),
                    Some(Via::Forward) => Transport::port_forward(client, ns, id),
                }
            }
        };
        let rest = FlinkRest::new(transport);
        if self.verbose {
            output.note(&format!("Talking to {}.", rest.describe()));
        }
        Ok(rest)
    }

    /// The client for uploading a large jar: on the default route a
    /// port-forward (it streams with live progress and avoids the API
    /// server's proxy limits); the route the user chose otherwise.
    pub(super) async fn connect_for_large_upload(&self, output: &Output) -> Result<FlinkRest> {
        if self.route != Route::Kubernetes(None) {
            return self.connect(output).await;
        }
        let forced = JobTarget {
            route: Route::Kubernetes(Some(Via::Forward)),
            ..self.clone()
        };
        forced.connect(output).await
    }

    /// A REST failure as one line naming the fix.
    pub(super) fn failure(&self, error: RestError) -> Error {
        let cluster = self.cluster_id();
        let list = format!("kubectl flink {} list {cluster}", self.mode.command_group());
        let message = match error {
            RestError::JobNotFound(job) => {
                format!("job {job} was not found in cluster {cluster}: list jobs with `{list}`")
            }
            // Already a whole line naming `kubectl flink get`.
            RestError::ClusterNotFound(line) => format!("{line}, or pick the namespace with -n"),
            // Already a whole line naming `--wait`: another route would not help.
            RestError::NotReady(line) => line,
            RestError::ApiServerUnreachable(line) => line,
            RestError::Unreachable(detail) | RestError::ProxyUnavailable(detail) => {
                // Suggest only the routes not tried yet.
                let next = match &self.route {
                    Route::Kubernetes(None) => {
                        format!(
                            "check that it runs with `kubectl flink get {cluster}`, or try --via forward or --rest-url"
                        )
                    }
                    Route::Kubernetes(Some(_)) => format!(
                        "check that it runs with `kubectl flink get {cluster}`, or port-forward yourself and pass --rest-url"
                    ),
                    Route::Url(url) => format!(
                        "check that {url} is the JobManager's REST address (is your port-forward still running?)"
                    ),
                };
                format!("cannot reach the JobManager of cluster {cluster}: {detail}: {next}")
            }
            RestError::Forbidden(detail) => format!(
                "not allowed to reach the JobManager of cluster {cluster}: {detail}: ask for services/proxy or pods/portforward access, or port-forward yourself and pass --rest-url"
            ),
            RestError::Flink { status, message } => {
                format!("cluster {cluster} refused the request (HTTP {status}): {message}")
            }
            RestError::SavepointFailed { reason } => {
                format!(
                    "the savepoint failed in cluster {cluster}: {reason}: check that the job is RUNNING with `{list}` and the target directory is writable by Flink, then retry"
                )
            }
            RestError::TimedOut(detail) => format!("{detail}: wait longer with --timeout"),
            RestError::Unsupported(line) => format!("cluster {cluster}: {line}"),
            RestError::BadResponse(detail) => format!(
                "cluster {cluster} gave an answer kubectl-flink does not understand: {detail}: is it a Flink JobManager?"
            ),
        };
        Error::Failed(one_line(&message))
    }
}

/// The target and the verb's own positionals. When the cluster id comes
/// from `--cluster-id` or `-Dkubernetes.cluster-id`, a first positional is
/// the verb's (a job id, a jar), not a second cluster id.
pub(super) fn complete_target(
    global: &GlobalArgs,
    args: &TargetArgs,
    route: &RestRouteArgs,
    mode: DeploymentMode,
    positionals: Vec<Option<String>>,
    env: &Environment,
) -> Result<(JobTarget, Vec<String>)> {
    let mut args = args.clone();
    let named_elsewhere = args.cluster_id.is_some()
        || args
            .flink
            .dynamic
            .iter()
            .any(|raw| parse_dynamic_option(raw).is_ok_and(|(key, _)| key == CLUSTER_ID.key));
    let mut own: Vec<String> = positionals.into_iter().flatten().collect();
    if named_elsewhere && let Some(first) = args.id.take() {
        own.insert(0, first);
    }
    let target = target::complete(global, &args, env)?;
    let route = match &route.rest_url {
        Some(url) => {
            Transport::direct(url).map_err(Error::Usage)?;
            Route::Url(url.clone())
        }
        None => Route::Kubernetes(route.via),
    };
    let verbose = global.verbosity() > 0;
    Ok((
        JobTarget {
            target,
            route,
            mode,
            verbose,
        },
        own,
    ))
}
