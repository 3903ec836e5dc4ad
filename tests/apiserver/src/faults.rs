//! Fault injection and the request log, for reliability tests: "the Nth request matching
//! method and path answers X / is delayed / loses its connection", and what was asked when.

use serde_json::Value;
use std::time::{Duration, Instant};

/// What an injected fault does to the matching request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer with this HTTP status and a matching `Status` body.
    Status(u16),
    /// Wait this long, then handle the request normally.
    Delay(Duration),
    /// Close the connection without answering.
    DropConnection,
    /// Handle the request (the write is applied), then close the connection before the
    /// answer: the client sees an error although the server did what it asked.
    LoseReply,
}

/// A fault: which requests it hits and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// HTTP method to match (`*` for any).
    pub method: String,
    /// Path to match exactly, or a prefix when it ends with `*`.
    pub path: String,
    /// The first matching request (1-based) the fault hits.
    pub nth: usize,
    /// How many consecutive matching requests it hits from there (`usize::MAX`: all).
    pub times: usize,
    /// What it does.
    pub action: FaultAction,
}

impl Fault {
    fn new(method: &str, path: &str, nth: usize, action: FaultAction) -> Self {
        Fault {
            method: method.to_string(),
            path: path.to_string(),
            nth: nth.max(1),
            times: 1,
            action,
        }
    }

    /// The `nth` request matching `method` and `path` answers `code`.
    pub fn status(method: &str, path: &str, nth: usize, code: u16) -> Self {
        Self::new(method, path, nth, FaultAction::Status(code))
    }

    /// The `nth` matching request is held for `delay` before being handled.
    pub fn delay(method: &str, path: &str, nth: usize, delay: Duration) -> Self {
        Self::new(method, path, nth, FaultAction::Delay(delay))
    }

    /// The `nth` matching request has its connection closed without an answer.
    pub fn drop_connection(method: &str, path: &str, nth: usize) -> Self {
        Self::new(method, path, nth, FaultAction::DropConnection)
    }

    /// The `nth` matching request is handled, then its connection closed before the answer.
    pub fn lose_reply(method: &str, path: &str, nth: usize) -> Self {
        Self::new(method, path, nth, FaultAction::LoseReply)
    }

    /// Hits `n` consecutive matching requests instead of one.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    /// Hits every matching request from the nth on.
    pub fn always(self) -> Self {
        self.times(usize::MAX)
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path_matches(&self.path, path)
    }
}

/// `pattern` is a path where each `*` stands for any run of characters: a trailing `*` for
/// any suffix (`/apis/apps/*`), one inside for a name not known in advance
/// (`/api/v1/namespaces/default/pods/*/portforward`).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = path.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// URL path.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// The body parsed as JSON (or YAML for apply patches), if it was.
    pub body: Option<Value>,
    /// The answered status (0 when the connection was dropped; 101 for upgrades).
    pub status: u16,
    /// The authenticated user.
    pub user: String,
    /// When the request arrived.
    pub started: Instant,
    /// When the answer's head was sent (watches keep streaming after that).
    pub ended: Instant,
}

impl RecordedRequest {
    /// `METHOD path`, the form the golden `requests.txt` files use.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Installed faults with their hit counters, and the request log.
#[derive(Default)]
pub struct Recorder {
    faults: Vec<(Fault, usize)>,
    log: Vec<RecordedRequest>,
}

impl Recorder {
    /// Installs a fault.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push((fault, 0));
    }

    /// Counts a request against every fault and returns the actions that hit it.
    pub fn actions_for(&mut self, method: &str, path: &str) -> Vec<FaultAction> {
        let mut out = Vec::new();
        for (f, seen) in &mut self.faults {
            if f.matches(method, path) {
                *seen += 1;
                if *seen >= f.nth && *seen - f.nth < f.times {
                    out.push(f.action.clone());
                }
            }
        }
        out
    }

    /// Starts a log entry; returns its index for [`Recorder::finish`].
    pub fn begin(&mut self, req: RecordedRequest) -> usize {
        self.log.push(req);
        self.log.len() - 1
    }

    /// Completes a log entry with its status, user and end time.
    pub fn finish(&mut self, idx: usize, status: u16, user: &str) {
        if let Some(r) = self.log.get_mut(idx) {
            r.status = status;
            r.user = user.to_string();
            r.ended = Instant::now();
        }
    }

    /// The log so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.log.clone()
    }

    /// Empties the log (faults stay).
    pub fn clear(&mut self) {
        self.log.clear();
    }
}

/// The highest number of requests that were in flight at the same time.
pub fn max_concurrency(requests: &[RecordedRequest]) -> usize {
    let mut edges: Vec<(Instant, i32)> = requests
        .iter()
        .flat_map(|r| [(r.started, 1), (r.ended, -1)])
        .collect();
    edges.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut cur, mut max) = (0i32, 0i32);
    for (_, d) in edges {
        cur += d;
        max = max.max(cur);
    }
    max as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_hits_only_the_nth_matching_request() {
        let mut r = Recorder::default();
        r.inject(Fault::status(
            "POST",
            "/api/v1/namespaces/default/services",
            2,
            500,
        ));
        let hit = |r: &mut Recorder, m, p| r.actions_for(m, p);
        assert!(hit(&mut r, "POST", "/api/v1/namespaces/default/services").is_empty());
        assert!(hit(&mut r, "GET", "/api/v1/namespaces/default/services").is_empty());
        assert_eq!(
            hit(&mut r, "POST", "/api/v1/namespaces/default/services"),
            vec![FaultAction::Status(500)]
        );
        assert!(hit(&mut r, "POST", "/api/v1/namespaces/default/services").is_empty());
    }

    #[test]
    fn a_star_inside_a_path_stands_for_a_name() {
        let p = "/api/v1/namespaces/default/pods/*/portforward";
        assert!(path_matches(
            p,
            "/api/v1/namespaces/default/pods/jm-1/portforward"
        ));
        assert!(!path_matches(p, "/api/v1/namespaces/default/pods/jm-1"));
        assert!(!path_matches(p, "/api/v1/namespaces/default/pods"));
        assert!(path_matches("/a/*", "/a/b/c"));
        assert!(path_matches("/a", "/a") && !path_matches("/a", "/ab"));
    }

    #[test]
    fn prefix_faults_can_repeat() {
        let mut r = Recorder::default();
        r.inject(Fault::drop_connection("*", "/apis/apps/*", 1).times(2));
        assert_eq!(r.actions_for("GET", "/apis/apps/v1/deployments").len(), 1);
        assert_eq!(r.actions_for("PUT", "/apis/apps/v1/x").len(), 1);
        assert!(r.actions_for("PUT", "/apis/apps/v1/x").is_empty());
    }
}
