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
mod tests;
