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
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(argv, env, runs):
    walls, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append((time.perf_counter() - start) * 1000)
        rss.append(usage.ru_maxrss / 1024)  # KiB -> MiB on Linux
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(argv)} failed with {os.waitstatus_to_exitcode(status)}")
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
    print(f"{'command':<48} {'median ms':>10} {'min ms':>8} {'peak MiB':>9}")
    for label, cmd in cases:
        median, fastest, peak = measure([os.path.join(bindir, "kubectl-flink")] + cmd, env, args.runs)
        print(f"{'kubectl-flink ' + label:<48} {median:>10.2f} {fastest:>8.2f} {peak:>9.2f}")
    kubectl = shutil.which("kubectl")
    if kubectl:
        for label, cmd in cases:
            median, fastest, peak = measure([kubectl, "flink"] + cmd, env, max(5, args.runs // 3))
            print(f"{'kubectl flink ' + label + ' (via kubectl)':<48} {median:>10.2f} {fastest:>8.2f} {peak:>9.2f}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
