//! Interactive exec credential plugins, by kubectl's `interactiveMode`
//! rules, with stdin a real terminal (a pty) or a pipe: `Always` without a
//! terminal fails with kubectl's words before the plugin runs; on a terminal
//! the plugin reads what the user types, once per command; `IfAvailable`
//! and `Never` keep a piped stdin from it.

use super::{Cluster, command, kubeconfig, stderr};
use crate::common::open_pty;
use std::io::{Read, Write};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Where kubectl-flink's stdin comes from.
enum Stdin<'a> {
    /// A pipe carrying this text.
    Pipe(&'a str),
    /// A pty whose user types this text.
    Terminal(&'a str),
}

/// Run the binary with `args` and `stdin`, killed after 60 s.
fn run(k: &Cluster, args: &[&str], stdin: Stdin<'_>) -> Output {
    let mut cmd = command(k.home.path());
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut master = None;
    let typed = match stdin {
        Stdin::Pipe(text) => {
            cmd.stdin(Stdio::piped());
            text
        }
        Stdin::Terminal(text) => {
            let (pty, slave) = open_pty();
            cmd.stdin(Stdio::from(slave));
            master = Some(pty);
            text
        }
    };
    let mut child = cmd.spawn().expect("run kubectl-flink");
    match (&mut master, child.stdin.take()) {
        (Some(pty), _) => {
            pty.write_all(typed.as_bytes())
                .expect("type on the terminal");
            // Drain the echo so the terminal never blocks.
            let mut echo = pty.try_clone().expect("the pty");
            std::thread::spawn(move || {
                let mut sink = [0u8; 1024];
                while echo.read(&mut sink).is_ok_and(|n| n > 0) {}
            });
        }
        (None, Some(mut pipe)) => {
            let _ = pipe.write_all(typed.as_bytes());
        }
        (None, None) => {}
    }
    let (mut out, mut err) = (
        child.stdout.take().expect("stdout"),
        child.stderr.take().expect("stderr"),
    );
    let reading_out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        text
    });
    let reading_err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kubectl-flink {args:?} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(master);
    Output {
        status,
        stdout: reading_out.join().expect("stdout"),
        stderr: reading_err.join().expect("stderr"),
    }
}

#[test]
fn interactive_exec_plugins_follow_kubectls_rules() {
    let Some(k) = Cluster::new("interactive") else {
        return;
    };
    let token =
        k.cp.service_account_token(&k.namespace, "typed")
            .expect("a token");
    let log = k.home.path().join("plugin.log");
    // A plugin that asks for a password on a terminal and gives the token
    // only for the right one; it logs each run and what it read.
    let script = k.home.path().join("password-plugin");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":true'*) i=yes;; *) i=no;; esac\n[ -t 0 ] && printf 'password: ' >&2\nread -r line || line=''\necho \"run interactive=$i read=$line\" >> {log}\nif [ \"$line\" != sesame ]; then echo 'no password given' >&2; exit 1; fi\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'\n",
            log = log.display()
        ),
    )
    .expect("write the plugin");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let with_mode = |mode: &str| {
        let user = format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: {mode}\n",
            script.display()
        );
        kubeconfig(&k, &format!("interactive-{mode}"), &user, None)
    };
    let runs = || std::fs::read_to_string(&log).unwrap_or_default();
    let who = format!("system:serviceaccount:{}:typed", k.namespace);

    // Always, stdin a pipe: kubectl's refusal, and the plugin never runs.
    let always = with_mode("Always");
    let out = run(
        &k,
        &["--kubeconfig", &always, "get"],
        Stdin::Pipe("sesame\n"),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "exec plugin cannot support interactive mode: standard input is not a terminal"
        ),
        "{err}"
    );
    assert_eq!(runs(), "", "the plugin ran");

    // Always on a terminal: the plugin prompts, reads what is typed, once,
    // and its token is the one the real API server names.
    let out = run(
        &k,
        &["--kubeconfig", &always, "get"],
        Stdin::Terminal("sesame\n"),
    );
    let err = stderr(&out);
    assert!(err.contains("password: "), "no prompt shown: {err}");
    assert!(err.contains(&who), "the typed password was not used: {err}");
    assert!(!err.contains(&token), "{err}");
    assert_eq!(runs(), "run interactive=yes read=sesame\n");

    // IfAvailable on a terminal: the same.
    std::fs::remove_file(&log).expect("reset the log");
    let if_available = with_mode("IfAvailable");
    let out = run(
        &k,
        &["--kubeconfig", &if_available, "get"],
        Stdin::Terminal("sesame\n"),
    );
    assert!(stderr(&out).contains(&who), "{}", stderr(&out));
    assert_eq!(runs(), "run interactive=yes read=sesame\n");

    // IfAvailable and Never with a piped stdin, Never on a terminal: the
    // plugin is told it is not interactive and reads nothing of ours.
    for (kubeconfig, stdin) in [
        (&if_available, Stdin::Pipe("sesame\n")),
        (&with_mode("Never"), Stdin::Pipe("sesame\n")),
        (&with_mode("Never"), Stdin::Terminal("sesame\n")),
    ] {
        std::fs::remove_file(&log).expect("reset the log");
        let out = run(&k, &["--kubeconfig", kubeconfig, "get"], stdin);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("password-plugin") && err.contains("no password given"),
            "{err}"
        );
        assert_eq!(runs(), "run interactive=no read=\n");
    }
}
