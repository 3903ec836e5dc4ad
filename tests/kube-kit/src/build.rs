//! Building the control plane's binaries from Go modules, once per version, cached.
//!
//! `k8s.io/kubernetes` cannot be `go install`ed: its go.mod requires its ~30 staging modules
//! (`k8s.io/api`, `k8s.io/apiserver`, …) at `v0.0.0` and points them at `./staging` with
//! `replace`. So we generate a small build module that requires `k8s.io/kubernetes` at the
//! pinned release and replaces every staging module named in kubernetes' own `replace` block with
//! its published `v0.X.Y`. etcd's server (`go.etcd.io/etcd/server/v3`, a main package) is already
//! in that module graph at the release kubernetes itself pins, so it is built in the same `go
//! build` (one dependency graph, compiled once). kwok is a plain module (`go install …@version`).
//!
//! Everything lives under the test cache (`$KUBECTL_FLINK_TEST_CACHE`, else
//! `~/.cache/kubectl-flink-test`): binaries in `kube/<k8s-version>/bin/`, Go's module and build
//! caches in `go/mod` and `go/build`, so a cold CI run pays once and later runs start at once.
//! An exclusive file lock serializes test processes: two never build at the same time.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The Kubernetes release built and run (kube-apiserver, kube-controller-manager, kube-scheduler).
pub const KUBERNETES_VERSION: &str = "v1.33.13";
/// The etcd server release: the one `k8s.io/kubernetes` pins in its own go.mod at that tag.
pub const ETCD_VERSION: &str = "v3.5.21";
/// The kwok release (simulated nodes and pod lifecycle, kubelet API for logs and port-forward).
pub const KWOK_VERSION: &str = "v0.8.0";

const KUBERNETES_MODULE: &str = "k8s.io/kubernetes";
const ETCD_MODULE: &str = "go.etcd.io/etcd/server/v3";
const KWOK_MODULE: &str = "sigs.k8s.io/kwok";

/// The built executables and the kwok manifests copied from its module.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub etcd: PathBuf,
    pub kube_apiserver: PathBuf,
    pub kube_controller_manager: PathBuf,
    pub kube_scheduler: PathBuf,
    pub kwok: PathBuf,
    /// kwok's CustomResourceDefinitions (`kustomize/crd/bases/*.yaml` of its module).
    pub kwok_crd_dir: PathBuf,
    /// kwok's default Stages (node initialize/heartbeat, pod ready/complete/delete).
    pub kwok_stage_dir: PathBuf,
}

/// `$KUBECTL_FLINK_TEST_CACHE`, else `~/.cache/kubectl-flink-test` (the suite's shared cache).
pub fn cache_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("KUBECTL_FLINK_TEST_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or("kube-kit: neither KUBECTL_FLINK_TEST_CACHE nor HOME is set")?;
    Ok(PathBuf::from(home)
        .join(".cache")
        .join("kubectl-flink-test"))
}

/// Where this version's binaries live: `<cache>/kube/<k8s-version>/bin`.
pub fn bin_dir() -> Result<PathBuf, String> {
    Ok(version_dir()?.join("bin"))
}

fn version_dir() -> Result<PathBuf, String> {
    Ok(cache_dir()?.join("kube").join(KUBERNETES_VERSION))
}

/// Builds (first time only) and returns the binaries. Memoized per process; serialized across
/// processes by a file lock. The error is one line naming what is missing.
pub fn ensure_binaries() -> Result<Binaries, String> {
    static BINARIES: OnceLock<Result<Binaries, String>> = OnceLock::new();
    BINARIES.get_or_init(build_all).clone()
}

struct Component {
    /// File name under bin/.
    name: &'static str,
    /// What `bin/<name>.version` must contain for the binary to be current.
    stamp: String,
}

fn components() -> Vec<Component> {
    let kube = |name| Component {
        name,
        stamp: format!("{KUBERNETES_MODULE}@{KUBERNETES_VERSION}"),
    };
    vec![
        Component {
            name: "etcd",
            stamp: format!(
                "{ETCD_MODULE}@{ETCD_VERSION} (with {KUBERNETES_MODULE}@{KUBERNETES_VERSION})"
            ),
        },
        kube("kube-apiserver"),
        kube("kube-controller-manager"),
        kube("kube-scheduler"),
        Component {
            name: "kwok",
            stamp: format!("{KWOK_MODULE}@{KWOK_VERSION}"),
        },
    ]
}

fn binaries_in(bin: &Path) -> Binaries {
    Binaries {
        etcd: bin.join("etcd"),
        kube_apiserver: bin.join("kube-apiserver"),
        kube_controller_manager: bin.join("kube-controller-manager"),
        kube_scheduler: bin.join("kube-scheduler"),
        kwok: bin.join("kwok"),
        kwok_crd_dir: bin.join("kwok-manifests").join("crd"),
        kwok_stage_dir: bin.join("kwok-manifests").join("stages"),
    }
}

fn is_current(bin: &Path, c: &Component) -> bool {
    bin.join(c.name).is_file()
        && fs::read_to_string(bin.join(format!("{}.version", c.name)))
            .is_ok_and(|s| s.trim() == c.stamp)
}

fn manifests_current(b: &Binaries) -> bool {
    b.kwok_crd_dir.join(".complete").is_file() && b.kwok_stage_dir.join(".complete").is_file()
}

fn build_all() -> Result<Binaries, String> {
    let bin = bin_dir()?;
    let binaries = binaries_in(&bin);
    let all_current =
        |b: &Binaries| components().iter().all(|c| is_current(&bin, c)) && manifests_current(b);
    if all_current(&binaries) {
        return Ok(binaries);
    }
    fs::create_dir_all(&bin).map_err(|e| format!("kube-kit: creating {}: {e}", bin.display()))?;
    let lock_path = version_dir()?.join(".build.lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("kube-kit: opening {}: {e}", lock_path.display()))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!(
                "kube-kit: another test process is building the control plane; waiting for {}",
                lock_path.display()
            );
            lock.lock()
                .map_err(|e| format!("kube-kit: locking {}: {e}", lock_path.display()))?;
        }
        Err(fs::TryLockError::Error(e)) => {
            return Err(format!("kube-kit: locking {}: {e}", lock_path.display()));
        }
    }
    // Someone else may have built while we waited.
    if all_current(&binaries) {
        return Ok(binaries);
    }
    let go = Go::find()?;
    let started = Instant::now();
    let mut failures = Vec::new();

    let kube_components: Vec<Component> = components()
        .into_iter()
        .filter(|c| c.name != "kwok" && !is_current(&bin, c))
        .collect();
    if !kube_components.is_empty()
        && let Err(e) = build_kubernetes(&go, &bin, &kube_components)
    {
        failures.push(e);
    }
    let kwok = components().into_iter().find(|c| c.name == "kwok");
    if let Some(kwok) = kwok
        && (!is_current(&bin, &kwok) || !manifests_current(&binaries))
        && let Err(e) = build_kwok(&go, &bin, &kwok, &binaries)
    {
        failures.push(e);
    }
    drop(lock);
    if failures.is_empty() {
        eprintln!(
            "kube-kit: built the control plane in {:.0?} (cached in {})",
            started.elapsed(),
            bin.display()
        );
        Ok(binaries)
    } else {
        Err(failures.join("; "))
    }
}

/// The `go` command with the test cache's module and build caches, and no toolchain switching.
struct Go {
    program: PathBuf,
    mod_cache: PathBuf,
    build_cache: PathBuf,
}

impl Go {
    fn find() -> Result<Self, String> {
        let program = std::env::var_os("GO")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("go"));
        let out = Command::new(&program)
            .arg("version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                format!(
                    "kube-kit: Go is missing: cannot run `{} version` ({e}); install Go >= 1.26 (kwok {KWOK_VERSION} needs it; kubernetes {KUBERNETES_VERSION} needs 1.24) to build the control plane",
                    program.display()
                )
            })?;
        if !out.status.success() {
            return Err(format!(
                "kube-kit: `{} version` failed: {}",
                program.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let go_dir = cache_dir()?.join("go");
        Ok(Self {
            program,
            mod_cache: go_dir.join("mod"),
            build_cache: go_dir.join("build"),
        })
    }

    fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.current_dir(dir)
            .env("GOMODCACHE", &self.mod_cache)
            .env("GOCACHE", &self.build_cache)
            .env("GOTOOLCHAIN", "local")
            // -modcacherw: a developer can `rm -rf` the test cache without `go clean -modcache`.
            .env("GOFLAGS", "-mod=mod -buildvcs=false -modcacherw")
            .env("CGO_ENABLED", "0")
            .env("GOWORK", "off")
            .env_remove("GOBIN")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `go args…` in `dir`, appending its output to `log`; the error is one line.
    fn run(&self, dir: &Path, args: &[&str], log: &Path, what: &str) -> Result<String, String> {
        let mut cmd = self.command(dir);
        cmd.args(args);
        run_logged(cmd, log, what)
    }
}

fn run_logged(mut cmd: Command, log: &Path, what: &str) -> Result<String, String> {
    let started = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("kube-kit: {what}: cannot run go: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Ok(mut f) = fs::OpenOptions::new().create(true).append(true).open(log) {
        let _ = writeln!(
            f,
            "$ {:?} (in {:?}, {:.1?}, {})\n{stdout}{stderr}",
            cmd.get_args().collect::<Vec<_>>(),
            cmd.get_current_dir(),
            started.elapsed(),
            out.status
        );
    }
    if out.status.success() {
        Ok(stdout)
    } else {
        // `go mod download -json` reports in the JSON's "Error" field, on stdout.
        let json_error = serde_json::from_str::<serde_json::Value>(&stdout)
            .ok()
            .and_then(|v| v["Error"].as_str().map(|e| format!("go: {e}\n")))
            .unwrap_or_default();
        Err(format!(
            "kube-kit: {what} failed: {} (full output: {})",
            summarize_go_error(&format!("{json_error}{stderr}")),
            log.display()
        ))
    }
}

/// The one line of Go's output that says what went wrong, e.g. the module the proxy refused.
pub(crate) fn summarize_go_error(stderr: &str) -> String {
    const TELLING: &[&str] = &[
        "403 Forbidden",
        "404 Not Found",
        "410 Gone",
        "unknown revision",
        "invalid version",
        "checksum mismatch",
        "SECURITY ERROR",
        "requires go >=",
        "dial tcp",
        "no such host",
        "i/o timeout",
        "no required module",
        "cannot find module",
        "not a main package",
        "no matching versions",
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("go: downloading"))
        .collect();
    if let Some(line) = lines.iter().find(|l| TELLING.iter().any(|t| l.contains(t))) {
        let refused = line
            .split_whitespace()
            .map(|w| w.trim_end_matches(':'))
            .find(|w| w.contains('@') && !w.contains("://"));
        return match refused {
            Some(module)
                if line.contains("403")
                    || line.contains("404")
                    || line.contains("410")
                    || line.contains("unknown revision")
                    || line.contains("invalid version")
                    || line.contains("no matching versions") =>
            {
                format!("the Go module proxy refused {module}: {line}")
            }
            _ => (*line).to_string(),
        };
    }
    let shown: Vec<&str> = lines.iter().rev().take(3).rev().copied().collect();
    if shown.is_empty() {
        "no output".to_string()
    } else {
        shown.join(" | ")
    }
}

fn build_kubernetes(go: &Go, bin: &Path, wanted: &[Component]) -> Result<(), String> {
    let names: Vec<&str> = wanted.iter().map(|c| c.name).collect();
    let what = format!(
        "building {} ({KUBERNETES_MODULE}@{KUBERNETES_VERSION}, {ETCD_MODULE}@{ETCD_VERSION})",
        names.join(", ")
    );
    let src = version_dir()?.join("build-kubernetes");
    fs::create_dir_all(&src).map_err(|e| format!("kube-kit: creating {}: {e}", src.display()))?;
    let log = version_dir()?.join("build-kubernetes.log");
    let _ = fs::remove_file(&log);
    eprintln!(
        "kube-kit: {what} with Go — first run only, this takes many minutes on 2 cores; log: {}",
        log.display()
    );

    // kubernetes' own go.mod at the tag: its `replace` block names the staging modules.
    let info = go.run(
        &src,
        &[
            "mod",
            "download",
            "-json",
            &format!("{KUBERNETES_MODULE}@{KUBERNETES_VERSION}"),
        ],
        &log,
        &format!("downloading {KUBERNETES_MODULE}@{KUBERNETES_VERSION}"),
    )?;
    let info: serde_json::Value = serde_json::from_str(&info)
        .map_err(|e| format!("kube-kit: reading `go mod download -json` output: {e}"))?;
    let gomod_path = info["GoMod"]
        .as_str()
        .ok_or("kube-kit: `go mod download -json` did not name kubernetes' go.mod")?;
    let upstream = fs::read_to_string(gomod_path)
        .map_err(|e| format!("kube-kit: reading {gomod_path}: {e}"))?;
    let staging = staging_modules(&upstream);
    if staging.is_empty() {
        return Err(format!(
            "kube-kit: {gomod_path} has no `=> ./staging/…` replace lines; cannot build {KUBERNETES_MODULE}@{KUBERNETES_VERSION}"
        ));
    }
    let staging_version = staging_version(KUBERNETES_VERSION)?;
    fs::write(src.join("go.mod"), build_gomod(&staging, &staging_version))
        .map_err(|e| format!("kube-kit: writing go.mod: {e}"))?;
    let _ = fs::remove_file(src.join("go.sum"));
    fs::write(
        src.join("tools.go"),
        format!(
            "//go:build tools\n\n// Generated by kube-kit: pins the commands built from this module.\npackage tools\n\nimport (\n\t_ \"{ETCD_MODULE}\"\n\t_ \"{KUBERNETES_MODULE}/cmd/kube-apiserver\"\n\t_ \"{KUBERNETES_MODULE}/cmd/kube-controller-manager\"\n\t_ \"{KUBERNETES_MODULE}/cmd/kube-scheduler\"\n)\n"
        ),
    )
    .map_err(|e| format!("kube-kit: writing tools.go: {e}"))?;
    go.run(
        &src,
        &["mod", "tidy"],
        &log,
        &format!("resolving modules for {what}"),
    )?;
    // etcd must be the release kubernetes pins (tidy keeps it, unless a dependency raised it).
    let tidy = fs::read_to_string(src.join("go.mod")).unwrap_or_default();
    let etcd_line = tidy
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{ETCD_MODULE} ")))
        .map(|l| l.trim().to_string())
        .unwrap_or_default();
    if !etcd_line.contains(ETCD_VERSION) {
        return Err(format!(
            "kube-kit: expected {ETCD_MODULE} {ETCD_VERSION} in the build module, found `{etcd_line}`"
        ));
    }

    let ldflags = kube_ldflags();
    let out_dir = src.join("out");
    let _ = fs::remove_dir_all(&out_dir);
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("kube-kit: creating {}: {e}", out_dir.display()))?;
    let mut args: Vec<String> = vec![
        "build".into(),
        "-ldflags".into(),
        ldflags,
        "-o".into(),
        format!("{}/", out_dir.display()),
    ];
    for c in wanted {
        args.push(match c.name {
            "etcd" => ETCD_MODULE.to_string(),
            other => format!("{KUBERNETES_MODULE}/cmd/{other}"),
        });
    }
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    go.run(&src, &args_ref, &log, &what)?;
    eprintln!(
        "kube-kit: go build of {} took {:.0?}",
        names.join(", "),
        started.elapsed()
    );
    for c in wanted {
        // `go build -o dir/` names etcd's main package after its last non-version element.
        let built = if c.name == "etcd" {
            out_dir.join("server")
        } else {
            out_dir.join(c.name)
        };
        install(&built, bin, c)?;
    }
    let _ = fs::remove_dir_all(&out_dir);
    Ok(())
}

fn install(built: &Path, bin: &Path, c: &Component) -> Result<(), String> {
    let dest = bin.join(c.name);
    fs::rename(built, &dest).map_err(|e| {
        format!(
            "kube-kit: moving {} to {}: {e}",
            built.display(),
            dest.display()
        )
    })?;
    fs::write(bin.join(format!("{}.version", c.name)), &c.stamp)
        .map_err(|e| format!("kube-kit: writing the version stamp of {}: {e}", c.name))
}

/// The version information `kube-apiserver --version` and `/version` report, as the release
/// scripts stamp it (otherwise it says v0.0.0-master).
fn kube_ldflags() -> String {
    let pkg = "k8s.io/component-base/version";
    let (major, minor) = major_minor(KUBERNETES_VERSION);
    [
        "-s -w".to_string(),
        format!("-X {pkg}.gitVersion={KUBERNETES_VERSION}"),
        format!("-X {pkg}.gitMajor={major}"),
        format!("-X {pkg}.gitMinor={minor}"),
        format!("-X {pkg}.gitTreeState=clean"),
        format!("-X {pkg}.buildDate=1970-01-01T00:00:00Z"),
        // client-go's copy, used in User-Agent strings.
        format!("-X k8s.io/client-go/pkg/version.gitVersion={KUBERNETES_VERSION}"),
    ]
    .join(" ")
}

fn major_minor(version: &str) -> (String, String) {
    let mut parts = version.trim_start_matches('v').split('.');
    let major = parts.next().unwrap_or("1").to_string();
    let minor = parts.next().unwrap_or("0").to_string();
    (major, minor)
}

/// `v1.33.13` → `v0.33.13`, the version the staging modules are published at.
fn staging_version(version: &str) -> Result<String, String> {
    match version.strip_prefix("v1.") {
        Some(rest) => Ok(format!("v0.{rest}")),
        None => Err(format!("kube-kit: unexpected Kubernetes version {version}")),
    }
}

/// The modules kubernetes' go.mod replaces with `./staging/src/…` directories.
pub(crate) fn staging_modules(gomod: &str) -> Vec<String> {
    gomod
        .lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("replace").trim();
            let (module, target) = line.split_once("=>")?;
            target
                .trim()
                .starts_with("./staging/")
                .then(|| module.split_whitespace().next().unwrap_or("").to_string())
        })
        .filter(|m| !m.is_empty())
        .collect()
}

pub(crate) fn build_gomod(staging: &[String], staging_version: &str) -> String {
    let mut s = String::from(
        "// Generated by kube-kit (tests/kube-kit/src/build.rs); do not edit.\nmodule kubectl-flink-test/kube-build\n\ngo 1.24.0\n\n",
    );
    s.push_str(&format!(
        "require {KUBERNETES_MODULE} {KUBERNETES_VERSION}\n\nreplace (\n"
    ));
    for m in staging {
        s.push_str(&format!("\t{m} => {m} {staging_version}\n"));
    }
    s.push_str(")\n");
    s
}

fn build_kwok(go: &Go, bin: &Path, c: &Component, b: &Binaries) -> Result<(), String> {
    let what = format!("building kwok ({KWOK_MODULE}/cmd/kwok@{KWOK_VERSION})");
    let work = version_dir()?.join("build-kwok");
    fs::create_dir_all(&work).map_err(|e| format!("kube-kit: creating {}: {e}", work.display()))?;
    let log = version_dir()?.join("build-kwok.log");
    let _ = fs::remove_file(&log);
    eprintln!("kube-kit: {what}; log: {}", log.display());
    let info = go.run(
        &work,
        &[
            "mod",
            "download",
            "-json",
            &format!("{KWOK_MODULE}@{KWOK_VERSION}"),
        ],
        &log,
        &format!("downloading {KWOK_MODULE}@{KWOK_VERSION}"),
    )?;
    let info: serde_json::Value = serde_json::from_str(&info)
        .map_err(|e| format!("kube-kit: reading `go mod download -json` output: {e}"))?;
    let module_dir = PathBuf::from(
        info["Dir"]
            .as_str()
            .ok_or("kube-kit: `go mod download -json` did not name kwok's directory")?,
    );
    copy_manifests(&module_dir, b)?;
    if !is_current(bin, c) {
        let out = work.join("out");
        let _ = fs::remove_dir_all(&out);
        fs::create_dir_all(&out)
            .map_err(|e| format!("kube-kit: creating {}: {e}", out.display()))?;
        let mut cmd = go.command(&work);
        cmd.env("GOBIN", &out).args([
            "install",
            "-ldflags",
            "-s -w",
            &format!("{KWOK_MODULE}/cmd/kwok@{KWOK_VERSION}"),
        ]);
        let started = Instant::now();
        run_logged(cmd, &log, &what)?;
        eprintln!(
            "kube-kit: go install of kwok took {:.0?}",
            started.elapsed()
        );
        install(&out.join("kwok"), bin, c)?;
    }
    Ok(())
}

/// Copies kwok's CRDs and the default Stages out of the (read-only) module cache.
fn copy_manifests(module_dir: &Path, b: &Binaries) -> Result<(), String> {
    let copy = |from: &Path, to_dir: &Path| -> Result<(), String> {
        let name = from
            .file_name()
            .ok_or("kube-kit: manifest without a file name")?;
        fs::copy(from, to_dir.join(name))
            .map(|_| ())
            .map_err(|e| format!("kube-kit: copying {}: {e}", from.display()))
    };
    for dir in [&b.kwok_crd_dir, &b.kwok_stage_dir] {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir)
            .map_err(|e| format!("kube-kit: creating {}: {e}", dir.display()))?;
    }
    let crd_bases = module_dir.join("kustomize/crd/bases");
    let entries = fs::read_dir(&crd_bases).map_err(|e| {
        format!(
            "kube-kit: reading kwok's CRDs in {}: {e}",
            crd_bases.display()
        )
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            copy(&path, &b.kwok_crd_dir)?;
        }
    }
    for stage in [
        "kustomize/stage/node/fast/node-initialize.yaml",
        "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "kustomize/stage/pod/fast/pod-ready.yaml",
        "kustomize/stage/pod/fast/pod-complete.yaml",
        "kustomize/stage/pod/fast/pod-delete.yaml",
    ] {
        copy(&module_dir.join(stage), &b.kwok_stage_dir)?;
    }
    for dir in [&b.kwok_crd_dir, &b.kwok_stage_dir] {
        fs::write(dir.join(".complete"), KWOK_VERSION)
            .map_err(|e| format!("kube-kit: writing {}: {e}", dir.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_modules_come_from_the_replace_block() {
        let gomod = "module k8s.io/kubernetes\n\nrequire (\n\tk8s.io/api v0.0.0\n)\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n\tk8s.io/client-go => ./staging/src/k8s.io/client-go\n\tgithub.com/x/y => github.com/x/y v1.2.3\n)\n";
        assert_eq!(
            staging_modules(gomod),
            vec!["k8s.io/api", "k8s.io/client-go"]
        );
        let out = build_gomod(&staging_modules(gomod), "v0.33.13");
        assert!(
            out.contains("\tk8s.io/api => k8s.io/api v0.33.13\n"),
            "{out}"
        );
        assert!(out.contains(&format!("require k8s.io/kubernetes {KUBERNETES_VERSION}")));
    }

    #[test]
    fn staging_version_drops_the_major() {
        assert_eq!(staging_version("v1.33.13").as_deref(), Ok("v0.33.13"));
        assert!(staging_version("v2.0.0").is_err());
    }

    #[test]
    fn a_refused_module_is_named_in_one_line() {
        let stderr = "go: downloading k8s.io/api v0.33.13\ngo: k8s.io/externaljwt@v0.33.99: reading https://proxy.example/k8s.io/externaljwt/@v/v0.33.99.mod: 404 Not Found\n\tserver response: not found\n";
        let line = summarize_go_error(stderr);
        assert!(
            line.starts_with("the Go module proxy refused k8s.io/externaljwt@v0.33.99"),
            "{line}"
        );
        assert!(!line.contains('\n'));
        assert_eq!(summarize_go_error(""), "no output");
        // What the proxy answers for a version it does not serve.
        let stderr = "go: sigs.k8s.io/kwok/cmd/kwok@v0.9.9: sigs.k8s.io/kwok/cmd/kwok@v0.9.9: reading https://proxy.example/sigs.k8s.io/kwok/cmd/kwok/@v/v0.9.9.info: 403 Forbidden\n\tserver response: This module version is not available.\n";
        let line = summarize_go_error(stderr);
        assert!(
            line.starts_with("the Go module proxy refused sigs.k8s.io/kwok/cmd/kwok@v0.9.9: "),
            "{line}"
        );
    }
}
