#!/usr/bin/env bash
# Package a release build for krew: dist/kubectl-flink-<os>-<arch>.tar.gz with the
# binary and LICENSE, and write that archive's sha256 into plugin.yaml for the
# matching platform. Usage: krew/package.sh [os] [arch]   (default: this machine)
set -euo pipefail
cd "$(dirname "$0")/.."
os="${1:-$(uname -s | tr '[:upper:]' '[:lower:]')}"
arch="${2:-$(uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')}"
cargo build --release --locked --bin kubectl-flink
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp target/release/kubectl-flink LICENSE "$stage/"
mkdir -p dist
archive="dist/kubectl-flink-${os}-${arch}.tar.gz"
tar -C "$stage" -czf "$archive" kubectl-flink LICENSE
sum="$(sha256sum "$archive" | cut -d' ' -f1)"
python3 - "$os" "$arch" "$sum" <<'PY'
import re, sys
os_, arch, digest = sys.argv[1:]
text = open("plugin.yaml").read()
pattern = re.compile(r"(os: %s\n\s+arch: %s\n(?:.*\n)*?\s+sha256: )\"[0-9a-f]{64}\"" % (re.escape(os_), re.escape(arch)))
text, count = pattern.subn(lambda m: m.group(1) + '"%s"' % digest, text, count=1)
if count != 1:
    sys.exit(f"no platform {os_}/{arch} in plugin.yaml")
open("plugin.yaml", "w").write(text)
PY
echo "$archive $sum"
