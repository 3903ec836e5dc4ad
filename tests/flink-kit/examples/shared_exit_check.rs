fn main() {
    let home = flink_kit::flink_home().unwrap();
    let s = flink_kit::jobmanager::StandaloneSession::shared(&home).unwrap();
    println!("ready at {} root {}", s.rest_url(), s.root_dir().display());
    let again = flink_kit::jobmanager::StandaloneSession::shared(&home).unwrap();
    assert!(std::ptr::eq(s, again));
    // exit without dropping the static
}
