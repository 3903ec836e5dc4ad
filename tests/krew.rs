//! Releasing through krew, as a user would meet it: `krew/release` packs this
//! build and writes the manifest, krew's own `validate-krew-manifest` checks
//! it (structure, platforms, and an install of each listed platform, LICENSE
//! included), the real `krew` installs the archive (`install --manifest
//! --archive`, and from the custom index over loopback HTTP), and the real
//! `kubectl` finds and runs the installed plugin.
//!
//! krew and validate-krew-manifest are built from their Go module
//! (`sigs.k8s.io/krew`) on first use and cached under
//! `~/.cache/kubectl-flink-test/krew/<version>/`. Without Go this skips
//! loudly, and fails under `CI=true`.

mod common;

use common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const KREW_MODULE: &str = "sigs.k8s.io/krew";
const KREW_VERSION: &str = "v0.4.3";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Skips (with the reason printed) or, under CI, fails.
fn unavailable(reason: String) -> Option<PathBuf> {
    if in_ci() {
        panic!("krew is required when CI=true but cannot be had: {reason}");
    }
    eprintln!("\n!!! SKIPPING: {reason}\n");
    None
}

/// The folder with `kubectl-krew` and `validate-krew-manifest`, built from
/// krew's Go module the first time.
fn krew_bin() -> Option<PathBuf> {
    let cache = match std::env::var_os("KUBECTL_FLINK_TEST_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".cache/kubectl-flink-test"),
            None => return unavailable("neither KUBECTL_FLINK_TEST_CACHE nor HOME is set".into()),
        },
    };
    let dir = cache.join("krew").join(KREW_VERSION);
    let bin = dir.join("bin");
    if bin.join("kubectl-krew").is_file() && bin.join("validate-krew-manifest").is_file() {
        return Some(bin);
    }
    let go = Command::new("go").arg("version").output();
    if !go.is_ok_and(|o| o.status.success()) {
        return unavailable(format!(
            "Go is not installed: it builds krew {KREW_VERSION} from {KREW_MODULE}"
        ));
    }
    // Built into a folder of this process, moved into place when complete.
    let out = dir.join(format!("out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("krew build folder");
    let started = std::time::Instant::now();
    let built = Command::new("go")
        .current_dir(&dir)
        .env("GOBIN", &out)
        .env("GOMODCACHE", cache.join("go/mod"))
        .env("GOCACHE", cache.join("go/build"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod -buildvcs=false -modcacherw")
        .env("CGO_ENABLED", "0")
        .env("GOWORK", "off")
        .args([
            "install",
            "-ldflags",
            "-s -w",
            &format!("{KREW_MODULE}/cmd/krew@{KREW_VERSION}"),
            &format!("{KREW_MODULE}/cmd/validate-krew-manifest@{KREW_VERSION}"),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run go");
    if !built.status.success() {
        let _ = std::fs::remove_dir_all(&out);
        return unavailable(format!(
            "`go install {KREW_MODULE}@{KREW_VERSION}` failed: {}",
            stderr(&built).trim()
        ));
    }
    eprintln!("built krew {KREW_VERSION} in {:.0?}", started.elapsed());
    std::fs::rename(out.join("krew"), out.join("kubectl-krew")).expect("name kubectl-krew");
    if std::fs::rename(&out, &bin).is_err() {
        // Another test process got there first.
        let _ = std::fs::remove_dir_all(&out);
    }
    Some(bin)
}

/// Runs `krew/release args…`; panics with its output when it fails.
fn release(args: &[&str]) -> Output {
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/krew/release"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run krew/release");
    assert!(
        out.status.success(),
        "krew/release {args:?}: {}",
        stderr(&out)
    );
    out
}

/// A loopback HTTP server for the files of `dir` (the release's download
/// folder); answers until the test process ends.
fn serve_files(dir: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let file = dir.join(path.trim_start_matches('/'));
            let mut stream = &stream;
            match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                }
                _ => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                }
            }
        }
    });
    url
}

/// This machine's platform in krew's words.
fn platform() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    (os, arch)
}

/// A user's environment: only `home`, `KREW_ROOT` and a PATH with krew's
/// bin folder first, then the folder of `kubectl-krew`.
struct User {
    home: PathBuf,
    krew_root: PathBuf,
    path: String,
}

impl User {
    fn new(home: &Path, krew_bin: &Path) -> User {
        let krew_root = home.join("krew");
        let path = format!(
            "{}:{}:{}",
            krew_root.join("bin").display(),
            krew_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        User {
            home: home.to_path_buf(),
            krew_root,
            path,
        }
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", &self.path)
            .env("KREW_ROOT", &self.krew_root)
            .env("KREW_NO_UPGRADE_CHECK", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        self.command("kubectl", args).output().expect("run kubectl")
    }

    /// `kubectl plugin list` names krew's link and `kubectl flink version`
    /// runs the installed binary.
    fn runs_the_plugin(&self) {
        let list = self.kubectl(&["plugin", "list"]);
        let link = self.krew_root.join("bin").join("kubectl-flink");
        assert!(
            stdout(&list).contains(&link.display().to_string()),
            "kubectl plugin list: {}{}",
            stdout(&list),
            stderr(&list)
        );
        let version = self.kubectl(&["flink", "version"]);
        assert_eq!(version.status.code(), Some(0), "{}", stderr(&version));
        assert!(
            stdout(&version).contains(env!("CARGO_PKG_VERSION")),
            "{}",
            stdout(&version)
        );
    }
}

impl User {
    /// With `kubectl_complete-flink` linked beside krew's link (as
    /// krew/README.md says), the real kubectl completes `kubectl flink …`.
    fn completes_through_kubectl(&self) {
        let bin = self.krew_root.join("bin");
        let before = self.kubectl(&["__complete", "flink", "session", "st"]);
        assert!(
            !stdout(&before).contains("start"),
            "without the completion executable kubectl knows nothing: {}",
            stdout(&before)
        );
        let store = self
            .krew_root
            .join("store/flink")
            .join(format!("v{}", env!("CARGO_PKG_VERSION")));
        std::os::unix::fs::symlink(
            store.join("kubectl_complete-flink"),
            bin.join("kubectl_complete-flink"),
        )
        .expect("link kubectl_complete-flink");
        let out = self.kubectl(&["__complete", "flink", "session", "st"]);
        ok(&out, "kubectl __complete flink session st");
        let lines: Vec<&str> = stdout(&out).leak().lines().collect();
        assert!(lines[0].starts_with("start\t"), "{lines:?}");
        assert!(lines[1].starts_with("stop\t"), "{lines:?}");
        assert_eq!(lines.last(), Some(&":4"), "{lines:?}");
        let out = self.kubectl(&["__complete", "flink", "get", "-o", "y"]);
        assert!(stdout(&out).starts_with("yaml\n"), "{}", stdout(&out));
    }
}

fn kubectl_available() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        if in_ci() {
            panic!("kubectl is not installed, and CI=true requires it");
        }
        eprintln!("\n!!! SKIPPING: kubectl is not installed\n");
    }
    found
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        stdout(out),
        stderr(out)
    );
}

/// The test build without its debug info when `strip` is installed (a
/// quarter of the size, so packing and unpacking take seconds, not a minute).
fn small_copy(dir: &Path) -> String {
    let built = env!("CARGO_BIN_EXE_kubectl-flink");
    let copy = dir.join("kubectl-flink");
    let stripped = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&copy)
        .arg(built)
        .output()
        .is_ok_and(|o| o.status.success());
    if stripped {
        copy.display().to_string()
    } else {
        built.to_string()
    }
}

/// Packs this test build (the same script as a release, with `--binary`).
#[test]
fn krew_validates_installs_and_kubectl_runs_the_packed_plugin() {
    if !kubectl_available() {
        return;
    }
    let Some(krew_bin) = krew_bin() else {
        return;
    };
    let scratch = Scratch::new("krew");
    let dist = scratch.path().join("dist");
    let (os, arch) = platform();
    let archive = dist.join(format!("kubectl-flink-{os}-{arch}.tar.gz"));
    let dist_arg = dist.display().to_string();

    // The release manifest: every platform of krew/platforms, this one's
    // sha256 from its archive, the others' placeholders (CI builds them).
    let full = scratch.path().join("release").join("flink.yaml");
    let full_arg = full.display().to_string();
    let binary = small_copy(scratch.path());
    let packed = release(&[
        "--binary",
        &binary,
        "--dist",
        &dist_arg,
        "--manifest",
        &full_arg,
    ]);
    let text = std::fs::read_to_string(&full).expect("the manifest");
    let sum = std::fs::read_to_string(format!("{}.sha256", archive.display())).expect("sha256");
    assert!(
        text.contains(&format!("sha256: \"{}\"", sum.trim())),
        "{text}"
    );
    assert!(
        stderr(&packed).contains("placeholder"),
        "{}",
        stderr(&packed)
    );
    // The archive holds the binary, LICENSE and README.
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .expect("tar");
    let mut names: Vec<_> = stdout(&listing).lines().map(str::to_string).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "LICENSE",
            "README.md",
            "kubectl-flink",
            "kubectl_complete-flink"
        ]
    );

    let validate = |manifest: &Path, install: bool| {
        let mut command = Command::new(krew_bin.join("validate-krew-manifest"));
        command.arg("-manifest").arg(manifest);
        if !install {
            command.arg("-skip-install");
        }
        let path = format!(
            "{}:{}",
            krew_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        command
            .env("PATH", path)
            .stdin(Stdio::null())
            .output()
            .expect("run validate-krew-manifest")
    };
    // krew's checks of every platform: structure, selectors, no overlaps.
    ok(
        &validate(&full, false),
        "validate-krew-manifest (all platforms)",
    );

    // The index's manifest, for the platforms built, downloaded over
    // loopback: validate-krew-manifest installs each platform with the real
    // krew and finds the LICENSE.
    let url = serve_files(&dist);
    let index = scratch.path().join("index");
    let indexed = index.join("plugins").join("flink.yaml");
    let indexed_arg = indexed.display().to_string();
    release(&[
        "--no-build",
        "--only-built",
        "--dist",
        &dist_arg,
        "--manifest",
        &indexed_arg,
        "--base-url",
        &url,
    ]);
    ok(
        &validate(&indexed, true),
        "validate-krew-manifest (install)",
    );

    // A broken manifest is refused by the same checks.
    let broken = scratch.path().join("broken").join("flink.yaml");
    std::fs::create_dir_all(broken.parent().expect("parent")).expect("folder");
    std::fs::write(&broken, text.replacen("os: linux", "os: plan9", 1)).expect("write");
    assert!(!validate(&broken, false).status.success());

    // 1. `krew install --manifest --archive`, a release archive not yet uploaded.
    let user = User::new(&scratch.path().join("user1"), &krew_bin);
    let archive_arg = archive.display().to_string();
    let install = user
        .command(
            "kubectl",
            &[
                "krew",
                "install",
                &format!("--manifest={full_arg}"),
                &format!("--archive={archive_arg}"),
            ],
        )
        .output()
        .expect("kubectl krew install");
    ok(&install, "kubectl krew install --manifest --archive");
    user.runs_the_plugin();
    user.completes_through_kubectl();
    // …and an archive that is not the manifest's is refused by krew.
    let tampered = scratch.path().join("tampered.yaml");
    std::fs::write(&tampered, text.replace(sum.trim(), &"1".repeat(64))).expect("write");
    let refused = User::new(&scratch.path().join("user2"), &krew_bin)
        .command(
            "kubectl",
            &[
                "krew",
                "install",
                &format!("--manifest={}", tampered.display()),
                &format!("--archive={archive_arg}"),
            ],
        )
        .output()
        .expect("kubectl krew install");
    assert!(!refused.status.success(), "{}", stderr(&refused));

    // 2. The custom index, as the README tells users to add it.
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(&index)
            .args(["-c", "user.name=t", "-c", "user.email=t@localhost"])
            .args(args)
            .output()
            .expect("git");
        ok(&out, &format!("git {args:?}"));
    };
    git(&["init", "-q"]);
    git(&["add", "plugins/flink.yaml"]);
    git(&["commit", "-q", "-m", "kubectl-flink"]);
    let user = User::new(&scratch.path().join("user3"), &krew_bin);
    let index_url = format!("file://{}", index.display());
    ok(
        &user.kubectl(&["krew", "index", "add", "kubectl-flink", &index_url]),
        "kubectl krew index add",
    );
    ok(
        &user.kubectl(&["krew", "install", "kubectl-flink/flink"]),
        "kubectl krew install kubectl-flink/flink",
    );
    let list = user.kubectl(&["krew", "list"]);
    assert!(
        stdout(&list).contains("kubectl-flink/flink"),
        "{}",
        stdout(&list)
    );
    user.runs_the_plugin();
}

/// `plugin.yaml` is what `krew/release` writes from the template (each
/// sha256 kept from it), and the custom index's manifest is that file.
#[test]
fn plugin_yaml_is_written_from_the_template_and_is_the_index_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(root.join("plugin.yaml")).expect("plugin.yaml");
    let scratch = Scratch::new("manifest");
    let copy = scratch.path().join("plugin.yaml");
    std::fs::write(&copy, &committed).expect("copy");
    let empty = scratch.path().join("no-archives");
    std::fs::create_dir_all(&empty).expect("folder");
    release(&[
        "--no-build",
        "--dist",
        &empty.display().to_string(),
        "--manifest",
        &copy.display().to_string(),
    ]);
    let written = std::fs::read_to_string(&copy).expect("written");
    assert_eq!(
        written, committed,
        "plugin.yaml differs from krew/plugin.yaml.tmpl's rendering: run krew/release"
    );
    let index = std::fs::read_to_string(root.join("krew/index/plugins/flink.yaml"))
        .expect("the index's manifest");
    assert_eq!(index, committed);
}
