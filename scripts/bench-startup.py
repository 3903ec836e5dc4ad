#!/usr/bin/env python3
"""Start-up benchmark: whole-process wall time and peak memory (max RSS) of
`kubectl-flink session start --dry-run=client -o yaml` and `kubectl-flink --help`.

Targets (issue 2): under 10 ms and under 10 MiB each on a 2-core machine.
Flink's own client needs about 2.4 s and 190 MiB to create the same objects.

Usage: scripts/bench-startup.py [--runs N] [--binary PATH]
Builds the release binary unless --binary is given. Prints one line per command;
also times the same through `kubectl flink` (kubectl's own start-up included).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# Peak RSS must be read from a parent that is itself tiny: Linux folds the
# memory a child had before exec (a forked copy of Python) into ru_maxrss.
# So a small C program (benches/spawn.c) forks, execs, and reports them.
SPAWNER_C = open(os.path.join(ROOT, "benches", "spawn.c")).read()


def build_spawner(workdir):
    source = os.path.join(workdir, "spawn.c")
    binary = os.path.join(workdir, "spawn")
    with open(source, "w") as f:
        f.write(SPAWNER_C)
    subprocess.run(["cc", "-O2", "-o", binary, source], check=True)
    return binary


def measure(spawner, argv, env, runs):
    walls, rss = [], []
    for _ in range(runs):
        out = subprocess.run([spawner] + argv, env=env, capture_output=True, text=True, check=True).stdout
        ms, kib, code = out.split()
        if int(code) != 0:
            sys.exit(f"{' '.join(argv)} failed with {code}")
        walls.append(float(ms))
        rss.append(int(kib) / 1024)
    return statistics.median(walls), min(walls), max(rss)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--binary")
    args = parser.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "kubectl-flink"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "kubectl-flink")
    home = tempfile.mkdtemp(prefix="kf-bench-")
    bindir = os.path.join(home, "bin")
    os.makedirs(bindir)
    shutil.copy(binary, os.path.join(bindir, "kubectl-flink"))
    env = {"HOME": home, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}
    cases = [
        ("session start --dry-run=client -o yaml", ["session", "start", "bench", "--dry-run=client", "-o", "yaml"]),
        ("--help", ["--help"]),
    ]
    spawner = build_spawner(home)
    width = 62
    print(f"{'command':<{width}} {'median ms':>10} {'min ms':>8} {'peak MiB':>9}")
    median, fastest, peak = measure(spawner, ["/bin/true"], env, args.runs)
    print(f"{'/bin/true (floor of this measurement)':<{width}} {median:>10.2f} {fastest:>8.2f} {peak:>9.2f}")
    for label, cmd in cases:
        median, fastest, peak = measure(spawner, [os.path.join(bindir, "kubectl-flink")] + cmd, env, args.runs)
        print(f"{'kubectl-flink ' + label:<{width}} {median:>10.2f} {fastest:>8.2f} {peak:>9.2f}")
    kubectl = shutil.which("kubectl")
    if kubectl:
        for label, cmd in cases:
            median, fastest, peak = measure(spawner, [kubectl, "flink"] + cmd, env, max(5, args.runs // 3))
            print(f"{'kubectl flink ' + label + ' (kubectl start-up included)':<{width}} {median:>10.2f} {fastest:>8.2f} {peak:>9.2f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
