//! Starts a control plane and keeps it running until Ctrl-C (or stdin closes), printing the
//! admin kubeconfig: `cargo run -p kube-kit --example serve`, then
//! `kubectl --kubeconfig <printed path> get nodes`.

use std::io::Read;

fn main() {
    let cp = match kube_kit::ControlPlane::start() {
        Ok(cp) => cp,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!("export KUBECONFIG={}", cp.kubeconfig_path().display());
    println!(
        "# server {}  kubelet (kwok) {}",
        cp.server_url(),
        cp.kubelet_addr()
    );
    println!("# logs in {}", cp.log_dir().display());
    println!("# close stdin (Ctrl-D) or Ctrl-C to stop");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
