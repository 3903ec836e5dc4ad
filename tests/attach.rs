//! `session attach`: commands read from stdin (`help`, `quit`, `stop`, end
//! of input), on the imitation API server and on the real control plane.

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_reads_commands_from_stdin_and_stop_removes_the_cluster() {
    let server = server().await;
    let home = Scratch::new("attach");
    assert_eq!(start(&server, &home, "a1", &[]).status.code(), Some(0));

    let out = with_stdin(
        &server,
        &home,
        &["session", "attach", "a1"],
        "help\nbogus\nquit\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Available commands:") && err.contains("Unknown command 'bogus'"),
        "{err}"
    );
    assert!(
        !leftovers(&server, "a1").is_empty(),
        "quit keeps the cluster"
    );

    let out = with_stdin(&server, &home, &["session", "attach", "a1"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "end of input detaches: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Detached"));

    let out = with_stdin(&server, &home, &["session", "attach", "a1"], "stop\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        leftovers(&server, "a1").is_empty(),
        "{:?}",
        leftovers(&server, "a1")
    );

    let out = with_stdin(&server, &home, &["session", "attach", "a1"], "");
    assert_eq!(
        out.status.code(),
        Some(1),
        "attaching to a missing cluster fails"
    );
}

#[test]
fn session_attach_names_the_cluster_and_its_stop_removes_it() {
    let Some(k) = Cluster::new("attach") else {
        return;
    };
    assert_eq!(k.start("at1", &[]).status.code(), Some(0));
    let mut child = command(k.home.path())
        .args(["--kubeconfig", &k.kubeconfig, "session", "attach", "at1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn attach");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"stop\n")
            .expect("write stop");
    }
    let out = child.wait_with_output().expect("attach");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "Attached to Flink session cluster at1 in namespace {}",
            k.namespace
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("Flink session cluster at1 stopped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(k.until_gone("at1"), Vec::<String>::new());
}
