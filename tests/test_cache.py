"""The facts cache (hit, miss on content / version / configuration, corrupt entries, concurrent runs),
extraction in a process pool (same facts, same order as one process), and the CLI around them."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from svclint import cache as cache_mod
from svclint.cache import FactsCache, decode, default_directory, encode
from svclint.cli import main
from svclint.discover import DEFAULT_EXCLUDES, discover
from svclint.engine import analyze, run_rules
from svclint.extract import batch
from svclint.model import FileFacts, from_data, to_data
from svclint.report.progress import Progress
from svclint.rules import ALL_RULES

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    dst = tmp_path / "shop"
    shutil.copytree(SHOP, dst, ignore=shutil.ignore_patterns(".svclint_cache"))
    return dst


def _extract(root: Path, cache_dir: Path | None, config=None, jobs: int = 1) -> tuple[dict, FactsCache | None]:
    found = discover(str(root), DEFAULT_EXCLUDES)
    cache = FactsCache(str(cache_dir), config or {}) if cache_dir is not None else None
    return batch.extract_all(str(root), found.files, jobs=jobs, cache=cache), cache


def test_compact_encoding_round_trips_and_agrees_with_the_model(shop):
    facts, _ = _extract(shop, None)
    for f in facts.values():
        data = json.loads(json.dumps(encode(f)))
        assert decode(FileFacts, data) == f
        assert from_data(FileFacts, to_data(f)) == f
        assert len(json.dumps(data)) <= len(json.dumps(to_data(f)))


def test_second_run_is_served_from_the_cache(shop, tmp_path, monkeypatch):
    first, c1 = _extract(shop, tmp_path / "c")
    assert c1.misses == len(first) - sum(1 for f in first.values() if not f.digest) and c1.hits == 0

    def boom(item):
        raise AssertionError(f"extracted again: {item[0]}")
    monkeypatch.setattr(batch, "_work", boom)
    second, c2 = _extract(shop, tmp_path / "c")
    assert c2.misses == 0 and c2.hits == c1.misses
    assert second == first and list(second) == list(first)


def test_changed_content_is_a_miss_for_that_file_only(shop, tmp_path):
    first, _ = _extract(shop, tmp_path / "c")
    app = next(p for p in first if p.endswith(".py") and first[p].python and first[p].python.calls)
    target = shop / app
    target.write_text(target.read_text() + "\nEXTRA = 'http://added'\n")
    second, c2 = _extract(shop, tmp_path / "c")
    assert c2.misses == 1
    assert any(c.name == "EXTRA" for c in second[app].python.constants)
    assert {p: f for p, f in second.items() if p != app} == {p: f for p, f in first.items() if p != app}


def test_other_version_or_configuration_misses(shop, tmp_path, monkeypatch):
    first, c1 = _extract(shop, tmp_path / "c", {"max_bytes": 5})
    _, same = _extract(shop, tmp_path / "c", {"max_bytes": 5})
    assert same.misses == 0
    _, other_config = _extract(shop, tmp_path / "c", {"max_bytes": 6})
    assert other_config.hits == 0 and other_config.misses == c1.misses
    monkeypatch.setattr(cache_mod, "code_fingerprint", lambda: "another svclint")
    _, other_version = _extract(shop, tmp_path / "c", {"max_bytes": 5})
    assert other_version.hits == 0 and other_version.misses == c1.misses


def _body(pack: Path) -> dict:
    """The JSON of a sealed pack (after its authentication line)."""
    return json.loads(pack.read_bytes().partition(b"\n")[2])


def _reseal(pack: Path, data: dict) -> None:
    """Write `data` as svclint itself would (with the user's key): the shape checks still apply."""
    pack.write_bytes(cache_mod._seal(cache_mod._user_key(False), json.dumps(data).encode()))


def test_corrupt_entries_and_packs_are_ignored_and_rebuilt(shop, tmp_path):
    first, c1 = _extract(shop, tmp_path / "c")
    pack = Path(c1.pack)
    data = _body(pack)
    keys = sorted(data["entries"])
    data["entries"][keys[0]] = {"path": 5, "kind": ["x"]}          # wrong types
    data["entries"][keys[1]] = {"no_such_field": 1}                # foreign shape
    data["entries"][keys[2]] = "garbage"
    _reseal(pack, data)
    second, c2 = _extract(shop, tmp_path / "c")
    assert c2.misses == 3 and second == first
    # truncated pack (a crash mid-write elsewhere, a disk error): everything is rebuilt
    pack.write_bytes(pack.read_bytes()[: len(pack.read_bytes()) // 2])
    third, c3 = _extract(shop, tmp_path / "c")
    assert c3.hits == 0 and third == first
    _body(pack)   # and the rebuilt pack is whole again
    # a pack of another salt under our name
    _reseal(pack, {"salt": "other", "entries": _body(pack)["entries"]})
    _, c4 = _extract(shop, tmp_path / "c")
    assert c4.hits == 0


def test_concurrent_runs_never_corrupt_the_cache(shop, tmp_path):
    cache_dir = tmp_path / "c"
    cmd = [sys.executable, "-m", "svclint", "scan", str(shop), "--format", "json", "--exit-zero",
           "--cache-dir", str(cache_dir), "--jobs", "1"]
    expected = subprocess.run(cmd[:-4] + ["--no-cache"], capture_output=True, text=True, check=True).stdout
    for _ in range(2):
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate() for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        assert all(out == expected and not err for out, err in outs)
        packs = list(cache_dir.glob("facts-*.json"))
        assert len(packs) == 1 and _body(packs[0])["entries"]
        assert not list(cache_dir.glob(".tmp-*"))
    warm = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert warm == expected


def test_jobs_do_not_change_the_facts_or_their_order(shop, monkeypatch):
    one, _ = _extract(shop, None, jobs=1)
    monkeypatch.setattr(batch, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(batch, "POOL_MIN_BYTES", 0)
    two, _ = _extract(shop, None, jobs=2)
    assert two == one and list(two) == list(one)
    findings = [run_rules(analyze(str(shop), jobs=j), ALL_RULES) for j in (1, 2)]
    assert findings[0] == findings[1] and findings[0]


def test_cli_cache_options_and_cache_clear(shop, _user_cache):
    runner = CliRunner()
    mine = Path(default_directory(str(shop)))
    assert mine.parent == _user_cache
    r = runner.invoke(main, ["scan", str(shop), "--no-cache", "--exit-zero", "-j", "2"])
    assert r.exit_code == 0 and not mine.exists()
    r = runner.invoke(main, ["graph", str(shop)])
    assert r.exit_code == 0 and list(mine.glob("facts-*.json"))
    assert not (shop / ".svclint_cache").exists()       # nothing is written into the repository
    r = runner.invoke(main, ["cache", "clear", str(shop)])
    assert r.exit_code == 0 and "cleared" in r.stdout and not mine.exists()
    r = runner.invoke(main, ["scan", str(shop), "--jobs", "0"])
    assert r.exit_code == 2
    # `cache clear` never removes a directory that is not an svclint cache
    (shop / "notacache").mkdir()
    (shop / "notacache" / "precious.txt").write_text("x")
    r = runner.invoke(main, ["cache", "clear", str(shop), "--cache-dir", str(shop / "notacache")])
    assert r.exit_code == 2 and (shop / "notacache" / "precious.txt").exists()


def test_progress_bar_only_on_a_terminal():
    quiet = io.StringIO()
    bar = Progress(stream=quiet, delay=0)
    bar(5, 10)
    bar.close()
    assert quiet.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True
    tty = Tty()
    bar = Progress(stream=tty, delay=0)
    bar.enabled = True   # whatever the environment says
    bar(5, 10)
    bar(10, 10)
    bar.close()
    assert "5/10 files" in tty.getvalue() and "10/10 files" in tty.getvalue()
    assert tty.getvalue().endswith("\r\033[K")


def test_cache_dir_is_excluded_from_discovery(shop):
    # an explicit --cache-dir inside the repository is never scanned as part of it
    runner = CliRunner()
    runner.invoke(main, ["scan", str(shop), "--exit-zero", "--cache-dir", str(shop / ".svclint_cache")])
    found = discover(str(shop), DEFAULT_EXCLUDES)
    assert not any(f.path.startswith(".svclint_cache") for f in found.files)
    assert ".svclint_cache/" in DEFAULT_EXCLUDES
    assert os.path.isdir(shop / ".svclint_cache")


def _app(facts: dict) -> str:
    return next(p for p in facts if p.endswith(".py") and facts[p].python and facts[p].python.calls)


def test_unchanged_stat_signature_skips_reading_and_a_same_size_edit_is_still_seen(shop, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_mod, "SETTLE_NS", -10**18)     # every file counts as left alone long enough
    first, _ = _extract(shop, tmp_path / "c")
    app = _app(first)
    real = batch.read_source
    read: list[str] = []

    def spy(root, path, *args, **kwargs):
        read.append(path)
        return real(root, path, *args, **kwargs)
    monkeypatch.setattr(batch, "read_source", spy)
    second, c2 = _extract(shop, tmp_path / "c")
    assert read == [] and second == first and c2.misses == 0
    # an edit that keeps the size: the signature (mtime, ctime) changes, so the file is read and hashed
    target = shop / app
    text = target.read_text()
    target.write_text(text.replace("(", "[", 1).replace(")", "]", 1) if "(" in text else text.upper())
    assert target.stat().st_size == len(text.encode())
    third, c3 = _extract(shop, tmp_path / "c")
    assert read == [app] and c3.misses == 1 and third[app] != first[app]


def test_signatures_of_files_changed_just_before_the_run_are_not_remembered(shop, tmp_path):
    first, c1 = _extract(shop, tmp_path / "c")        # the copy was just written: nothing has settled
    pack = _body(Path(c1.pack))
    assert pack["stats"] == {}


def test_a_run_that_changed_one_file_writes_a_delta_and_compaction_folds_them(shop, tmp_path, monkeypatch):
    first, c1 = _extract(shop, tmp_path / "c")
    pack = Path(c1.pack)
    before = pack.read_bytes()
    app = shop / _app(first)
    for n in range(cache_mod.MAX_DELTAS):
        app.write_text(app.read_text() + f"\nEXTRA_{n} = 'http://added-{n}'\n")
        facts, c = _extract(shop, tmp_path / "c")
        assert c.misses == 1
        assert pack.read_bytes() == before                  # the pack is left as it was
        deltas = sorted(tmp_path.glob(f"c/facts-{c.salt}.delta-*.json"))
        assert len(deltas) == n + 1
        assert list(_body(deltas[-1])["entries"]) == [
            cache_mod.entry_key(_app(first), "python", facts[_app(first)].digest)]
    # pack + deltas serve every file; this run read MAX_DELTAS deltas, so it compacts them into a pack
    # that holds exactly this run's entries (the stale versions of the changed file are dropped)
    again, warm = _extract(shop, tmp_path / "c")
    assert warm.misses == 0 and again == facts
    assert not list(tmp_path.glob("c/facts-*.delta-*.json"))
    entries = _body(pack)["entries"]
    assert len(entries) == sum(1 for f in facts.values() if f.digest)
    stamp = pack.stat().st_mtime_ns
    _, after = _extract(shop, tmp_path / "c")
    assert after.misses == 0 and pack.stat().st_mtime_ns == stamp     # nothing changed, nothing written


def test_deltas_without_their_pack_or_corrupt_are_ignored(shop, tmp_path):
    first, c1 = _extract(shop, tmp_path / "c")
    app = shop / _app(first)
    app.write_text(app.read_text() + "\nEXTRA = 'http://added'\n")
    changed, _ = _extract(shop, tmp_path / "c")
    delta = next(tmp_path.glob("c/facts-*.delta-*.json"))
    delta.write_text(delta.read_text()[:40])                 # truncated
    again, c = _extract(shop, tmp_path / "c")
    assert c.misses == 1 and again == changed
    Path(c1.pack).unlink()                                    # deltas alone hold only what changed
    _, c = _extract(shop, tmp_path / "c")
    assert c.hits == 0


def test_extraction_overlaps_decoding_with_the_same_facts(shop, tmp_path, monkeypatch):
    first, _ = _extract(shop, tmp_path / "c")
    app = shop / _app(first)
    app.write_text(app.read_text() + "\nEXTRA = 'http://added'\n")
    expected, _ = _extract(shop, None)
    monkeypatch.setattr(batch, "OVERLAP_MIN_CACHED", 1)
    pooled: list[int] = []
    real = batch._pooled

    def spy(todo, jobs, limits=None):
        pooled.append(len(todo))
        return real(todo, jobs, limits)
    monkeypatch.setattr(batch, "_pooled", spy)
    second, c = _extract(shop, tmp_path / "c", jobs=2)
    assert pooled == [1] and c.misses == 1
    assert second == expected and list(second) == list(expected)


def test_the_code_fingerprint_covers_every_module_extraction_imports():
    """A change to any code that decides what the facts are must miss the cache."""
    import ast as pyast
    package = Path(cache_mod.__file__).resolve().parent
    needed = set()
    for path in (package / "extract").rglob("*.py"):
        for node in pyast.walk(pyast.parse(path.read_text())):
            if isinstance(node, pyast.ImportFrom) and node.level:
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                target = base.joinpath(*(node.module or "").split(".")) if node.module else base
                if target.with_suffix(".py").is_file():
                    needed.add(target.with_suffix(".py").resolve())
    outside = {p.relative_to(package).as_posix() for p in needed if package / "extract" not in p.parents}
    assert outside and outside <= set(cache_mod.EXTRACTION_MODULES), outside - set(cache_mod.EXTRACTION_MODULES)


def test_a_pool_that_cannot_start_falls_back_to_this_process(shop, monkeypatch):
    expected, _ = _extract(shop, None)
    monkeypatch.setattr(batch, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(batch, "POOL_MIN_BYTES", 0)

    def no_fork(todo, jobs, limits=None):
        raise OSError(11, "Resource temporarily unavailable")
        yield  # pragma: no cover - a generator, like the real one
    monkeypatch.setattr(batch, "_pooled", no_fork)
    facts, _ = _extract(shop, None, jobs=2)
    assert facts == expected and list(facts) == list(expected)


def test_cache_files_are_private_and_ignored_by_git(shop, tmp_path):
    """Facts hold the literal values of the scanned files (secrets too): owner-only, never committed."""
    first, c = _extract(shop, tmp_path / "c")
    app = shop / _app(first)
    app.write_text(app.read_text() + "\nEXTRA = 1\n")
    _extract(shop, tmp_path / "c")
    written = list((tmp_path / "c").glob("facts-*.json"))
    assert len(written) == 2 and all(p.stat().st_mode & 0o077 == 0 for p in written)
    assert (tmp_path / "c").stat().st_mode & 0o077 == 0
    # a cache folder named inside a git work tree gets a .gitignore; one outside needs none
    assert not (tmp_path / "c" / ".gitignore").exists()
    (tmp_path / "work" / ".git").mkdir(parents=True)
    _extract(shop, tmp_path / "work" / "c")
    assert (tmp_path / "work" / "c" / ".gitignore").read_text().splitlines()[-1] == "*"
