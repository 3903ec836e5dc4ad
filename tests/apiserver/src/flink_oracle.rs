//! Flink's own native Kubernetes client against a fresh test server, reusable for any
//! option set: what it asked for (requests, created objects) is what kubectl-flink must
//! reproduce. Pairs `flink-kit`'s oracle runner with this server.

use crate::{ApiServer, RecordedRequest, ServerOptions};
use flink_kit::golden::Mode;
use flink_kit::oracle::{self, OracleRun};
use serde_json::{Value, json};
use std::path::Path;

/// What one run of Flink's client did against the server.
pub struct FlinkDeploy {
    /// Exit code, output, wall time and peak memory of the client.
    pub run: OracleRun,
    /// Every request the client made, in order.
    pub requests: Vec<RecordedRequest>,
    /// The bodies of the objects it created, as sent.
    pub objects: Vec<Value>,
}

/// Runs Flink's client (`kubernetes-session.sh` for [`Mode::Session`], `flink run --target
/// kubernetes-application` for [`Mode::Application`]) with `-Dkubernetes.namespace=namespace`
/// and `args`, using `conf_dir` as `FLINK_CONF_DIR`, against a fresh server (the namespace
/// is created first when it is not `default`). Blocking; bounded by flink-kit's timeout.
pub fn deploy_with_flink(
    flink_home: &Path,
    conf_dir: &Path,
    mode: Mode,
    namespace: &str,
    args: &[&str],
) -> std::io::Result<FlinkDeploy> {
    let server = futures::executor::block_on(ApiServer::start(ServerOptions::default()))?;
    if namespace != "default" {
        server
            .create(
                "v1",
                "namespaces",
                None,
                json!({"metadata": {"name": namespace}}),
            )
            .map_err(|e| std::io::Error::other(e.message))?;
    }
    server.clear_requests();
    let mut all = vec![format!("-Dkubernetes.namespace={namespace}")];
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let run = match mode {
        Mode::Session => oracle::run_session(flink_home, server.kubeconfig_path(), conf_dir, &all),
        Mode::Application => {
            oracle::run_application(flink_home, server.kubeconfig_path(), conf_dir, &all)
        }
    };
    Ok(FlinkDeploy {
        run,
        requests: server.requests(),
        objects: server.created_objects(),
    })
}
