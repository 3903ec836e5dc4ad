//! Flink's `JobManagerFlinkMemoryUtils`: the JobManager's Flink memory is
//! JVM Heap plus Off-heap, derived from whichever of them, or of the total,
//! is configured.

use super::bytes::{self, human};
use super::process::{Fix, FlinkMemoryModel, Result, Role, refuse, size};
use crate::config::Configuration;
use crate::config::options::*;

/// `JobManagerProcessUtils.JM_PROCESS_MEMORY_OPTIONS`.
pub const ROLE: Role = Role {
    name: "JobManager",
    fine_grained: &[&JM_HEAP_SIZE],
    flink: &JM_FLINK_SIZE,
    process: &JM_PROCESS_SIZE,
    metaspace: &JM_METASPACE_SIZE,
    overhead_min: &JM_OVERHEAD_MIN,
    overhead_max: &JM_OVERHEAD_MAX,
    overhead_fraction: &JM_OVERHEAD_FRACTION,
    overhead_fraction_java: "Key: 'jobmanager.memory.jvm-overhead.fraction' , default: 0.1 (fallback keys: [])",
    stock_process: "1600m",
};

/// `JobManagerOptions.MIN_JVM_HEAP_SIZE`: below it Flink only warns.
pub const MIN_JVM_HEAP: u64 = 128 << 20;

/// `JobManagerFlinkMemory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobManagerFlinkMemory {
    pub heap: u64,
    pub off_heap: u64,
}

pub struct Model;

impl FlinkMemoryModel for Model {
    type Memory = JobManagerFlinkMemory;

    fn derive_from_fine_grained(
        &self,
        conf: &Configuration,
        role: &Role,
    ) -> Result<JobManagerFlinkMemory> {
        let heap = size(conf, &JM_HEAP_SIZE)?;
        let mut off_heap = size(conf, &JM_OFF_HEAP_SIZE)?;
        if conf.is_set(&JM_FLINK_SIZE) {
            let total = size(conf, &JM_FLINK_SIZE)?;
            let only_one = "Configure only one of jobmanager.memory.heap.size and jobmanager.memory.flink.size";
            if conf.is_set(&JM_OFF_HEAP_SIZE) {
                let sum = role.add(heap, off_heap)?;
                if sum != total {
                    return refuse(
                        JM_FLINK_SIZE.key,
                        format!(
                            "Sum of the configured JVM Heap Memory ({}) and the configured Off-heap Memory ({}) does not match the configured Total Flink Memory ({}). Please, make the configuration consistent or configure only one option: either JVM Heap or Total Flink Memory.",
                            human(heap),
                            human(off_heap),
                            human(total)
                        ),
                        Fix::Text(format!(
                            "{only_one}, or set jobmanager.memory.flink.size to heap + off-heap ({}).",
                            bytes::as_option_value(sum)
                        )),
                    );
                }
            } else {
                if total < heap {
                    return refuse(
                        JM_FLINK_SIZE.key,
                        format!(
                            "The configured JVM Heap Memory ({}) exceeds the configured Total Flink Memory ({}). Please, make the configuration consistent or configure only one option: either JVM Heap or Total Flink Memory.",
                            human(heap),
                            human(total)
                        ),
                        Fix::Text(format!(
                            "{only_one}, or make jobmanager.memory.heap.size at most jobmanager.memory.flink.size."
                        )),
                    );
                }
                // Flink logs that the default off-heap size is ignored.
                off_heap = total - heap;
            }
        }
        // Flink adds them up next (`getTotalFlinkMemorySize`), which can overflow.
        role.add(heap, off_heap)?;
        Ok(JobManagerFlinkMemory { heap, off_heap })
    }

    fn derive_from_total_flink(
        &self,
        conf: &Configuration,
        _role: &Role,
        total: u64,
        from: &'static FlinkOption,
    ) -> Result<JobManagerFlinkMemory> {
        let off_heap = size(conf, &JM_OFF_HEAP_SIZE)?;
        if total <= off_heap {
            return refuse(
                from.key,
                format!(
                    "The configured Total Flink Memory ({}) is less than the configured Off-heap Memory ({}).",
                    human(total),
                    human(off_heap)
                ),
                Fix::Raise(from),
            );
        }
        Ok(JobManagerFlinkMemory {
            heap: total - off_heap,
            off_heap,
        })
    }

    fn total(memory: &JobManagerFlinkMemory) -> u64 {
        // Both ways of deriving it checked that this sum does not overflow.
        memory.heap.saturating_add(memory.off_heap)
    }
}

/// Flink's warning (`verifyJvmHeapSize`) for a heap below the recommended minimum.
pub fn small_heap_warning(heap: u64) -> Option<String> {
    (heap < MIN_JVM_HEAP).then(|| {
        format!(
            "The configured or derived JVM heap memory size ({}) is less than its recommended minimum value ({})",
            human(heap),
            human(MIN_JVM_HEAP)
        )
    })
}
