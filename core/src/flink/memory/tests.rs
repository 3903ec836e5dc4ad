//! The memory model against what Flink 2.3.0 derives and refuses.
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
