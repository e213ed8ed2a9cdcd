"""Benchmark svclint on one tree, in one run, and print a Markdown table.

    python benchmarks/run.py PATH                   # any checkout (never commit it)
    python benchmarks/run.py --generate 100000      # a synthetic monorepo of ~100k lines in /tmp

Rows: bare LibCST parse of every Python file of the tree (the reference; svclint itself leaves tests
out by default, `--all-files` makes it read them too, as the peers do), `ast` parse of every file, the
extraction stage in-process over the files svclint reads (no pre-filter, pre-filter; jobs 1 and 2),
and whole-process scans: cold (empty cache), warm (nothing changed), one file changed (a plain module;
a module LibCST must read), `--jobs 1` and `--jobs 2` without cache, each with its peak RSS; then the
peers found on PATH or beside this Python (ruff, bandit, semgrep). Timings on a shared machine are
noisy: compare ratios within one run, and repeat (`--repeat`) to take the best of several.
"""
from __future__ import annotations

import argparse
import ast
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

SEMGREP_RULE = """rules:
  - id: any-call
    pattern: $F(...)
    message: a call
    languages: [python]
    severity: INFO
"""


def python_files(root: str, excludes: tuple[str, ...]) -> list[str]:
    from svclint.discover import discover
    found = discover(root, excludes)
    return [os.path.join(root, f.path) for f in found.files if f.kind == "python"]


def best(fn, repeat: int) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of this process) of an in-process step."""
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


_NETWORK = re.compile(rb"^\s*(?:import|from) (?:requests|httpx|aiohttp|grpc|kafka|pika)\b", re.M)
# the measured processes may write Python's bytecode cache, as any installed package has it (some CI
# images and sandboxes set PYTHONDONTWRITEBYTECODE, which makes every run compile svclint again)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_measured(cmd: list[str], repeat: int, before=None) -> tuple[float, float, float]:
    """(best wall seconds, best CPU seconds of the process and its children, peak RSS in MB)."""
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.perf_counter()\n"
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
             "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
             "print(time.perf_counter() - t, r.ru_utime + r.ru_stime, r.ru_maxrss)\n")
    results = []
    for _ in range(repeat):
        if before is not None:
            before()
        out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True,
                             env=ENV)
        wall, cpu, rss = out.stdout.split()
        results.append((float(wall), float(cpu), int(rss) / 1024))
    return min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results)


def _version_of(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version as dist_version
    try:
        return dist_version(dist)
    except PackageNotFoundError:
        return "?"


def tool(name: str) -> str | None:
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.path.exists(beside) else shutil.which(name)


def version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?")
    ap.add_argument("--generate", type=int, metavar="LINES", help="generate a synthetic tree of this size in /tmp")
    ap.add_argument("--repeat", type=int, default=1, help="runs per row; the best is reported")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--all-files", action="store_true",
                    help="svclint reads every Python file too, tests and vendored code, as the peers do "
                         "(--no-default-excludes); the reference parse always covers every Python file")
    a = ap.parse_args()
    if a.generate:
        from generate import generate
        root = os.path.join(tempfile.gettempdir(), f"svclint-bench-{a.generate}")
        if not os.path.isdir(root):
            generate(root, a.generate)
    elif a.path:
        root = os.path.abspath(a.path)
    else:
        ap.error("give a PATH or --generate LINES")

    import libcst

    from svclint import __version__
    from svclint.discover import DEFAULT_EXCLUDES, discover
    from svclint.extract.batch import extract_all

    excludes = (".git/",) if a.all_files else DEFAULT_EXCLUDES
    # the reference parses every Python file of the tree, whatever svclint leaves out by default (tests)
    files = python_files(root, (".git/",))
    sources = []
    for p in files:
        with open(p, "rb") as fh:
            sources.append(fh.read())
    lines = sum(s.count(b"\n") for s in sources)
    rows: list[tuple[str, tuple, str]] = []

    def parse_all_libcst() -> None:
        for s in sources:
            try:
                libcst.parse_module(s)
            except Exception:  # noqa: BLE001 - a file LibCST cannot parse costs what it costs
                pass

    def parse_all_ast() -> None:
        for s in sources:
            try:
                ast.parse(s)
            except (SyntaxError, ValueError):
                pass

    bare_wall, bare = best(parse_all_libcst, a.repeat)
    rows.append(("bare LibCST parse of every Python file (1 process)", (bare_wall, bare), ""))
    rows.append(("`ast` parse of every Python file (1 process)", best(parse_all_ast, a.repeat), ""))
    found = discover(root, excludes)
    stage = {}
    for label, jobs, prefilter in (("extraction stage, no pre-filter, jobs 1", 1, False),
                                   ("extraction stage, pre-filter, jobs 1", 1, True),
                                   ("extraction stage, pre-filter, jobs 2", 2, True)):
        wall, cpu = best(lambda: extract_all(root, found.files, jobs=jobs, prefilter=prefilter), a.repeat)
        stage[label] = wall
        rows.append((label, (wall, cpu if jobs == 1 else None), ""))

    cache = tempfile.mkdtemp(prefix="svclint-bench-cache-")
    svclint = [sys.executable, "-m", "svclint", "scan", root, "--format", "json", "--exit-zero"]
    if a.all_files:
        svclint += ["--no-default-excludes", "--exclude", ".git/"]

    def clear() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    cold = run_measured(svclint + ["--cache-dir", cache], a.repeat, before=clear)
    rows.append(("svclint scan, cold (empty cache, all cores)", cold[:2], f"{cold[2]:.0f} MB"))
    warm = run_measured(svclint + ["--cache-dir", cache], a.repeat)
    rows.append(("svclint scan, warm (nothing changed)", warm[:2], f"{warm[2]:.0f} MB"))
    # one file changed (the pre-commit case): a plain module the pre-filter reads with `ast`, and a
    # module that talks to the network, which LibCST must read
    scanned = [os.path.join(root, f.path) for f in found.files if f.kind == "python"]
    source_of = dict(zip(files, sources))
    plain = next((p for p in scanned if "/domain/" in p), scanned[0] if scanned else None)
    network = next((p for p in scanned if _NETWORK.search(source_of.get(p, b""))), None)
    for label, victim in (("a plain module", plain), ("a module LibCST reads", network)):
        if victim is None:
            continue
        counter = [0]

        def touch(victim=victim, counter=counter) -> None:
            counter[0] += 1
            with open(victim, "a", encoding="utf-8") as fh:
                fh.write(f"\nBENCH_EDIT_{counter[0]} = {counter[0]}\n")
        original = open(victim, "rb").read()
        try:
            one = run_measured(svclint + ["--cache-dir", cache], a.repeat, before=touch)
        finally:
            with open(victim, "wb") as fh:
                fh.write(original)
        rows.append((f"svclint scan, one file changed: {label}", one[:2], f"{one[2]:.0f} MB"))
    for jobs in (1, 2):
        r = run_measured(svclint + ["--no-cache", "--jobs", str(jobs)], a.repeat)
        rows.append((f"svclint scan, no cache, --jobs {jobs}", r[:2], f"{r[2]:.0f} MB"))
    shutil.rmtree(cache, ignore_errors=True)

    peers = []
    if not a.no_peers:
        ruff = tool("ruff")
        if ruff:
            peers.append((f"ruff check ({version([ruff, '--version'])})",
                          [ruff, "check", "--no-cache", "--exit-zero", "--select", "ALL", root]))
        bandit = tool("bandit")
        if bandit:
            peers.append((f"bandit -r ({version([bandit, '--version'])})", [bandit, "-r", "-q", root]))
        semgrep = tool("semgrep")
        if semgrep:
            rule = os.path.join(tempfile.mkdtemp(prefix="svclint-bench-"), "rule.yml")
            with open(rule, "w", encoding="utf-8") as fh:
                fh.write(SEMGREP_RULE)
            peers.append((f"semgrep, a rule matching every call ({version([semgrep, '--version'])})",
                          [semgrep, "scan", "--config", rule, "--metrics", "off", "--disable-version-check",
                           "--jobs", "2", root]))
    for label, cmd in peers:
        r = run_measured(cmd, a.repeat)
        rows.append((label, r[:2], f"{r[2]:.0f} MB"))

    cpu = platform.processor() or platform.machine()
    print(f"tree: {root}: {len(files)} Python files, {lines} lines (svclint reads {len(scanned)} of them: "
          f"{'every file' if a.all_files else 'default excludes'}); svclint {__version__}, LibCST "
          f"{_version_of('libcst')}, Python {platform.python_version()}, {os.cpu_count()} cores "
          f"({cpu}), load average {os.getloadavg()[0]:.1f}; best of {a.repeat}\n")
    print("| what | wall s | CPU s | CPU x bare LibCST parse | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for label, (wall, cpu), rss in rows:
        ratio = f"{cpu / bare:.2f}" if cpu is not None else ""
        cpu_s = f"{cpu:.2f}" if cpu is not None else ""
        print(f"| {label} | {wall:.2f} | {cpu_s} | {ratio} | {rss} |")
    j1 = stage["extraction stage, pre-filter, jobs 1"]
    j2 = stage["extraction stage, pre-filter, jobs 2"]
    print(f"\nextraction speed-up, jobs 2 over jobs 1: {j1 / j2:.2f}x; pre-filter over none: "
          f"{stage['extraction stage, no pre-filter, jobs 1'] / j1:.2f}x (wall); warm/cold: {warm[0] / cold[0]:.1%} "
          f"(wall), {warm[1] / cold[1]:.1%} (CPU)")


if __name__ == "__main__":
    main()
