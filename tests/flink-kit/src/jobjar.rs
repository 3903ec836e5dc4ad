//! A tiny streaming job, compiled at test time against the installed Flink.
//!
//! The job (`numbers -> double -> discard`) generates 50 longs a second (a rate-limited
//! `DataGeneratorSource`, so it idles instead of burning a core), runs with parallelism 1 and a
//! checkpoint every 5 s, and never finishes on its own: it suits savepoint, stop and cancel
//! tests. The jar is cached under the test cache by a hash of the source and the Flink version,
//! so it is compiled once per machine.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{run_bounded, tail};

/// Fully qualified main class of [`streaming_job_jar`]; also set as the jar's `Main-Class`.
pub const STREAMING_JOB_CLASS: &str = "flinkkit.StreamingJob";

/// The name the job gives itself, as shown by `GET /jobs/overview` and `flink list`.
pub const STREAMING_JOB_NAME: &str = "flink-kit streaming job";

/// How long `javac` or `jar` may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(180);

const STREAMING_JOB_SOURCE: &str = r#"package flinkkit;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Generates numbers until cancelled; checkpointed, so savepoints and stop work. */
public final class StreamingJob {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(5000);
        DataGeneratorSource<Long> numbers = new DataGeneratorSource<>(
                new Identity(), Long.MAX_VALUE, RateLimiterStrategy.perSecond(50), Types.LONG);
        env.fromSource(numbers, WatermarkStrategy.noWatermarks(), "numbers")
                .map(new Double()).name("double")
                .sinkTo(new DiscardingSink<>()).name("discard");
        env.execute("flink-kit streaming job");
    }

    /** Emits the index it is given. */
    public static final class Identity implements GeneratorFunction<Long, Long> {
        @Override
        public Long map(Long index) {
            return index;
        }
    }

    /** Some work between source and sink. */
    public static final class Double implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) {
            return value * 2;
        }
    }
}
"#;

/// The same job for Flink 1.18, whose `flink-dist` has neither the new `DataGeneratorSource`
/// nor the sink-v2 `DiscardingSink`: a number sequence, slowed in the map, into the legacy sink.
const STREAMING_JOB_SOURCE_1_18: &str = r#"package flinkkit;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;

/** Generates numbers until cancelled; checkpointed, so savepoints and stop work. */
public final class StreamingJob {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(5000);
        env.fromSequence(0, Long.MAX_VALUE).name("numbers")
                .map(new Double()).name("double")
                .addSink(new DiscardingSink<>()).name("discard");
        env.execute("flink-kit streaming job");
    }

    /** Some work between source and sink, about 50 records a second. */
    public static final class Double implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(20);
            return value * 2;
        }
    }
}
"#;

/// The job's source for the distribution at `flink_home`.
fn job_source(flink_home: &Path) -> &'static str {
    match crate::oracle::release_of(flink_home) {
        Some(release) if release.starts_with("1.18.") => STREAMING_JOB_SOURCE_1_18,
        _ => STREAMING_JOB_SOURCE,
    }
}

/// Returns the path of the streaming job jar, compiling it with `javac` against
/// `$FLINK_HOME/lib/*` and packaging it with `jar cfe` if the cache does not hold it yet.
/// Concurrent callers (threads or processes) serialise on a lock file; the jar is written
/// under a temporary name and renamed, so a partial jar is never returned.
pub fn streaming_job_jar(flink_home: &Path) -> Result<PathBuf, String> {
    let release = crate::oracle::release_of(flink_home).unwrap_or_default();
    let key = fnv1a64(format!("{release}\n{}", job_source(flink_home)).as_bytes());
    let dir = crate::cache_dir()?.join("jobjars");
    let jar = dir.join(format!("streaming-job-{key:016x}.jar"));
    if jar.is_file() {
        return Ok(jar);
    }
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let lock_path = dir.join(format!("streaming-job-{key:016x}.lock"));
    let lock =
        File::create(&lock_path).map_err(|e| format!("creating {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("locking {}: {e}", lock_path.display()))?;
    if !jar.is_file() {
        build_jar(flink_home, &jar)?;
    }
    Ok(jar)
}

fn build_jar(flink_home: &Path, jar: &Path) -> Result<(), String> {
    let work = crate::tempdir::TempDir::new("jobjar")?;
    let sources = work.path().join("src");
    let classes = work.path().join("classes");
    fs::create_dir_all(sources.join("flinkkit")).map_err(|e| e.to_string())?;
    fs::create_dir_all(&classes).map_err(|e| e.to_string())?;
    let source = sources.join("flinkkit").join("StreamingJob.java");
    fs::write(&source, job_source(flink_home)).map_err(|e| e.to_string())?;

    let mut javac = Command::new("javac");
    javac
        .arg("-nowarn")
        .arg("-cp")
        .arg(format!("{}/lib/*", flink_home.display()))
        .arg("-d")
        .arg(&classes)
        .arg(&source);
    run_tool("javac", javac)?;

    let partial = jar.with_extension(format!("jar.partial-{}", std::process::id()));
    let mut pack = Command::new("jar");
    pack.arg("cfe")
        .arg(&partial)
        .arg(STREAMING_JOB_CLASS)
        .arg("-C")
        .arg(&classes)
        .arg(".");
    run_tool("jar", pack)?;
    fs::rename(&partial, jar).map_err(|e| format!("renaming {}: {e}", partial.display()))
}

fn run_tool(name: &str, cmd: Command) -> Result<(), String> {
    let out = run_bounded(cmd, BUILD_TIMEOUT)?;
    if out.exit_code == 0 {
        Ok(())
    } else {
        Err(format!(
            "{name} failed (exit {}):\n{}\n{}",
            out.exit_code,
            tail(&out.stdout, 30),
            tail(&out.stderr, 30)
        ))
    }
}

/// A hash that is stable across Rust releases, for cache keys.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn the_job_jar_builds_once_and_names_its_main_class() {
        let Some(home) = crate::require_flink() else {
            return;
        };
        let jar = streaming_job_jar(&home).unwrap();
        assert_eq!(
            streaming_job_jar(&home).unwrap(),
            jar,
            "second call must hit the cache"
        );
        let mut list = Command::new("jar");
        list.arg("tf").arg(&jar);
        let out = run_bounded(list, BUILD_TIMEOUT).unwrap();
        assert!(
            out.stdout.contains("flinkkit/StreamingJob.class"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("META-INF/MANIFEST.MF"));
    }
}
