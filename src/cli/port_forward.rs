//! `kubectl flink port-forward`

use clap::Args;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  kubectl flink port-forward my-session            # then open http://localhost:8081
  kubectl flink port-forward my-session --port 9000
  kubectl flink port-forward my-session --port 0   # any free port; the URL is printed")]
/// `kubectl flink port-forward`: which cluster, and where to listen.
pub struct PortForwardArgs {
    #[command(flatten)]
    pub target: super::target::TargetArgs,
    /// Local port (0: any free port)
    #[arg(long, value_name = "PORT", default_value_t = 8081)]
    pub port: u16,
    /// Local address to listen on
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1")]
    pub address: std::net::IpAddr,
}
