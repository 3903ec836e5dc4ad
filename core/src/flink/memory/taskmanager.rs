//! Flink's `TaskExecutorFlinkMemoryUtils`: a TaskManager's Flink memory is
//! framework heap and off-heap, task heap and off-heap, network (a fraction
//! within a range) and managed memory (a fraction, or a size).

use super::bytes::{self, human};
use super::process::{
    Fix, FlinkMemoryModel, RangeFraction, RangeOptions, Refusal, Result, Role, caused_by,
    range_fraction, refuse, size, with_fraction, with_inverse_fraction,
};
use crate::config::Configuration;
use crate::config::options::*;

/// `TaskExecutorProcessUtils.TM_PROCESS_MEMORY_OPTIONS`.
pub const ROLE: Role = Role {
    name: "TaskManager",
    fine_grained: &[&TM_TASK_HEAP_SIZE, &TM_MANAGED_SIZE],
    flink: &TM_FLINK_SIZE,
    process: &TM_PROCESS_SIZE,
    metaspace: &TM_METASPACE_SIZE,
    overhead_min: &TM_OVERHEAD_MIN,
    overhead_max: &TM_OVERHEAD_MAX,
    overhead_fraction: &TM_OVERHEAD_FRACTION,
    overhead_fraction_java: "Key: 'taskmanager.memory.jvm-overhead.fraction' , default: 0.1 (fallback keys: [])",
    stock_process: "1728m",
};

/// `TaskExecutorFlinkMemory`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskExecutorFlinkMemory {
    pub framework_heap: u64,
    pub framework_off_heap: u64,
    pub task_heap: u64,
    pub task_off_heap: u64,
    pub network: u64,
    pub managed: u64,
}

pub struct Model;

impl FlinkMemoryModel for Model {
    type Memory = TaskExecutorFlinkMemory;

    fn derive_from_fine_grained(
        &self,
        conf: &Configuration,
        role: &Role,
    ) -> Result<TaskExecutorFlinkMemory> {
        let task_heap = size(conf, &TM_TASK_HEAP_SIZE)?;
        let managed = size(conf, &TM_MANAGED_SIZE)?;
        let framework_heap = size(conf, &TM_FRAMEWORK_HEAP_SIZE)?;
        let framework_off_heap = size(conf, &TM_FRAMEWORK_OFF_HEAP_SIZE)?;
        let task_off_heap = size(conf, &TM_TASK_OFF_HEAP_SIZE)?;
        let parts = [
            framework_heap,
            framework_off_heap,
            task_heap,
            task_off_heap,
            managed,
        ];
        let without_network = sum(role, &parts)?;
        let network = if conf.is_set(&TM_FLINK_SIZE) {
            let total = size(conf, &TM_FLINK_SIZE)?;
            rest_is_network(conf, parts, without_network, total, &TM_FLINK_SIZE)?
        } else {
            with_inverse_fraction(role, without_network, network_range(conf)?)?
        };
        memory(
            role,
            framework_heap,
            framework_off_heap,
            task_heap,
            task_off_heap,
            network,
            managed,
        )
    }

    fn derive_from_total_flink(
        &self,
        conf: &Configuration,
        role: &Role,
        total: u64,
        from: &'static FlinkOption,
    ) -> Result<TaskExecutorFlinkMemory> {
        let framework_heap = size(conf, &TM_FRAMEWORK_HEAP_SIZE)?;
        let framework_off_heap = size(conf, &TM_FRAMEWORK_OFF_HEAP_SIZE)?;
        let task_off_heap = size(conf, &TM_TASK_OFF_HEAP_SIZE)?;
        if conf.is_set(&TM_TASK_HEAP_SIZE) {
            // Task heap configured: managed first, network is the rest.
            let task_heap = size(conf, &TM_TASK_HEAP_SIZE)?;
            let managed = managed(conf, role, total)?;
            let parts = [
                framework_heap,
                framework_off_heap,
                task_heap,
                task_off_heap,
                managed,
            ];
            let without_network = sum(role, &parts)?;
            let network = rest_is_network(conf, parts, without_network, total, from)?;
            return memory(
                role,
                framework_heap,
                framework_off_heap,
                task_heap,
                task_off_heap,
                network,
                managed,
            );
        }
        // Task heap not configured: managed and network by fraction, task heap is the rest.
        let managed = managed(conf, role, total)?;
        let network = with_fraction(role, total, network_range(conf)?)?;
        let without_task_heap = sum(
            role,
            &[
                framework_heap,
                framework_off_heap,
                task_off_heap,
                managed,
                network,
            ],
        )?;
        if without_task_heap > total {
            return refuse(
                from.key,
                format!(
                    "Sum of configured Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task Off-Heap Memory ({}), Managed Memory ({}) and Network Memory ({}) exceed configured Total Flink Memory ({}).",
                    human(framework_heap),
                    human(framework_off_heap),
                    human(task_off_heap),
                    human(managed),
                    human(network),
                    human(total)
                ),
                Fix::Raise(from),
            );
        }
        let task_heap = total - without_task_heap;
        memory(
            role,
            framework_heap,
            framework_off_heap,
            task_heap,
            task_off_heap,
            network,
            managed,
        )
    }

    fn total(memory: &TaskExecutorFlinkMemory) -> u64 {
        // `memory` checked that this sum does not overflow.
        [
            memory.framework_heap,
            memory.framework_off_heap,
            memory.task_heap,
            memory.task_off_heap,
            memory.network,
            memory.managed,
        ]
        .iter()
        .fold(0u64, |total, part| total.saturating_add(*part))
    }
}

fn sum(role: &Role, parts: &[u64]) -> Result<u64> {
    parts
        .iter()
        .try_fold(0, |total, part| role.add(total, *part))
}

/// Build the memory, adding it up as Flink's `getTotalFlinkMemorySize` does
/// (which can overflow when network came from an inverse fraction).
fn memory(
    role: &Role,
    framework_heap: u64,
    framework_off_heap: u64,
    task_heap: u64,
    task_off_heap: u64,
    network: u64,
    managed: u64,
) -> Result<TaskExecutorFlinkMemory> {
    sum(
        role,
        &[
            framework_heap,
            framework_off_heap,
            task_heap,
            task_off_heap,
            network,
            managed,
        ],
    )?;
    Ok(TaskExecutorFlinkMemory {
        framework_heap,
        framework_off_heap,
        task_heap,
        task_off_heap,
        network,
        managed,
    })
}

/// `deriveManagedMemoryAbsoluteOrWithFraction`.
fn managed(conf: &Configuration, role: &Role, total: u64) -> Result<u64> {
    if conf.is_set(&TM_MANAGED_SIZE) {
        return size(conf, &TM_MANAGED_SIZE);
    }
    let range = range_fraction(
        conf,
        &RangeOptions {
            min: None,
            max: None,
            fraction: &TM_MANAGED_FRACTION,
            fraction_java: "Key: 'taskmanager.memory.managed.fraction' , default: 0.4 (fallback keys: [])",
        },
        0,
        bytes::MAX,
    )?;
    with_fraction(role, total, range)
}

/// `getNetworkMemoryRangeFraction`.
fn network_range(conf: &Configuration) -> Result<RangeFraction> {
    let min = size(conf, &TM_NETWORK_MIN)?;
    let max = size(conf, &TM_NETWORK_MAX)?;
    range_fraction(
        conf,
        &RangeOptions {
            min: Some(&TM_NETWORK_MIN),
            max: Some(&TM_NETWORK_MAX),
            fraction: &TM_NETWORK_FRACTION,
            fraction_java: "Key: 'taskmanager.memory.network.fraction' , default: 0.1 (fallback keys: [{key=taskmanager.network.memory.fraction, isDeprecated=true}])",
        },
        min,
        max,
    )
}

/// Total Flink Memory and task heap (and perhaps managed) are given, so the
/// network memory is what is left, and must fit its configured range.
fn rest_is_network(
    conf: &Configuration,
    parts: [u64; 5],
    without_network: u64,
    total: u64,
    from: &'static FlinkOption,
) -> Result<u64> {
    let [
        framework_heap,
        framework_off_heap,
        task_heap,
        task_off_heap,
        managed,
    ] = parts;
    if without_network > total {
        return refuse(
            from.key,
            format!(
                "Sum of configured Framework Heap Memory ({}), Framework Off-Heap Memory ({}), Task Heap Memory ({}), Task Off-Heap Memory ({}) and Managed Memory ({}) exceed configured Total Flink Memory ({}).",
                human(framework_heap),
                human(framework_off_heap),
                human(task_heap),
                human(task_off_heap),
                human(managed),
                human(total)
            ),
            Fix::Text(format!(
                "Lower {} or {}, or raise {} (configure only one of them to let Flink derive the rest).",
                TM_TASK_HEAP_SIZE.key, TM_MANAGED_SIZE.key, from.key
            )),
        );
    }
    let network = total - without_network;
    let outer = "If Total Flink, Task Heap and (or) Managed Memory sizes are explicitly configured then the Network Memory size is the rest of the Total Flink memory after subtracting all other configured types of memory, but the derived Network Memory is inconsistent with its configuration.";
    let fix = || {
        Fix::Text(format!(
            "Leave one of {}, {} and {} unset so Flink derives it, or set {} and {} around the {} left for network.",
            from.key,
            TM_TASK_HEAP_SIZE.key,
            TM_MANAGED_SIZE.key,
            TM_NETWORK_MIN.key,
            TM_NETWORK_MAX.key,
            bytes::as_option_value(network)
        ))
    };
    let range = network_range(conf).map_err(|inner| Refusal {
        key: inner.key,
        cause: caused_by(outer, &inner.cause),
        fix: inner.fix,
    })?;
    if network > range.max || network < range.min {
        return refuse(
            from.key,
            caused_by(
                outer,
                &format!(
                    "Derived Network Memory size ({}) is not in configured Network Memory range [{}, {}].",
                    human(network),
                    human(range.min),
                    human(range.max)
                ),
            ),
            fix(),
        );
    }
    Ok(network)
}
