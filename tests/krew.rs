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

    /// After `kubectl flink completion install --dir <krew's bin>`, as the
    /// manifest's caveats say, the real kubectl completes `kubectl flink …`.
    fn completes_through_kubectl(&self) {
        let bin = self.krew_root.join("bin");
        let before = self.kubectl(&["__complete", "flink", "session", "st"]);
        assert!(
            !stdout(&before).contains("start"),
            "without the completion executable kubectl knows nothing: {}",
            stdout(&before)
        );
        let bin_arg = bin.display().to_string();
        let install = self.kubectl(&["flink", "completion", "install", "--dir", &bin_arg]);
        ok(&install, "kubectl flink completion install");
        let out = self.kubectl(&["__complete", "flink", "session", "st"]);
        ok(&out, "kubectl __complete flink session st");
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
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
/// What `krew/release --binary` made of the test build.
struct Packed {
    scratch: Scratch,
    dist: PathBuf,
    archive: PathBuf,
    /// The release manifest: every platform of krew/platforms, this one's
    /// sha256 from its archive, the others' placeholders (CI builds them).
    manifest: PathBuf,
    text: String,
    sha256: String,
}

fn pack_this_build() -> Packed {
    let scratch = Scratch::new("krew");
    let dist = scratch.path().join("dist");
    let (os, arch) = platform();
    let archive = dist.join(format!("kubectl-flink-{os}-{arch}.tar.gz"));
    let manifest = scratch.path().join("release").join("flink.yaml");
    let binary = small_copy(scratch.path());
    let packed = release(&[
        "--binary",
        &binary,
        "--dist",
        &dist.display().to_string(),
        "--manifest",
        &manifest.display().to_string(),
    ]);
    let text = std::fs::read_to_string(&manifest).expect("the manifest");
    let sha256 = std::fs::read_to_string(format!("{}.sha256", archive.display()))
        .expect("sha256")
        .trim()
        .to_string();
    assert!(text.contains(&format!("sha256: \"{sha256}\"")), "{text}");
    assert!(
        stderr(&packed).contains("placeholder"),
        "{}",
        stderr(&packed)
    );
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .expect("tar");
    let mut names: Vec<_> = stdout(&listing).lines().map(str::to_string).collect();
    names.sort();
    assert_eq!(names, ["LICENSE", "README.md", "kubectl-flink"]);
    Packed {
        scratch,
        dist,
        archive,
        manifest,
        text,
        sha256,
    }
}

/// krew's own `validate-krew-manifest`; with `install`, it installs each
/// platform through `kubectl krew` and looks for the LICENSE.
fn validate(krew_bin: &Path, manifest: &Path, install: bool) -> Output {
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
}

/// The custom index (a git repository, as krew clones it) whose manifest
/// lists the platforms built, their archives served over loopback.
fn index_of(packed: &Packed) -> PathBuf {
    let url = serve_files(&packed.dist);
    let index = packed.scratch.path().join("index");
    let manifest = index.join("plugins").join("flink.yaml");
    release(&[
        "--no-build",
        "--only-built",
        "--dist",
        &packed.dist.display().to_string(),
        "--manifest",
        &manifest.display().to_string(),
        "--base-url",
        &url,
    ]);
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
    index
}

/// `kubectl krew install --manifest=… --archive=…` as `user`.
fn install_archive(user: &User, manifest: &Path, archive: &Path) -> Output {
    user.command(
        "kubectl",
        &[
            "krew",
            "install",
            &format!("--manifest={}", manifest.display()),
            &format!("--archive={}", archive.display()),
        ],
    )
    .output()
    .expect("kubectl krew install")
}

#[test]
fn krew_validates_installs_and_kubectl_runs_the_packed_plugin() {
    if !kubectl_available() {
        return;
    }
    let Some(krew_bin) = krew_bin() else {
        return;
    };
    let packed = pack_this_build();
    let home = |name: &str| packed.scratch.path().join(name);

    // krew's checks of every platform: structure, selectors, no overlaps;
    // a broken manifest is refused by the same checks.
    let all = validate(&krew_bin, &packed.manifest, false);
    ok(&all, "validate-krew-manifest (all platforms)");
    let broken = home("broken").join("flink.yaml");
    std::fs::create_dir_all(home("broken")).expect("folder");
    std::fs::write(&broken, packed.text.replacen("os: linux", "os: plan9", 1)).expect("write");
    assert!(!validate(&krew_bin, &broken, false).status.success());

    // The index's manifest: validate-krew-manifest installs each of its
    // platforms with the real krew, downloading over loopback.
    let index = index_of(&packed);
    let indexed = index.join("plugins").join("flink.yaml");
    ok(
        &validate(&krew_bin, &indexed, true),
        "validate-krew-manifest (install)",
    );

    // 1. A release archive not yet uploaded; one that is not the manifest's
    // is refused.
    let user = User::new(&home("user1"), &krew_bin);
    let install = install_archive(&user, &packed.manifest, &packed.archive);
    ok(&install, "kubectl krew install --manifest --archive");
    user.runs_the_plugin();
    user.completes_through_kubectl();
    let tampered = home("tampered.yaml");
    let other = packed.text.replace(&packed.sha256, &"1".repeat(64));
    std::fs::write(&tampered, other).expect("write");
    let refused = install_archive(
        &User::new(&home("user2"), &krew_bin),
        &tampered,
        &packed.archive,
    );
    assert!(!refused.status.success(), "{}", stderr(&refused));

    // 2. The custom index, as the README tells users to add it.
    let user = User::new(&home("user3"), &krew_bin);
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
