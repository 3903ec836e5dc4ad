//! The JobManager's total process memory, derived from `jobmanager.memory.*`
//! the way Flink's `JobManagerProcessUtils` derives it; it becomes the
//! container's memory request.

use crate::config::options::*;
use crate::config::size::MemorySize;
use crate::config::{ConfigError, Configuration};

/// Total process memory of the JobManager.
pub fn jobmanager_process_memory(conf: &Configuration) -> Result<MemorySize, ConfigError> {
    if let Some(process) = conf.memory(&JM_PROCESS_SIZE)? {
        return Ok(process);
    }
    let flink = match conf.memory(&JM_FLINK_SIZE)? {
        Some(flink) => flink,
        None => match conf.memory(&JM_HEAP_SIZE)? {
            Some(heap) => {
                let off_heap = conf.memory(&JM_OFF_HEAP_SIZE)?.unwrap_or(MemorySize(0));
                MemorySize(sum(JM_HEAP_SIZE.key, heap.0, off_heap.0)?)
            }
            None => {
                return Err(ConfigError {
                    key: JM_PROCESS_SIZE.key.to_string(),
                    message: "no JobManager memory is configured: set -Djobmanager.memory.process.size=1600m (or jobmanager.memory.flink.size / heap.size)".to_string(),
                });
            }
        },
    };
    let metaspace = conf.memory(&JM_METASPACE_SIZE)?.unwrap_or(MemorySize(0));
    let base = sum(JM_METASPACE_SIZE.key, flink.0, metaspace.0)?;
    let fraction = conf.double(&JM_OVERHEAD_FRACTION)?;
    if !(0.0..1.0).contains(&fraction) {
        return Err(ConfigError {
            key: JM_OVERHEAD_FRACTION.key.to_string(),
            message: format!("{fraction} must be at least 0 and less than 1"),
        });
    }
    let min = conf.memory(&JM_OVERHEAD_MIN)?.unwrap_or(MemorySize(0));
    let max = conf
        .memory(&JM_OVERHEAD_MAX)?
        .unwrap_or(MemorySize(u64::MAX));
    if min > max {
        return Err(ConfigError {
            key: JM_OVERHEAD_MIN.key.to_string(),
            message: "is larger than jobmanager.memory.jvm-overhead.max".to_string(),
        });
    }
    let derived = (base as f64 * fraction / (1.0 - fraction)) as u64;
    let overhead = derived.clamp(min.0, max.0);
    Ok(MemorySize(sum(JM_OVERHEAD_MAX.key, base, overhead)?))
}

/// Add memory sizes, failing (instead of wrapping) on absurd values.
fn sum(key: &str, a: u64, b: u64) -> Result<u64, ConfigError> {
    a.checked_add(b).ok_or_else(|| ConfigError {
        key: key.to_string(),
        message: "the JobManager memory adds up to more than can be counted: give sizes in m or g, e.g. 1600m".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(pairs: &[(&str, &str)]) -> Configuration {
        pairs.iter().map(|(k, v)| (*k, json!(v))).collect()
    }

    #[test]
    fn process_size_wins() {
        let conf = with(&[("jobmanager.memory.process.size", "1600m")]);
        assert_eq!(jobmanager_process_memory(&conf).unwrap().mebibytes(), 1600);
    }

    #[test]
    fn flink_size_adds_metaspace_and_overhead() {
        // 1024m + 256m metaspace = 1280m; overhead 1280/9 = 142.2m < 192m min.
        let conf = with(&[("jobmanager.memory.flink.size", "1024m")]);
        assert_eq!(
            jobmanager_process_memory(&conf).unwrap().mebibytes(),
            1280 + 192
        );
        // 4096m + 256m = 4352m; overhead 483.5m, inside [192m, 1g].
        let conf = with(&[("jobmanager.memory.flink.size", "4096m")]);
        assert_eq!(
            jobmanager_process_memory(&conf).unwrap().mebibytes(),
            4352 + 483
        );
    }

    #[test]
    fn heap_size_adds_off_heap() {
        // heap 1024m + off-heap 128m = 1152m flink; + 256m = 1408m; overhead 156m -> 192m.
        let conf = with(&[("jobmanager.memory.heap.size", "1g")]);
        assert_eq!(
            jobmanager_process_memory(&conf).unwrap().mebibytes(),
            1408 + 192
        );
    }

    #[test]
    fn absurd_sizes_are_an_error_not_an_overflow() {
        let conf = with(&[
            ("jobmanager.memory.heap.size", "16000000t"),
            ("jobmanager.memory.off-heap.size", "16000000t"),
        ]);
        let err = jobmanager_process_memory(&conf).unwrap_err();
        assert!(
            err.to_string().contains("more than can be counted"),
            "{err}"
        );
    }

    #[test]
    fn missing_memory_names_the_option_to_set() {
        let err = jobmanager_process_memory(&Configuration::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("-Djobmanager.memory.process.size=")
        );
    }
}
