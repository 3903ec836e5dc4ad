//! `kubectl flink port-forward`: the web UI and REST API on localhost.

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::port_forward::PortForwardArgs;
use crate::cluster::port_forward;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::Output;
use std::net::SocketAddr;

/// `port-forward`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct PortForwardOptions {
    pub target: TargetOptions,
    pub address: SocketAddr,
}

impl Verb for PortForwardOptions {
    type Args = PortForwardArgs;

    fn complete(global: &GlobalArgs, args: PortForwardArgs, env: &Environment) -> Result<Self> {
        if global.output.is_some() {
            return Err(Error::Usage(
                "-o does not apply to port-forward: it prints one line and forwards until Ctrl-C"
                    .into(),
            ));
        }
        Ok(PortForwardOptions {
            target: target::complete(global, &args.target, env)?,
            address: SocketAddr::new(args.address, args.port),
        })
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            let address = self.address;
            let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
                Error::Failed(format!(
                    "cannot listen on {address}: {e}: choose another local port with --port"
                ))
            })?;
            let failures = output.clone();
            port_forward::serve(
                target.connection.rest_client.clone(),
                &target.namespace,
                &target.cluster_id,
                listener,
                |local, pod, port| {
                    let _ = output.print(&format!(
                        "Forwarding http://{local} -> pod {pod}:{port} (Flink cluster {}). Press Ctrl-C to stop.\n",
                        target.cluster_id
                    ));
                },
                move |error| failures.warn(&error.to_string()),
            )
            .await?;
            Ok(())
        })
    }
}
