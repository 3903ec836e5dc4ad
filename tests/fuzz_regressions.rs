//! The fuzz targets' kept corpus and every crash they found, replayed on stable: no input
//! that ever reached a target may panic or take long again. The campaign itself is
//! `fuzz/run` (nightly, libFuzzer); this test needs neither.

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::path::Path;
use std::time::{Duration, Instant};

/// An input that takes this long counts as a hang.
const SLOW: Duration = Duration::from_secs(5);

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_kept_fuzz_input_runs_without_panic_or_hang() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, target) in targets::TARGETS {
        let corpus = inputs(&root.join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has no seeds");
        for file in corpus
            .iter()
            .chain(inputs(&root.join("regressions").join(name)).iter())
        {
            // A file can vanish while a campaign (`fuzz/run`) rewrites the corpus.
            let Ok(data) = std::fs::read(file) else {
                continue;
            };
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| target(&data));
            total += 1;
            let shown = file
                .strip_prefix(&root)
                .unwrap_or(file)
                .display()
                .to_string();
            match outcome {
                Err(_) => failures.push(format!("{name}: {shown} panics")),
                Ok(()) if started.elapsed() > SLOW => failures.push(format!(
                    "{name}: {shown} took {:.1}s",
                    started.elapsed().as_secs_f64()
                )),
                Ok(()) => {}
            }
        }
    }
    println!("{total} fuzz inputs replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
