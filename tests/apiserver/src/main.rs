//! `test-apiserver`: runs the test API server as a process, for manual runs and
//! benchmarks. `--kubeconfig PATH [--tls] [--rbac] [--port N]`.

use std::path::PathBuf;
use test_apiserver::{ApiServer, ServerOptions};

fn usage() -> ! {
    eprintln!("usage: test-apiserver --kubeconfig PATH [--tls] [--rbac] [--port N]");
    std::process::exit(2);
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let mut opts = ServerOptions::default();
    let mut kubeconfig: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--kubeconfig" => kubeconfig = Some(args.next().unwrap_or_else(|| usage()).into()),
            "--tls" => opts.tls = true,
            "--rbac" => opts.rbac_enforced = true,
            "--port" => {
                opts.port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            _ => usage(),
        }
    }
    let Some(kubeconfig) = kubeconfig else {
        usage()
    };
    let server = ApiServer::start(opts).await?;
    server.write_kubeconfig(&kubeconfig, "admin", Some("default"))?;
    println!("url: {}", server.url());
    println!("kubeconfig: {}", kubeconfig.display());
    std::future::pending::<()>().await;
    drop(server);
    Ok(())
}
