//! Flink's `ProcessMemoryUtils`: the part of the memory model the JobManager
//! and the TaskManagers share — which options decide (fine-grained, then
//! Total Flink Memory, then Total Process Memory), and JVM Metaspace and
//! Overhead around the Flink memory. Errors carry Flink's own sentence.

use super::bytes::{self, human};
use crate::config::Configuration;
use crate::config::options::FlinkOption;
use crate::flink::java::double_to_string;

/// What to tell the user to change; `Raise` is worked out by the caller,
/// which can re-run the model with bigger sizes.
#[derive(Debug, Clone)]
pub enum Fix {
    Text(String),
    /// Raise this option (Total Process or Total Flink Memory).
    Raise(&'static FlinkOption),
}

/// A configuration Flink refuses: the key to change, Flink's reason, the fix.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub key: &'static str,
    pub cause: String,
    pub fix: Fix,
}

pub type Result<T> = std::result::Result<T, Refusal>;

pub fn refuse<T>(key: &'static str, cause: String, fix: Fix) -> Result<T> {
    Err(Refusal { key, cause, fix })
}

/// The options of one process kind (`ProcessMemoryOptions`).
pub struct Role {
    /// `JobManager` or `TaskManager`, for fixes.
    pub name: &'static str,
    pub fine_grained: &'static [&'static FlinkOption],
    pub flink: &'static FlinkOption,
    pub process: &'static FlinkOption,
    pub metaspace: &'static FlinkOption,
    pub overhead_min: &'static FlinkOption,
    pub overhead_max: &'static FlinkOption,
    pub overhead_fraction: &'static FlinkOption,
    /// Java's `ConfigOption.toString()` of the fraction, which Flink's
    /// "Inconsistently configured" message prints.
    pub overhead_fraction_java: &'static str,
    /// Flink's stock `config.yaml` value of `process`.
    pub stock_process: &'static str,
}

impl Role {
    /// Add sizes as Java's `Math.addExact` does.
    pub fn add(&self, a: u64, b: u64) -> Result<u64> {
        bytes::add(a, b).map_or_else(|| self.overflow(), Ok)
    }

    /// `MemorySize.multiply`.
    pub fn multiply(&self, base: u64, factor: f64) -> Result<u64> {
        bytes::multiply(base, factor).map_or_else(|| self.overflow(), Ok)
    }

    fn overflow<T>(&self) -> Result<T> {
        refuse(
            self.process.key,
            "long overflow".to_string(),
            Fix::Text(format!(
                "Give {} memory sizes that add up to less than 8 EiB, e.g. -D{}={}.",
                self.name, self.process.key, self.stock_process
            )),
        )
    }

    /// The fine-grained keys joined as Flink joins them (`a and b`).
    pub fn fine_grained_keys(&self) -> String {
        self.fine_grained
            .iter()
            .map(|o| o.key)
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// `ProcessMemoryUtils.getMemorySizeFromConfig`: configured, else default.
pub fn size(conf: &Configuration, option: &'static FlinkOption) -> Result<u64> {
    let cause = format!(
        "Cannot read memory size from config option '{}'.",
        option.key
    );
    match conf.memory(option) {
        Ok(Some(size)) if size.0 <= bytes::MAX => Ok(size.0),
        Ok(Some(_)) => refuse(
            option.key,
            cause,
            Fix::Text("Give a size below 8 EiB, e.g. 1600m.".to_string()),
        ),
        Ok(None) => refuse(
            option.key,
            format!("{cause} The memory option is not set and has no default value."),
            Fix::Text(format!("Set -D{}.", option.key)),
        ),
        Err(e) => refuse(option.key, cause, Fix::Text(e.message)),
    }
}

/// A fraction option: Flink declares them `Float`, so the value is read as
/// a float and widened (`0.1` becomes `0.10000000149011612`).
pub fn fraction(conf: &Configuration, option: &'static FlinkOption) -> Result<f64> {
    let text = conf.string(option).unwrap_or_default();
    match text.trim().parse::<f32>() {
        Ok(value) => Ok(f64::from(value)),
        Err(_) => refuse(
            option.key,
            format!("Could not parse value '{text}' for key '{}'.", option.key),
            Fix::Text(format!(
                "Give -D{} as a decimal number, e.g. 0.1.",
                option.key
            )),
        ),
    }
}

/// Flink's exception and its cause (a stack trace's `Caused by:`) on one line.
pub fn caused_by(outer: &str, inner: &str) -> String {
    if outer.ends_with('.') {
        format!("{outer} Caused by: {inner}")
    } else {
        format!("{outer}; caused by: {inner}")
    }
}

/// `RangeFraction`: a fraction of some base, capped to `[min, max]`.
#[derive(Debug, Clone, Copy)]
pub struct RangeFraction {
    pub min: u64,
    pub max: u64,
    pub fraction: f64,
}

/// The options behind one `RangeFraction`, for Flink's message and the fix.
pub struct RangeOptions {
    /// `None` when the bounds are fixed (managed memory: 0 to unbounded).
    pub min: Option<&'static FlinkOption>,
    pub max: Option<&'static FlinkOption>,
    pub fraction: &'static FlinkOption,
    pub fraction_java: &'static str,
}

/// `ProcessMemoryUtils.getRangeFraction`: refused when min exceeds max or
/// the fraction is outside `[0, 1)`.
pub fn range_fraction(
    conf: &Configuration,
    options: &RangeOptions,
    min: u64,
    max: u64,
) -> Result<RangeFraction> {
    let fraction = fraction(conf, options.fraction)?;
    let inner = if min > max {
        "min value must be less or equal to max value"
    } else if !(0.0..1.0).contains(&fraction) {
        "fraction must be in range [0, 1)"
    } else {
        return Ok(RangeFraction { min, max, fraction });
    };
    let fix = match (options.min, options.max) {
        (Some(min), Some(max)) => format!(
            "Set {} at most {}, and {} at least 0 and below 1.",
            min.key, max.key, options.fraction.key
        ),
        _ => format!("Set {} at least 0 and below 1.", options.fraction.key),
    };
    refuse(
        options.fraction.key,
        caused_by(
            &format!(
                "Inconsistently configured {} ({}) and its min ({}), max ({}) value",
                options.fraction_java,
                double_to_string(fraction),
                human(min),
                human(max)
            ),
            inner,
        ),
        Fix::Text(fix),
    )
}

/// `deriveWithFraction`: `base * fraction`, capped to the range.
pub fn with_fraction(role: &Role, base: u64, range: RangeFraction) -> Result<u64> {
    Ok(cap(role.multiply(base, range.fraction)?, range))
}

/// `deriveWithInverseFraction`: the part that is `fraction` of the whole
/// when `base` is the rest, capped to the range.
pub fn with_inverse_fraction(role: &Role, base: u64, range: RangeFraction) -> Result<u64> {
    let factor = range.fraction / (1.0 - range.fraction);
    Ok(cap(role.multiply(base, factor)?, range))
}

fn cap(size: u64, range: RangeFraction) -> u64 {
    if size > range.max {
        range.max
    } else if size < range.min {
        range.min
    } else {
        size
    }
}

/// The Flink memory of one process kind (`FlinkMemoryUtils`).
pub trait FlinkMemoryModel {
    type Memory: Copy;
    /// `deriveFromRequiredFineGrainedOptions`.
    fn derive_from_fine_grained(&self, conf: &Configuration, role: &Role) -> Result<Self::Memory>;
    /// `deriveFromTotalFlinkMemory`; `from` is the option the total came
    /// from (Total Flink Memory, or Total Process Memory it was derived from).
    fn derive_from_total_flink(
        &self,
        conf: &Configuration,
        role: &Role,
        total: u64,
        from: &'static FlinkOption,
    ) -> Result<Self::Memory>;
    fn total(memory: &Self::Memory) -> u64;
}

/// `CommonProcessMemorySpec`: Flink memory plus JVM Metaspace and Overhead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessMemory<M> {
    pub flink: M,
    pub metaspace: u64,
    pub overhead: u64,
}

/// `memoryProcessSpecFromConfig`, in Flink's order of precedence.
pub fn derive<F: FlinkMemoryModel>(
    conf: &Configuration,
    role: &Role,
    model: &F,
) -> Result<ProcessMemory<F::Memory>> {
    if role.fine_grained.iter().all(|o| conf.is_set(o)) {
        let flink = model.derive_from_fine_grained(conf, role)?;
        let (metaspace, overhead) = around_total_flink(conf, role, F::total(&flink))?;
        Ok(ProcessMemory {
            flink,
            metaspace,
            overhead,
        })
    } else if conf.is_set(role.flink) {
        let total = size(conf, role.flink)?;
        let flink = model.derive_from_total_flink(conf, role, total, role.flink)?;
        let (metaspace, overhead) = around_total_flink(conf, role, total)?;
        Ok(ProcessMemory {
            flink,
            metaspace,
            overhead,
        })
    } else if conf.is_set(role.process) {
        let process = size(conf, role.process)?;
        let metaspace = size(conf, role.metaspace)?;
        let overhead = with_fraction(role, process, overhead_range(conf, role)?)?;
        let jvm = role.add(metaspace, overhead)?;
        if jvm > process {
            return refuse(
                role.process.key,
                format!(
                    "Sum of configured JVM Metaspace ({}) and JVM Overhead ({}) exceed configured Total Process Memory ({}).",
                    human(metaspace),
                    human(overhead),
                    human(process)
                ),
                Fix::Raise(role.process),
            );
        }
        let flink = model.derive_from_total_flink(conf, role, process - jvm, role.process)?;
        Ok(ProcessMemory {
            flink,
            metaspace,
            overhead,
        })
    } else {
        refuse(
            role.process.key,
            format!(
                "Either required fine-grained memory ({}), or Total Flink Memory size ({}), or Total Process Memory size ({}) need to be configured explicitly.",
                role.fine_grained_keys(),
                java_option_without_default(role.flink.key),
                java_option_without_default(role.process.key)
            ),
            Fix::Text(format!(
                "Set -D{}={} (Flink's default), or {}, or {}.",
                role.process.key,
                role.stock_process,
                role.flink.key,
                role.fine_grained_keys()
            )),
        )
    }
}

/// Java's `ConfigOption.toString()` for the total-memory options (no
/// default, no fallback keys), as Flink's message prints them.
fn java_option_without_default(key: &str) -> String {
    format!("Key: '{key}' , default: null (fallback keys: [])")
}

fn overhead_range(conf: &Configuration, role: &Role) -> Result<RangeFraction> {
    let min = size(conf, role.overhead_min)?;
    let max = size(conf, role.overhead_max)?;
    range_fraction(
        conf,
        &RangeOptions {
            min: Some(role.overhead_min),
            max: Some(role.overhead_max),
            fraction: role.overhead_fraction,
            fraction_java: role.overhead_fraction_java,
        },
        min,
        max,
    )
}

/// `deriveJvmMetaspaceAndOverheadFromTotalFlinkMemory`: with Total Process
/// Memory also configured the overhead is what is left and must fit its
/// range; otherwise it is the overhead fraction of the whole.
fn around_total_flink(conf: &Configuration, role: &Role, flink: u64) -> Result<(u64, u64)> {
    let metaspace = size(conf, role.metaspace)?;
    let flink_and_metaspace = role.add(flink, metaspace)?;
    if !conf.is_set(role.process) {
        let overhead =
            with_inverse_fraction(role, flink_and_metaspace, overhead_range(conf, role)?)?;
        // Flink's sanityCheckTotalProcessMemory adds these up (and can
        // overflow); its comparison only applies with Total Process Memory set.
        role.add(flink_and_metaspace, overhead)?;
        return Ok((metaspace, overhead));
    }
    let process = size(conf, role.process)?;
    let consistent = || {
        let min = size(conf, role.overhead_min).unwrap_or(0);
        let max = size(conf, role.overhead_max).unwrap_or(bytes::MAX);
        let low = bytes::add(flink_and_metaspace, min).unwrap_or(bytes::MAX);
        let high = bytes::add(flink_and_metaspace, max).unwrap_or(bytes::MAX);
        Fix::Text(format!(
            "Configure only one of {} and {} (or {}), or set {} between {} and {} (Total Flink Memory + JVM Metaspace + a JVM Overhead within [{}, {}]).",
            role.process.key,
            role.flink.key,
            role.fine_grained_keys(),
            role.process.key,
            bytes::as_option_value(low),
            bytes::as_option_value(high),
            role.overhead_min.key,
            role.overhead_max.key
        ))
    };
    if process < flink_and_metaspace {
        return refuse(
            role.process.key,
            format!(
                "The configured Total Process Memory size ({}) is less than the sum of the derived Total Flink Memory size ({}) and the configured or default JVM Metaspace size  ({}).",
                human(process),
                human(flink),
                human(metaspace)
            ),
            consistent(),
        );
    }
    let overhead = process - flink_and_metaspace;
    let range = overhead_range(conf, role)?;
    if overhead > range.max || overhead < range.min {
        return refuse(
            role.process.key,
            format!(
                "Derived JVM Overhead size ({}) is not in configured JVM Overhead range [{}, {}].",
                human(overhead),
                human(range.min),
                human(range.max)
            ),
            consistent(),
        );
    }
    Ok((metaspace, overhead))
}
