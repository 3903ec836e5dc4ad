//! What differs in Flink's REST API between the releases a JobManager may
//! run: one row per release that changed something kubectl-flink sends or
//! reads, each row holding from that release on until the next. The running
//! release comes from the JobManager itself (`GET /config`, `flink-version`),
//! so verbs on an existing cluster speak the dialect of the Flink it runs,
//! whatever release kubectl-flink would render today.
//!
//! Every value was read off that release's own REST message classes (the
//! `FIELD_NAME_*` constants of `flink-dist-<release>.jar`, PyPI 1.12.5–2.3.0)
//! and the verbs were run against real 1.18.1, 1.20.5 and 2.3.0 JobManagers
//! (`tests/jobs_releases.rs`, `tests/jobs.rs`). Flink's REST handlers parse
//! bodies strictly: a field a release does not know is a 400, so a body must
//! carry only that release's fields.

use serde::Deserialize;

use super::client::FlinkRest;
use super::error::RestError;
use super::model::parse_json;
use crate::flink::version::FlinkVersion;

/// The run body's claim-mode field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimModeField {
    /// None before 1.15: a run restores in Flink's only mode (NO_CLAIM's
    /// predecessor, "legacy"), and a claim mode cannot be asked for.
    Absent,
    /// `restoreMode` (1.15–1.19; still accepted, deprecated, later).
    RestoreMode,
    /// `claimMode` (1.20 on).
    ClaimMode,
}

impl ClaimModeField {
    /// The JSON field, if the release has one.
    pub fn name(self) -> Option<&'static str> {
        match self {
            ClaimModeField::Absent => None,
            ClaimModeField::RestoreMode => Some("restoreMode"),
            ClaimModeField::ClaimMode => Some("claimMode"),
        }
    }
}

/// One row: the REST dialect from release `since` until the next row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestDialect {
    /// `major.minor` this row starts at.
    pub since: (u32, u32),
    /// `formatType` (CANONICAL/NATIVE) in the savepoint and stop bodies.
    pub savepoint_format_type: bool,
    /// `triggerId` chosen by the client in the savepoint and stop bodies (FLINK-24275).
    pub client_trigger_id: bool,
    /// How the run body names the claim mode.
    pub claim_mode: ClaimModeField,
    /// `/jobs/:id/exceptions` has `exceptionHistory`.
    pub exception_history: bool,
    /// `/jobs/:id/exceptions` has `root-exception` and `all-exceptions`.
    pub root_exception: bool,
    /// Checkpoint statistics have `checkpointed_size` (else only `state_size`).
    pub checkpointed_size: bool,
    /// `/applications/…` endpoints, and `applicationId` in the run answer.
    pub applications: bool,
}

/// The dialects, oldest first. What is the same in every release from 1.12
/// to 2.3 is not here: `/overview`, `/config`, `/jobs/overview` (the fields
/// we decode), `PATCH /jobs/:id?mode=cancel`, `POST /jobs/:id/savepoints`
/// and `/stop` with their trigger answers and polls, `/jars/upload`, the run
/// body's `entryClass`, `programArgsList`, `parallelism`, `savepointPath`
/// and `allowNonRestoredState`, `DELETE /jars/:id` and `DELETE /cluster`.
pub const DIALECTS: &[RestDialect] = &[
    RestDialect {
        since: (1, 12),
        savepoint_format_type: false,
        client_trigger_id: false,
        claim_mode: ClaimModeField::Absent,
        exception_history: false,
        root_exception: true,
        checkpointed_size: false,
        applications: false,
    },
    // FLIP-136's exception history.
    RestDialect {
        since: (1, 13),
        savepoint_format_type: false,
        client_trigger_id: false,
        claim_mode: ClaimModeField::Absent,
        exception_history: true,
        root_exception: true,
        checkpointed_size: false,
        applications: false,
    },
    // Savepoint formats (FLIP-203) and restore modes (FLIP-193); checkpointed
    // (incremental) sizes; trigger ids chosen by the client.
    RestDialect {
        since: (1, 15),
        savepoint_format_type: true,
        client_trigger_id: true,
        claim_mode: ClaimModeField::RestoreMode,
        exception_history: true,
        root_exception: true,
        checkpointed_size: true,
        applications: false,
    },
    // `restoreMode` renamed `claimMode` (the old name still accepted).
    RestDialect {
        since: (1, 20),
        savepoint_format_type: true,
        client_trigger_id: true,
        claim_mode: ClaimModeField::ClaimMode,
        exception_history: true,
        root_exception: true,
        checkpointed_size: true,
        applications: false,
    },
    // The deprecated `root-exception`, `timestamp`, `all-exceptions` removed.
    RestDialect {
        since: (2, 0),
        savepoint_format_type: true,
        client_trigger_id: true,
        claim_mode: ClaimModeField::ClaimMode,
        exception_history: true,
        root_exception: false,
        checkpointed_size: true,
        applications: false,
    },
    // Applications: `/applications/overview`, `/applications/:id` with
    // `/cancel`, `/exceptions` and `/jobmanager/config`.
    RestDialect {
        since: (2, 3),
        savepoint_format_type: true,
        client_trigger_id: true,
        claim_mode: ClaimModeField::ClaimMode,
        exception_history: true,
        root_exception: false,
        checkpointed_size: true,
        applications: true,
    },
];

/// The dialect of a running JobManager and the release it reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// What `/config` said, parsed; None when it named no release (a
    /// development build), in which case the newest dialect is spoken.
    pub release: Option<FlinkVersion>,
    pub rest: &'static RestDialect,
}

impl Dialect {
    /// The dialect of the newest release, for a JobManager whose release is
    /// not known (and for unit tests).
    pub fn newest() -> Dialect {
        Dialect {
            release: None,
            rest: newest(),
        }
    }

    /// The dialect of what a JobManager reported as its `flink-version`.
    /// A release older than the first row is an error naming the oldest
    /// release spoken; a newer release than the last row speaks the last.
    pub fn of_reported(reported: &str) -> Result<Dialect, String> {
        let Some(release) = FlinkVersion::parse_reported(reported) else {
            return Ok(Dialect::newest());
        };
        let rest = DIALECTS
            .iter()
            .rev()
            .find(|row| row.since <= release.line())
            .ok_or_else(|| {
                let (major, minor) = DIALECTS[0].since;
                format!(
                    "the JobManager runs Flink {release}, whose REST API kubectl-flink does not speak: it speaks Flink {major}.{minor} and later"
                )
            })?;
        Ok(Dialect {
            release: Some(release),
            rest,
        })
    }

    /// The release for messages: `Flink 1.18.1`, or `this Flink`.
    pub fn describe(&self) -> String {
        match self.release {
            Some(release) => format!("Flink {release}"),
            None => "this Flink".to_string(),
        }
    }
}

fn newest() -> &'static RestDialect {
    // DIALECTS is a non-empty constant.
    &DIALECTS[DIALECTS.len() - 1]
}

/// `GET /config`: the dashboard's configuration, whose `flink-version` is
/// the running release (every release since 1.12 sends it).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct DashboardConfig {
    pub flink_version: String,
    pub flink_revision: String,
}

impl FlinkRest {
    /// `GET /config`: the dashboard configuration, with the running release.
    pub async fn dashboard_config(&self) -> Result<DashboardConfig, RestError> {
        parse_json(&self.get("/config").await?.body)
    }

    /// The release the JobManager runs (its `/config`) and the REST dialect
    /// it speaks; asked once per client, then remembered. A release older
    /// than any kubectl-flink speaks is [`RestError::Unsupported`].
    pub async fn dialect(&self) -> Result<Dialect, RestError> {
        if let Some(known) = self.dialect.get() {
            return Ok(*known);
        }
        let config = self.dashboard_config().await?;
        let dialect =
            Dialect::of_reported(&config.flink_version).map_err(RestError::Unsupported)?;
        crate::trace::line(
            crate::trace::REQUESTS,
            &format!(
                "The JobManager runs Flink {}: speaking the REST dialect of Flink {}.{} on.",
                config.flink_version, dialect.rest.since.0, dialect.rest.since.1
            ),
        );
        Ok(*self.dialect.get_or_init(|| dialect))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(release: &str) -> &'static RestDialect {
        Dialect::of_reported(release).unwrap().rest
    }

    #[test]
    fn rows_are_in_order_and_each_changes_something() {
        for pair in DIALECTS.windows(2) {
            assert!(pair[0].since < pair[1].since, "{pair:?}");
            let moved = RestDialect {
                since: pair[0].since,
                ..pair[1]
            };
            assert_ne!(pair[0], moved, "row {:?} changes nothing", pair[1].since);
        }
    }

    #[test]
    fn savepoint_formats_start_at_1_15() {
        assert!(!of("1.14.6").savepoint_format_type);
        assert!(of("1.15.4").savepoint_format_type);
        assert!(of("2.3.0").savepoint_format_type);
    }

    #[test]
    fn the_claim_mode_field_is_renamed_in_1_20() {
        assert_eq!(of("1.14.6").claim_mode.name(), None);
        assert_eq!(of("1.15.0").claim_mode.name(), Some("restoreMode"));
        assert_eq!(of("1.18.1").claim_mode.name(), Some("restoreMode"));
        assert_eq!(of("1.19.3").claim_mode.name(), Some("restoreMode"));
        assert_eq!(of("1.20.5").claim_mode.name(), Some("claimMode"));
        assert_eq!(of("2.0.2").claim_mode.name(), Some("claimMode"));
    }

    #[test]
    fn exceptions_gain_a_history_in_1_13_and_lose_the_root_exception_in_2_0() {
        let shape = |r| (of(r).exception_history, of(r).root_exception);
        assert_eq!(shape("1.12.5"), (false, true));
        assert_eq!(shape("1.13.6"), (true, true));
        assert_eq!(shape("1.20.5"), (true, true));
        assert_eq!(shape("2.0.0"), (true, false));
    }

    #[test]
    fn checkpointed_size_starts_at_1_15_and_applications_at_2_3() {
        assert!(!of("1.14.6").checkpointed_size);
        assert!(of("1.15.4").checkpointed_size);
        assert!(!of("2.2.1").applications);
        assert!(of("2.3.0").applications);
    }

    #[test]
    fn unknown_releases_speak_the_nearest_dialect_or_are_refused() {
        assert_eq!(of("2.4.0"), newest());
        assert_eq!(Dialect::of_reported("<unknown>"), Ok(Dialect::newest()));
        let err = Dialect::of_reported("1.11.6").unwrap_err();
        assert!(
            err.contains("Flink 1.11.6") && err.contains("1.12 and later"),
            "{err}"
        );
        assert_eq!(
            Dialect::of_reported("1.18.1").unwrap().describe(),
            "Flink 1.18.1"
        );
    }
}
