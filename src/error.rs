//! The two ways a command fails, so `main` can pick the exit code kubectl
//! users expect: 2 when the command line or configuration is wrong (nothing
//! was attempted), 1 when the work itself failed.

use crate::config::ConfigError;
use crate::config::loader::LoadError;
use crate::flink::spec::SpecError;

/// A failed command; the message is one line that names the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: flags, options, files. Exit code 2.
    #[error("{0}")]
    Usage(String),
    /// The work failed (cluster, network, I/O). Exit code 1.
    #[error("{0}")]
    Failed(String),
    /// The user declined at a prompt: not an error, but nothing was done.
    /// Exit code 1, printed without `error:`, as kubectl's "aborted".
    #[error("{0}")]
    Aborted(String),
}

impl Error {
    /// 2 for usage errors, 1 for failures, as kubectl plugins do.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Failed(_) | Error::Aborted(_) => 1,
        }
    }
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        Error::Usage(e.to_string())
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Usage(e.to_string())
    }
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Error::Usage(e.to_string())
    }
}

impl From<crate::output::ShowError> for Error {
    fn from(e: crate::output::ShowError) -> Self {
        Error::Failed(e.to_string())
    }
}

impl From<crate::output::stream::WriteError> for Error {
    fn from(e: crate::output::stream::WriteError) -> Self {
        Error::Failed(e.to_string())
    }
}

/// The one place where a cluster-layer failure becomes a usage error (the
/// kubeconfig is wrong: exit 2) or a failure (exit 1).
impl From<crate::cluster::errors::ClusterError> for Error {
    fn from(e: crate::cluster::errors::ClusterError) -> Self {
        use crate::cluster::errors::ClusterError;
        match e {
            ClusterError::Config(message) => Error::Usage(message),
            other => Error::Failed(other.to_string()),
        }
    }
}

/// Results of commands.
pub type Result<T> = std::result::Result<T, Error>;
