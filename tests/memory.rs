//! Flink's memory model as users meet it: a JobManager configuration Flink
//! refuses is refused before anything is created, with Flink's reason and the
//! size to set; a TaskManager configuration the JobManager would refuse is a
//! warning; and the derived sizes and refusals match Flink 2.3.0's own
//! `JobManagerProcessUtils` / `TaskExecutorProcessUtils` (run through its
//! `BashJavaUtils`) when Java and Flink are available.

mod common;

use common::*;
use kubectl_flink::config::Configuration;
use kubectl_flink::flink::memory::{jobmanager_memory, taskmanager_memory};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn dry_run(home: &Scratch, options: &[&str]) -> std::process::Output {
    let mut args = vec!["session", "start", "x", "--dry-run=client", "-o", "json"];
    args.extend_from_slice(options);
    run(home.path(), &args)
}

fn container_memory(output: &std::process::Output) -> serde_json::Value {
    let items = json_items(output);
    item(&items, "Deployment", "x")["spec"]["template"]["spec"]["containers"][0]["resources"]
        ["requests"]["memory"]
        .clone()
}

#[test]
fn too_small_jobmanager_process_size_is_refused_with_flinks_reason_and_the_fix() {
    let home = Scratch::new("mem-100m");
    let out = dry_run(&home, &["-Djobmanager.memory.process.size=100m"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        stdout(&out).is_empty(),
        "nothing is rendered: {}",
        stdout(&out)
    );
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    for needle in [
        "error: ",
        "Sum of configured JVM Metaspace (256.000mb (268435456 bytes)) and JVM Overhead (192.000mb (201326592 bytes)) exceed configured Total Process Memory (100.000mb (104857600 bytes)).",
        // The smallest process size that leaves Flink's recommended 128m heap:
        // 256m metaspace + 192m overhead + 128m off-heap + 128m heap.
        "-Djobmanager.memory.process.size=704m",
    ] {
        assert!(lines[0].contains(needle), "{needle:?} not in {err}");
    }
}

#[test]
fn the_suggested_size_is_accepted() {
    let home = Scratch::new("mem-704m");
    let out = dry_run(&home, &["-Djobmanager.memory.process.size=704m"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(container_memory(&out), "704Mi");
    assert!(
        !stderr(&out).contains("heap memory size"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn valid_jobmanager_memory_still_renders_its_total_process_size() {
    let home = Scratch::new("mem-valid");
    let out = dry_run(&home, &["-Djobmanager.memory.process.size=2g"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(container_memory(&out), "2048Mi");
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // Heap only (the built-in process size is dropped by giving a conf dir
    // without memory): 1g + 128m off-heap + 256m metaspace + 192m overhead.
    let conf = home.write("conf/config.yaml", "parallelism.default: 1\n");
    let conf = conf.parent().map(Path::to_path_buf).unwrap_or_default();
    let conf = conf.display().to_string();
    let out = dry_run(
        &home,
        &[
            "--flink-conf-dir",
            &conf,
            "-Djobmanager.memory.heap.size=1g",
            "-Dtaskmanager.memory.process.size=1728m",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(container_memory(&out), "1600Mi");
}

#[test]
fn a_taskmanager_configuration_flink_refuses_warns_and_still_renders() {
    let home = Scratch::new("mem-tm");
    let out = dry_run(&home, &["-Dtaskmanager.memory.process.size=200m"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(container_memory(&out), "1600Mi");
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: TaskManager memory configuration failed: "))
        .unwrap_or_else(|| panic!("no TaskManager warning in {err}"));
    for needle in [
        "Sum of configured JVM Metaspace (256.000mb (268435456 bytes)) and JVM Overhead (192.000mb (201326592 bytes)) exceed configured Total Process Memory (200.000mb (209715200 bytes)).",
        // Flink 2.3.0 accepts 982m and refuses 981m (checked with BashJavaUtils).
        "-Dtaskmanager.memory.process.size=982m",
    ] {
        assert!(warning.contains(needle), "{needle:?} not in {warning}");
    }
    let warned_at = err.find("warning: TaskManager").unwrap_or(usize::MAX);
    if let Some(note) = err.find("Note:") {
        assert!(warned_at < note, "the warning comes first: {err}");
    }
}

#[test]
fn a_small_jobmanager_heap_gets_flinks_warning() {
    let home = Scratch::new("mem-small-heap");
    let out = dry_run(&home, &["-Djobmanager.memory.process.size=600m"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(container_memory(&out), "600Mi");
    assert!(
        err.contains("The configured or derived JVM heap memory size (24.000mb (25165824 bytes)) is less than its recommended minimum value (128.000mb (134217728 bytes))"),
        "{err}"
    );
}

// ---- Against Flink 2.3.0 itself -------------------------------------------

/// What Flink's BashJavaUtils printed: the derived sizes (`-D key=<bytes>b`)
/// or the exception's messages, outermost first.
enum Flink {
    Sizes(BTreeMap<String, u64>),
    Refused(Vec<String>),
}

fn bash_java_utils(
    flink_home: &Path,
    conf_dir: &Path,
    command: &str,
    options: &[(&str, &str)],
) -> Flink {
    let lib = flink_home.join("lib");
    let mut classpath = vec![flink_home.join("bin").join("bash-java-utils.jar")];
    classpath.extend(
        std::fs::read_dir(&lib)
            .expect("Flink's lib dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("flink-dist") || n.starts_with("log4j"))
            }),
    );
    let classpath = std::env::join_paths(classpath).expect("classpath");
    let mut java = Command::new("java");
    java.arg("-cp")
        .arg(classpath)
        .arg("org.apache.flink.runtime.util.bash.BashJavaUtils")
        .arg(command)
        .arg("--configDir")
        .arg(conf_dir);
    for (key, value) in options {
        java.arg("-D").arg(format!("{key}={value}"));
    }
    let out = java.output().expect("run java");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(line) = text
        .lines()
        .find(|l| l.starts_with("BASH_JAVA_UTILS_EXEC_RESULT:-D "))
    {
        let sizes = line
            .trim_start_matches("BASH_JAVA_UTILS_EXEC_RESULT:")
            .split("-D ")
            .filter_map(|pair| pair.trim().split_once('='))
            .filter_map(|(k, v)| Some((k.to_string(), v.strip_suffix('b')?.parse().ok()?)))
            .collect();
        return Flink::Sizes(sizes);
    }
    let mut messages = Vec::new();
    for line in text.lines() {
        let rest = line
            .strip_prefix("Exception in thread \"main\" ")
            .or_else(|| line.strip_prefix("Caused by: "));
        if let Some((_, message)) = rest.and_then(|r| r.split_once(": ")) {
            let message = message
                .strip_prefix("TaskManager memory configuration failed: ")
                .unwrap_or(message);
            if messages.last().map(String::as_str) != Some(message) {
                messages.push(message.to_string());
            }
        }
    }
    assert!(
        !messages.is_empty(),
        "neither sizes nor an exception: {text}"
    );
    Flink::Refused(messages)
}

/// Flink's exception chain on one line, as kubectl-flink words it.
fn one_line(messages: &[String]) -> String {
    let mut line = messages.last().cloned().unwrap_or_default();
    for outer in messages.iter().rev().skip(1) {
        line = if outer.ends_with('.') {
            format!("{outer} Caused by: {line}")
        } else {
            format!("{outer}; caused by: {line}")
        };
    }
    line
}

fn configuration(options: &[(&str, &str)]) -> Configuration {
    options
        .iter()
        .map(|(k, v)| (*k, serde_json::json!(v)))
        .collect()
}

const JOBMANAGER_CASES: &[&[(&str, &str)]] = &[
    &[("jobmanager.memory.process.size", "1600m")],
    &[("jobmanager.memory.process.size", "100m")],
    &[("jobmanager.memory.process.size", "600m")],
    &[("jobmanager.memory.process.size", "576m")],
    &[
        ("jobmanager.memory.process.size", "1234567891b"),
        ("jobmanager.memory.jvm-metaspace.size", "100m"),
        ("jobmanager.memory.jvm-overhead.min", "0b"),
        ("jobmanager.memory.jvm-overhead.max", "10g"),
        ("jobmanager.memory.jvm-overhead.fraction", "0.17"),
    ],
    &[
        ("jobmanager.memory.process.size", "3g"),
        ("jobmanager.memory.jvm-overhead.fraction", "0.25"),
    ],
    &[("jobmanager.memory.flink.size", "1024m")],
    &[("jobmanager.memory.flink.size", "4096m")],
    &[("jobmanager.memory.flink.size", "100m")],
    &[
        ("jobmanager.memory.flink.size", "1000m"),
        ("jobmanager.memory.jvm-overhead.fraction", "0.3"),
        ("jobmanager.memory.jvm-overhead.max", "2g"),
    ],
    &[("jobmanager.memory.heap.size", "1g")],
    &[
        ("jobmanager.memory.heap.size", "1g"),
        ("jobmanager.memory.off-heap.size", "256m"),
        ("jobmanager.memory.flink.size", "1280m"),
    ],
    &[
        ("jobmanager.memory.heap.size", "1g"),
        ("jobmanager.memory.off-heap.size", "128m"),
        ("jobmanager.memory.flink.size", "2g"),
    ],
    &[
        ("jobmanager.memory.heap.size", "2g"),
        ("jobmanager.memory.flink.size", "1g"),
    ],
    &[
        ("jobmanager.memory.heap.size", "1g"),
        ("jobmanager.memory.flink.size", "1536m"),
    ],
    &[
        ("jobmanager.memory.process.size", "2g"),
        ("jobmanager.memory.heap.size", "1g"),
    ],
    &[
        ("jobmanager.memory.process.size", "1g"),
        ("jobmanager.memory.flink.size", "2g"),
    ],
    &[
        ("jobmanager.memory.process.size", "4g"),
        ("jobmanager.memory.heap.size", "1g"),
    ],
    &[
        ("jobmanager.memory.process.size", "1g"),
        ("jobmanager.memory.jvm-overhead.min", "2g"),
    ],
    &[
        ("jobmanager.memory.process.size", "1g"),
        ("jobmanager.memory.jvm-overhead.fraction", "1.5"),
    ],
    &[("jobmanager.memory.heap.size", "9223372036854775807b")],
    &[],
];

const TASKMANAGER_CASES: &[&[(&str, &str)]] = &[
    &[("taskmanager.memory.process.size", "1728m")],
    &[("taskmanager.memory.process.size", "200m")],
    &[("taskmanager.memory.process.size", "982m")],
    &[("taskmanager.memory.process.size", "981m")],
    &[("taskmanager.memory.flink.size", "1280m")],
    &[
        ("taskmanager.memory.flink.size", "1g"),
        ("taskmanager.memory.task.heap.size", "512m"),
        ("taskmanager.memory.managed.size", "512m"),
    ],
    &[
        ("taskmanager.memory.task.heap.size", "512m"),
        ("taskmanager.memory.managed.size", "256m"),
    ],
    &[
        ("taskmanager.memory.task.heap.size", "512m"),
        ("taskmanager.memory.managed.size", "256m"),
        ("taskmanager.memory.flink.size", "1g"),
    ],
    &[
        ("taskmanager.memory.task.heap.size", "512m"),
        ("taskmanager.memory.managed.size", "256m"),
        ("taskmanager.memory.flink.size", "2g"),
        ("taskmanager.memory.network.max", "256m"),
    ],
    &[
        ("taskmanager.memory.process.size", "4g"),
        ("taskmanager.memory.managed.fraction", "0.5"),
        ("taskmanager.memory.network.fraction", "0.2"),
        ("taskmanager.memory.network.min", "128m"),
        ("taskmanager.memory.network.max", "512m"),
    ],
    &[
        ("taskmanager.memory.process.size", "2g"),
        ("taskmanager.memory.managed.size", "100m"),
    ],
    &[
        ("taskmanager.memory.flink.size", "2g"),
        ("taskmanager.memory.task.heap.size", "1g"),
    ],
    &[
        ("taskmanager.memory.process.size", "2g"),
        ("taskmanager.memory.network.min", "1g"),
        ("taskmanager.memory.network.max", "512m"),
    ],
    &[
        ("taskmanager.memory.process.size", "2g"),
        ("taskmanager.memory.managed.fraction", "1.0"),
    ],
    &[
        ("taskmanager.memory.task.heap.size", "100m"),
        ("taskmanager.memory.managed.size", "0b"),
        ("taskmanager.memory.network.fraction", "0.9999"),
    ],
    &[
        ("taskmanager.memory.process.size", "3000m"),
        ("taskmanager.network.memory.fraction", "0.2"),
    ],
    &[
        ("taskmanager.memory.process.size", "2g"),
        ("taskmanager.memory.task.off-heap.size", "300m"),
        ("taskmanager.memory.framework.heap.size", "64m"),
    ],
    &[
        ("taskmanager.memory.process.size", "1234567891b"),
        ("taskmanager.memory.managed.fraction", "0.33"),
        ("taskmanager.memory.jvm-overhead.fraction", "0.07"),
    ],
    &[],
];

fn check_jobmanager(flink: Flink, options: &[(&str, &str)]) -> Result<(), String> {
    let ours = jobmanager_memory(&configuration(options));
    match (flink, ours) {
        (Flink::Sizes(sizes), Ok(memory)) => {
            let theirs = [
                sizes.get("jobmanager.memory.heap.size"),
                sizes.get("jobmanager.memory.off-heap.size"),
                sizes.get("jobmanager.memory.jvm-metaspace.size"),
                sizes.get("jobmanager.memory.jvm-overhead.min"),
            ];
            let ours = [
                memory.heap.0,
                memory.off_heap.0,
                memory.metaspace.0,
                memory.overhead.0,
            ];
            if theirs.iter().zip(ours).all(|(t, o)| *t == Some(&o)) {
                Ok(())
            } else {
                Err(format!("Flink {sizes:?}, ours {memory:?}"))
            }
        }
        (Flink::Refused(messages), Err(e)) if e.cause == one_line(&messages) => Ok(()),
        (Flink::Refused(messages), ours) => Err(format!(
            "Flink refused: {}\nours: {ours:?}",
            one_line(&messages)
        )),
        (Flink::Sizes(sizes), Err(e)) => Err(format!("Flink accepted {sizes:?}, we refused: {e}")),
    }
}

fn check_taskmanager(flink: Flink, options: &[(&str, &str)]) -> Result<(), String> {
    let ours = taskmanager_memory(&configuration(options));
    match (flink, ours) {
        (Flink::Sizes(sizes), Ok(memory)) => {
            let theirs = [
                "taskmanager.memory.framework.heap.size",
                "taskmanager.memory.framework.off-heap.size",
                "taskmanager.memory.task.heap.size",
                "taskmanager.memory.task.off-heap.size",
                "taskmanager.memory.network.min",
                "taskmanager.memory.managed.size",
                "taskmanager.memory.jvm-metaspace.size",
                "taskmanager.memory.jvm-overhead.min",
            ]
            .map(|k| sizes.get(k).copied());
            let ours = [
                memory.framework_heap,
                memory.framework_off_heap,
                memory.task_heap,
                memory.task_off_heap,
                memory.network,
                memory.managed,
                memory.metaspace,
                memory.overhead,
            ]
            .map(|m| Some(m.0));
            if theirs == ours {
                Ok(())
            } else {
                Err(format!("Flink {theirs:?}, ours {ours:?}"))
            }
        }
        (Flink::Refused(messages), Err(e)) if e.cause == one_line(&messages) => Ok(()),
        (Flink::Refused(messages), ours) => Err(format!(
            "Flink refused: {}\nours: {ours:?}",
            one_line(&messages)
        )),
        (Flink::Sizes(sizes), Err(e)) => Err(format!("Flink accepted {sizes:?}, we refused: {e}")),
    }
}

#[test]
fn derivations_and_refusals_match_flinks_own_memory_utils() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let scratch = Scratch::new("mem-oracle");
    let conf_file = scratch.write("conf/config.yaml", "jobmanager.rpc.address: localhost\n");
    let conf_dir = conf_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let cases: Vec<(&str, &[(&str, &str)])> = JOBMANAGER_CASES
        .iter()
        .map(|c| ("GET_JM_RESOURCE_PARAMS", *c))
        .chain(
            TASKMANAGER_CASES
                .iter()
                .map(|c| ("GET_TM_RESOURCE_PARAMS", *c)),
        )
        .collect();
    // One JVM per case, a few at a time.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<_> = cases
            .chunks(cases.len().div_ceil(4))
            .map(|chunk| {
                let (flink_home, conf_dir) = (&flink_home, &conf_dir);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(command, options)| {
                            let flink = bash_java_utils(flink_home, conf_dir, command, options);
                            let checked = if *command == "GET_JM_RESOURCE_PARAMS" {
                                check_jobmanager(flink, options)
                            } else {
                                check_taskmanager(flink, options)
                            };
                            checked.err().map(|e| format!("{options:?}: {e}"))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| vec!["a case panicked".to_string()])
            })
            .collect()
    });
    assert!(
        failures.is_empty(),
        "differences from Flink 2.3.0:\n{}",
        failures.join("\n\n")
    );
}
