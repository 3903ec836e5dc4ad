//! `kubectl flink port-forward`: the web UI and REST API on localhost.

use super::block_on;
use super::target;
use crate::cli::GlobalArgs;
use crate::cli::port_forward::PortForwardArgs;
use crate::cluster::port_forward;
use crate::error::{Error, Result};
use std::net::SocketAddr;

/// Run `kubectl flink port-forward`.
pub fn run(global: &GlobalArgs, args: PortForwardArgs) -> Result<()> {
    let options = target::complete(global, &args.target)?;
    block_on(async {
        let target = target::connect(options).await?;
        let address = SocketAddr::new(args.address, args.port);
        let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| {
            Error::Failed(format!(
                "cannot listen on {address}: {e}: choose another local port with --port"
            ))
        })?;
        port_forward::serve(
            target.connection.rest_client.clone(),
            &target.namespace,
            &target.cluster_id,
            listener,
            |local, pod, port| {
                let _ = crate::output::write_stdout(&format!(
                    "Forwarding http://{local} -> pod {pod}:{port} (Flink cluster {}). Press Ctrl-C to stop.\n",
                    target.cluster_id
                ));
            },
            |error| crate::output::style::print_warning(&error.to_string()),
        )
        .await
    })
}
