//! The job list as kubectl prints resources: a header in capitals, columns
//! left-aligned and separated by three spaces, human durations (`5m3s`).

use crate::output::table::{Table, human_duration};
use crate::rest::JobOverview;
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The jobs as a table; `wide` adds END TIME and TASKS (running/total).
pub fn render(jobs: &[JobOverview], wide: bool, zone: &TimeZone) -> String {
    let mut header = vec!["JOB ID", "NAME", "STATE", "START TIME", "DURATION"];
    if wide {
        header.extend(["END TIME", "TASKS"]);
    }
    let mut table = Table::new(&header);
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
        table.row(row);
    }
    table.render()
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
}
