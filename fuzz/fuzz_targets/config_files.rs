#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kubectl_flink_fuzz::targets::config_files(data));
