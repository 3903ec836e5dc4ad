//! Reading process facts from `/proc` (Linux): group membership, command lines, peak memory.

use std::fs;

/// The pids of all live processes in process group `pgid`.
pub(crate) fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| process_group_of(pid) == Some(pgid))
        .collect()
}

/// The process group of `pid`: field 5 of `/proc/<pid>/stat`, counted after the `(comm)` field,
/// which may itself contain spaces and parentheses.
fn process_group_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = &stat[stat.rfind(')')? + 1..];
    after_comm.split_whitespace().nth(2)?.parse().ok()
}

/// The command line of `pid` with arguments joined by spaces; empty if it is gone.
pub(crate) fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Peak resident set size (`VmHWM`) of `pid` in KiB.
pub(crate) fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_found_in_its_own_group_with_a_peak_rss() {
        let me = std::process::id();
        let group = process_group_of(me).expect("own stat is readable");
        assert!(group_members(group).contains(&me));
        assert!(vm_hwm_kib(me).is_some_and(|k| k > 0));
        assert!(!cmdline(me).is_empty());
    }
}
