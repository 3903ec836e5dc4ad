//! Flink 2.3's memory model, as `JobManagerProcessUtils` and
//! `TaskExecutorProcessUtils` derive it: the JobManager's total process
//! memory becomes the container's memory, and a combination Flink's client
//! refuses is refused here with Flink's reason and what to set. The
//! TaskManagers' model is derived too, because the JobManager would fail to
//! start TaskManagers with a configuration it refuses; that is a warning.

mod bytes;
mod jobmanager;
mod process;
mod taskmanager;

use crate::config::size::MemorySize;
use crate::config::{ConfigError, Configuration};
use process::{Fix, Refusal, Role};

/// The JobManager's memory (`JobManagerProcessSpec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobManagerMemory {
    pub heap: MemorySize,
    pub off_heap: MemorySize,
    pub metaspace: MemorySize,
    pub overhead: MemorySize,
}

impl JobManagerMemory {
    /// Total Flink Memory: heap and off-heap.
    pub fn total_flink(&self) -> MemorySize {
        MemorySize(self.heap.0.saturating_add(self.off_heap.0))
    }

    /// Total Process Memory, what the container asks for.
    pub fn total_process(&self) -> MemorySize {
        MemorySize(
            self.total_flink()
                .0
                .saturating_add(self.metaspace.0)
                .saturating_add(self.overhead.0),
        )
    }
}

/// A TaskManager's memory (`TaskExecutorProcessSpec`, memory part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskManagerMemory {
    pub framework_heap: MemorySize,
    pub framework_off_heap: MemorySize,
    pub task_heap: MemorySize,
    pub task_off_heap: MemorySize,
    pub network: MemorySize,
    pub managed: MemorySize,
    pub metaspace: MemorySize,
    pub overhead: MemorySize,
}

impl TaskManagerMemory {
    /// Total Flink Memory: everything but metaspace and overhead.
    pub fn total_flink(&self) -> MemorySize {
        MemorySize(
            [
                self.framework_heap,
                self.framework_off_heap,
                self.task_heap,
                self.task_off_heap,
                self.network,
                self.managed,
            ]
            .iter()
            .fold(0u64, |sum, part| sum.saturating_add(part.0)),
        )
    }

    /// Total Process Memory of a TaskManager pod.
    pub fn total_process(&self) -> MemorySize {
        MemorySize(
            self.total_flink()
                .0
                .saturating_add(self.metaspace.0)
                .saturating_add(self.overhead.0),
        )
    }
}

/// A memory configuration Flink refuses: the option to change, Flink's own
/// reason (one line) and what to set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{cause} {fix}")]
pub struct MemoryError {
    pub key: &'static str,
    pub cause: String,
    pub fix: String,
}

/// The JobManager's memory, or Flink's refusal.
pub fn jobmanager_memory(conf: &Configuration) -> Result<JobManagerMemory, MemoryError> {
    derive_jobmanager(conf).map_err(|refusal| explain(conf, &jobmanager::ROLE, refusal))
}

/// A TaskManager's memory, or Flink's refusal.
pub fn taskmanager_memory(conf: &Configuration) -> Result<TaskManagerMemory, MemoryError> {
    derive_taskmanager(conf).map_err(|refusal| explain(conf, &taskmanager::ROLE, refusal))
}

/// Total process memory of the JobManager, for the container.
pub fn jobmanager_process_memory(conf: &Configuration) -> Result<MemorySize, ConfigError> {
    jobmanager_memory(conf)
        .map(|memory| memory.total_process())
        .map_err(|e| ConfigError {
            key: e.key.to_string(),
            message: e.to_string(),
        })
}

/// What Flink would warn about, or what would fail later: a JobManager heap
/// below Flink's recommended minimum, and a TaskManager configuration that
/// the JobManager refuses when it starts TaskManagers.
pub fn memory_warnings(conf: &Configuration) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(warning) = jobmanager_memory(conf)
        .ok()
        .and_then(|memory| jobmanager::small_heap_warning(memory.heap.0))
    {
        warnings.push(format!("JobManager: {warning}"));
    }
    if let Err(e) = taskmanager_memory(conf) {
        // Flink's TaskExecutorProcessUtils prefixes its reason this way.
        warnings.push(format!(
            "TaskManager memory configuration failed: {} The cluster is created, but its JobManager will fail to start TaskManagers: {}",
            e.cause, e.fix
        ));
    }
    warnings
}

fn derive_jobmanager(conf: &Configuration) -> process::Result<JobManagerMemory> {
    let memory = process::derive(conf, &jobmanager::ROLE, &jobmanager::Model)?;
    Ok(JobManagerMemory {
        heap: MemorySize(memory.flink.heap),
        off_heap: MemorySize(memory.flink.off_heap),
        metaspace: MemorySize(memory.metaspace),
        overhead: MemorySize(memory.overhead),
    })
}

fn derive_taskmanager(conf: &Configuration) -> process::Result<TaskManagerMemory> {
    let memory = process::derive(conf, &taskmanager::ROLE, &taskmanager::Model)?;
    let flink = memory.flink;
    Ok(TaskManagerMemory {
        framework_heap: MemorySize(flink.framework_heap),
        framework_off_heap: MemorySize(flink.framework_off_heap),
        task_heap: MemorySize(flink.task_heap),
        task_off_heap: MemorySize(flink.task_off_heap),
        network: MemorySize(flink.network),
        managed: MemorySize(flink.managed),
        metaspace: MemorySize(memory.metaspace),
        overhead: MemorySize(memory.overhead),
    })
}

/// Turn a refusal into its message, working out how far to raise a size.
fn explain(conf: &Configuration, role: &Role, refusal: Refusal) -> MemoryError {
    let fix = match refusal.fix {
        Fix::Text(text) => text,
        Fix::Raise(option) => {
            let lower = if option.key == role.process.key {
                format!("{} or {}", role.metaspace.key, role.overhead_min.key)
            } else if role.name == "JobManager" {
                crate::config::options::JM_OFF_HEAP_SIZE.key.to_string()
            } else {
                "the framework, task off-heap, managed or network sizes".to_string()
            };
            match smallest_working(conf, role, option) {
                Some(size) => format!(
                    "Set -D{}={} or more (Flink's stock {} is {}), or lower {lower}.",
                    option.key,
                    bytes::as_option_value(size),
                    role.process.key,
                    role.stock_process
                ),
                None => format!("Raise {}, or lower {lower}.", option.key),
            }
        }
    };
    MemoryError {
        key: refusal.key,
        cause: refusal.cause,
        fix,
    }
}

/// The smallest whole-MiB value of `option` with which Flink accepts the
/// rest of the configuration (and, for the JobManager, leaves the heap
/// Flink recommends). Each component grows with the total, so the
/// acceptable values are a contiguous upper range and bisection finds it.
fn smallest_working(
    conf: &Configuration,
    role: &Role,
    option: &'static crate::config::options::FlinkOption,
) -> Option<u64> {
    const MIB: u64 = 1 << 20;
    let works = |mib: u64| {
        let mut trial = conf.clone();
        for key in option.all_keys() {
            trial.remove(key);
        }
        trial.set_string(option.key, format!("{mib}m"));
        if role.name == "JobManager" {
            derive_jobmanager(&trial).is_ok_and(|m| m.heap.0 >= jobmanager::MIN_JVM_HEAP)
        } else {
            derive_taskmanager(&trial).is_ok()
        }
    };
    let (mut low, mut high) = (0u64, 1u64 << 42);
    if !works(high) {
        return None;
    }
    // Invariant: `low` does not work (or is 0), `high` works.
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if works(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    Some(high * MIB)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MIB: u64 = 1 << 20;

    fn with(pairs: &[(&str, &str)]) -> Configuration {
        pairs.iter().map(|(k, v)| (*k, json!(v))).collect()
    }

    fn jm(pairs: &[(&str, &str)]) -> [u64; 4] {
        let m = jobmanager_memory(&with(pairs)).unwrap();
        [m.heap.0, m.off_heap.0, m.metaspace.0, m.overhead.0]
    }

    fn tm(pairs: &[(&str, &str)]) -> [u64; 8] {
        let m = taskmanager_memory(&with(pairs)).unwrap();
        [
            m.framework_heap.0,
            m.framework_off_heap.0,
            m.task_heap.0,
            m.task_off_heap.0,
            m.network.0,
            m.managed.0,
            m.metaspace.0,
            m.overhead.0,
        ]
    }

    // Expected bytes below are what Flink 2.3.0 derives for the same options
    // (`BashJavaUtils GET_JM_RESOURCE_PARAMS` / `GET_TM_RESOURCE_PARAMS`);
    // tests/memory.rs re-checks these and more against Flink when it can.

    #[test]
    fn jobmanager_process_size_leaves_the_rest_to_the_heap() {
        // Overhead 10% of 1600m (167772162 bytes, the float 0.1) is below the 192m minimum.
        assert_eq!(
            jm(&[("jobmanager.memory.process.size", "1600m")]),
            [1024 * MIB, 128 * MIB, 256 * MIB, 192 * MIB]
        );
        let conf = with(&[("jobmanager.memory.process.size", "1600m")]);
        assert_eq!(jobmanager_process_memory(&conf).unwrap().mebibytes(), 1600);
        // Odd bytes and a fraction inside the range: overhead = trunc(0.17f * process).
        assert_eq!(
            jm(&[
                ("jobmanager.memory.process.size", "1234567891b"),
                ("jobmanager.memory.jvm-metaspace.size", "100m"),
                ("jobmanager.memory.jvm-overhead.min", "0b"),
                ("jobmanager.memory.jvm-overhead.max", "10g"),
                ("jobmanager.memory.jvm-overhead.fraction", "0.17"),
            ]),
            [785_616_020, 128 * MIB, 100 * MIB, 209_876_543]
        );
    }

    #[test]
    fn jobmanager_flink_size_adds_metaspace_and_inverse_fraction_overhead() {
        // 4096m + 256m = 4352m; overhead 4352m * 0.1f/0.9f = 507044758 bytes.
        assert_eq!(
            jm(&[("jobmanager.memory.flink.size", "4096m")]),
            [3968 * MIB, 128 * MIB, 256 * MIB, 507_044_758]
        );
        let conf = with(&[("jobmanager.memory.flink.size", "4096m")]);
        assert_eq!(
            jobmanager_process_memory(&conf).unwrap().0,
            4352 * MIB + 507_044_758
        );
        assert_eq!(
            jm(&[
                ("jobmanager.memory.flink.size", "1000m"),
                ("jobmanager.memory.jvm-overhead.fraction", "0.3"),
                ("jobmanager.memory.jvm-overhead.max", "2g"),
            ]),
            [872 * MIB, 128 * MIB, 256 * MIB, 564_433_513]
        );
    }

    #[test]
    fn jobmanager_heap_with_total_flink_derives_off_heap() {
        // heap 1g, flink 1536m: off-heap is the rest (the 128m default is ignored).
        assert_eq!(
            jm(&[
                ("jobmanager.memory.heap.size", "1g"),
                ("jobmanager.memory.flink.size", "1536m"),
            ]),
            [1024 * MIB, 512 * MIB, 256 * MIB, 208_783_135]
        );
        // Heap only: 1g + 128m + 256m = 1408m, overhead 156.4m raised to 192m.
        let conf = with(&[("jobmanager.memory.heap.size", "1g")]);
        assert_eq!(jobmanager_process_memory(&conf).unwrap().mebibytes(), 1600);
        // Heap and process: the overhead is what is left, and within [192m, 1g].
        assert_eq!(
            jm(&[
                ("jobmanager.memory.process.size", "2g"),
                ("jobmanager.memory.heap.size", "1g"),
            ]),
            [1024 * MIB, 128 * MIB, 256 * MIB, 640 * MIB]
        );
    }

    #[test]
    fn jobmanager_refusals_use_flinks_words_and_name_the_fix() {
        let refused = |pairs: &[(&str, &str)]| jobmanager_memory(&with(pairs)).unwrap_err();
        let e = refused(&[("jobmanager.memory.process.size", "100m")]);
        assert_eq!(e.key, "jobmanager.memory.process.size");
        assert_eq!(
            e.cause,
            "Sum of configured JVM Metaspace (256.000mb (268435456 bytes)) and JVM Overhead (192.000mb (201326592 bytes)) exceed configured Total Process Memory (100.000mb (104857600 bytes))."
        );
        assert!(
            e.fix.contains("-Djobmanager.memory.process.size=704m"),
            "{}",
            e.fix
        );

        // 576m leaves exactly the 128m off-heap for Flink memory: Flink wants more.
        let e = refused(&[("jobmanager.memory.process.size", "576m")]);
        assert!(e.cause.starts_with("The configured Total Flink Memory (128.000mb (134217728 bytes)) is less than the configured Off-heap Memory"), "{}", e.cause);
        assert!(e.fix.contains("=704m"), "{}", e.fix);

        let e = refused(&[
            ("jobmanager.memory.process.size", "4g"),
            ("jobmanager.memory.heap.size", "1g"),
        ]);
        assert_eq!(
            e.cause,
            "Derived JVM Overhead size (2.625gb (2818572288 bytes)) is not in configured JVM Overhead range [192.000mb (201326592 bytes), 1024.000mb (1073741824 bytes)]."
        );
        assert!(e.fix.contains("between 1600m and 2432m"), "{}", e.fix);

        let e = refused(&[
            ("jobmanager.memory.heap.size", "1g"),
            ("jobmanager.memory.off-heap.size", "128m"),
            ("jobmanager.memory.flink.size", "2g"),
        ]);
        assert!(
            e.cause.starts_with("Sum of the configured JVM Heap Memory"),
            "{}",
            e.cause
        );
        assert!(e.fix.contains("(1152m)"), "{}", e.fix);

        let e = refused(&[
            ("jobmanager.memory.process.size", "1g"),
            ("jobmanager.memory.jvm-overhead.min", "2g"),
        ]);
        assert_eq!(
            e.cause,
            "Inconsistently configured Key: 'jobmanager.memory.jvm-overhead.fraction' , default: 0.1 (fallback keys: []) (0.10000000149011612) and its min (2.000gb (2147483648 bytes)), max (1024.000mb (1073741824 bytes)) value; caused by: min value must be less or equal to max value"
        );

        let e = jobmanager_memory(&Configuration::default()).unwrap_err();
        assert!(
            e.cause
                .starts_with("Either required fine-grained memory (jobmanager.memory.heap.size)"),
            "{}",
            e.cause
        );
        assert!(
            e.fix.contains("-Djobmanager.memory.process.size=1600m"),
            "{}",
            e.fix
        );
    }

    #[test]
    fn absurd_sizes_are_flinks_overflow_not_ours() {
        let conf = with(&[("jobmanager.memory.heap.size", "9223372036854775807b")]);
        let err = jobmanager_process_memory(&conf).unwrap_err();
        assert!(err.to_string().contains("long overflow"), "{err}");
        let conf = with(&[("jobmanager.memory.heap.size", "16000000t")]);
        assert!(jobmanager_process_memory(&conf).is_err());
    }

    #[test]
    fn taskmanager_process_size_splits_by_fractions() {
        // Flink's stock 1728m: flink 1280m, managed 0.4f, network 0.1f, task heap the rest.
        assert_eq!(
            tm(&[("taskmanager.memory.process.size", "1728m")]),
            [
                128 * MIB,
                128 * MIB,
                402_653_174,
                0,
                134_217_730,
                536_870_920,
                256 * MIB,
                192 * MIB
            ]
        );
        assert_eq!(
            tm(&[
                ("taskmanager.memory.process.size", "4g"),
                ("taskmanager.memory.managed.fraction", "0.5"),
                ("taskmanager.memory.network.fraction", "0.2"),
                ("taskmanager.memory.network.min", "128m"),
                ("taskmanager.memory.network.max", "512m"),
            ]),
            [
                128 * MIB,
                128 * MIB,
                993_211_184,
                0,
                512 * MIB,
                1_798_517_552,
                256 * MIB,
                429_496_736
            ]
        );
        assert_eq!(
            tm(&[
                ("taskmanager.memory.process.size", "1234567891b"),
                ("taskmanager.memory.managed.fraction", "0.33"),
                ("taskmanager.memory.jvm-overhead.fraction", "0.07"),
            ]),
            [
                128 * MIB,
                128 * MIB,
                167_503_864,
                0,
                76_480_585,
                252_385_938,
                256 * MIB,
                192 * MIB
            ]
        );
    }

    #[test]
    fn taskmanager_fine_grained_derives_network_by_inverse_fraction() {
        assert_eq!(
            tm(&[
                ("taskmanager.memory.task.heap.size", "512m"),
                ("taskmanager.memory.managed.size", "256m"),
            ]),
            [
                128 * MIB,
                128 * MIB,
                512 * MIB,
                0,
                119_304_649,
                256 * MIB,
                256 * MIB,
                192 * MIB
            ]
        );
    }

    #[test]
    fn taskmanager_refusals_are_warnings_with_flinks_words() {
        let warnings = memory_warnings(&with(&[
            ("jobmanager.memory.process.size", "1600m"),
            ("taskmanager.memory.process.size", "200m"),
        ]));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("TaskManager memory configuration failed: Sum of configured JVM Metaspace (256.000mb (268435456 bytes)) and JVM Overhead (192.000mb (201326592 bytes)) exceed configured Total Process Memory (200.000mb (209715200 bytes))."), "{}", warnings[0]);
        // 982m is the smallest size Flink 2.3.0 accepts (981m is refused).
        assert!(
            warnings[0].contains("-Dtaskmanager.memory.process.size=982m"),
            "{}",
            warnings[0]
        );
        assert!(taskmanager_memory(&with(&[("taskmanager.memory.process.size", "982m")])).is_ok());
        assert!(taskmanager_memory(&with(&[("taskmanager.memory.process.size", "981m")])).is_err());

        let e = taskmanager_memory(&with(&[
            ("taskmanager.memory.task.heap.size", "512m"),
            ("taskmanager.memory.managed.size", "256m"),
            ("taskmanager.memory.flink.size", "2g"),
            ("taskmanager.memory.network.max", "256m"),
        ]))
        .unwrap_err();
        assert_eq!(
            e.cause,
            "If Total Flink, Task Heap and (or) Managed Memory sizes are explicitly configured then the Network Memory size is the rest of the Total Flink memory after subtracting all other configured types of memory, but the derived Network Memory is inconsistent with its configuration. Caused by: Derived Network Memory size (1024.000mb (1073741824 bytes)) is not in configured Network Memory range [64.000mb (67108864 bytes), 256.000mb (268435456 bytes)]."
        );

        let fine = with(&[
            ("jobmanager.memory.process.size", "1600m"),
            ("taskmanager.memory.process.size", "1728m"),
        ]);
        assert!(memory_warnings(&fine).is_empty());
    }

    #[test]
    fn deprecated_taskmanager_keys_still_count() {
        let m = taskmanager_memory(&with(&[
            ("taskmanager.memory.process.size", "1728m"),
            ("taskmanager.network.memory.fraction", "0.2"),
        ]))
        .unwrap();
        // 0.2f of 1280m, truncated.
        assert_eq!(m.network.0, 268_435_460);
    }
}
