//! The job list as kubectl prints resources: a header in capitals, columns
//! left-aligned and separated by three spaces, human durations (`5m3s`).

use crate::rest::JobOverview;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The jobs as a table; `wide` adds END TIME and TASKS (running/total).
pub fn render(jobs: &[JobOverview], wide: bool, zone: &TimeZone) -> String {
    let mut header = vec!["JOB ID", "NAME", "STATE", "START TIME", "DURATION"];
    if wide {
        header.extend(["END TIME", "TASKS"]);
    }
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for job in jobs {
        let mut row = vec![
            job.id.clone(),
            job.name.clone(),
            job.state.as_str().to_string(),
            local_time(job.start_time, zone),
            human_duration(job.duration / 1000),
        ];
        if wide {
            row.push(local_time(job.end_time, zone));
            row.push(format!("{}/{}", job.tasks.running, job.tasks.total));
        }
        rows.push(row);
    }
    align(&rows)
}

/// Columns padded to their widest cell plus three spaces, as kubectl's
/// tabwriter does; the last column is not padded.
fn align(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 < columns {
                line.push_str(&format!("{cell:<width$}   ", width = widths[c]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` in `zone`; `<none>` (kubectl's
/// word for an unset field) for Flink's -1 or a time out of range.
pub fn local_time(epoch_millis: i64, zone: &TimeZone) -> String {
    if epoch_millis < 0 {
        return "<none>".to_string();
    }
    Timestamp::from_millisecond(epoch_millis)
        .map(|t| {
            t.to_zoned(zone.clone())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| "<none>".to_string())
}

/// Seconds as kubectl's `HumanDuration` shows ages: precise when short,
/// coarser as it grows (`90s`, `5m3s`, `3h`, `2d4h`, `1y20d`).
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::{JobState, TaskCounts};

    fn job(id: &str, name: &str, state: &str, start: i64, end: i64, duration: i64) -> JobOverview {
        JobOverview {
            id: id.into(),
            name: name.into(),
            state: JobState(state.into()),
            start_time: start,
            end_time: end,
            duration,
            tasks: TaskCounts {
                total: 3,
                running: 2,
                ..TaskCounts::default()
            },
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_table_is_aligned_like_kubectl() {
        let jobs = [
            job(
                "b4ae9ea72c0fbafde9211f010c27c866",
                "streaming job",
                "RUNNING",
                1_795_741_950_020,
                -1,
                303_000,
            ),
            job(
                "f8e67bb67d7ee9a7ab76b736574682c6",
                "etl",
                "CANCELED",
                1_795_741_954_109,
                1_795_741_954_196,
                87,
            ),
        ];
        assert_eq!(
            render(&jobs, false, &TimeZone::UTC),
            "\
JOB ID                             NAME            STATE      START TIME            DURATION
b4ae9ea72c0fbafde9211f010c27c866   streaming job   RUNNING    2026-11-27 01:12:30   5m3s
f8e67bb67d7ee9a7ab76b736574682c6   etl             CANCELED   2026-11-27 01:12:34   0s
"
        );
    }

    #[test]
    fn wide_adds_end_time_and_tasks() {
        let jobs = [job("b4ae", "j", "RUNNING", 0, -1, 1000)];
        let table = render(&jobs, true, &TimeZone::UTC);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].ends_with("DURATION   END TIME   TASKS"), "{table}");
        assert!(lines[1].ends_with("1s         <none>     2/3"), "{table}");
    }

    #[test]
    fn durations_read_like_kubectl_ages() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (303, "5m3s"),
            (600, "10m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 60 * 5, "3h5m"),
            (30 * 3600, "30h"),
            (2 * 86400 + 4 * 3600, "2d4h"),
            (30 * 86400, "30d"),
            (3 * 365 * 86400 + 20 * 86400, "3y20d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (seconds, shown) in cases {
            assert_eq!(human_duration(seconds), shown, "{seconds}s");
        }
    }
}
