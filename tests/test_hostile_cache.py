"""A hostile repository cannot plant, redirect or edit svclint's cache.

The cache lives in the user's cache folder, keyed to a per-user secret: a pack planted in the
repository is never read, a symlinked `.svclint_cache` is never written through, and a pack edited by
one byte is ignored, reported and rebuilt, so the findings are always those of a cold scan."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SHOP
from svclint import cache as cache_mod


def _svclint(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svclint", *args], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    dst = tmp_path / "repo"
    shutil.copytree(SHOP, dst, ignore=shutil.ignore_patterns(".svclint_cache"))
    return dst


def _findings(r: subprocess.CompletedProcess) -> list:
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)["findings"]


def test_a_pack_planted_in_the_repository_cannot_hide_findings(repo: Path) -> None:
    cold = _findings(_svclint("scan", str(repo), "--format", "json", "--no-cache"))
    assert cold
    # the attacker scans a clean copy of its own tree and commits that cache next to the code
    clean = repo.parent / "clean"
    clean.mkdir()
    (clean / "README.md").write_text("nothing here\n")
    planted = repo / ".svclint_cache"
    for name in ("facts-0000.json", ".gitignore"):
        planted.mkdir(exist_ok=True)
        (planted / name).write_text('{"salt": "x", "entries": {}}')
    r = _svclint("scan", str(repo), "--format", "json")
    assert _findings(r) == cold
    assert ".svclint_cache in the repository is not read" in r.stderr


def test_a_committed_symlink_named_svclint_cache_is_never_written_through(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".svclint_cache").symlink_to(elsewhere, target_is_directory=True)
    r = _svclint("scan", str(repo), "--exit-zero")
    assert r.returncode == 0 and list(elsewhere.iterdir()) == []


def test_a_symlinked_cache_folder_is_refused(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere, target_is_directory=True)
    r = _svclint("scan", str(repo), "--exit-zero", "--cache-dir", str(link))
    assert r.returncode == 0 and list(elsewhere.iterdir()) == []


def test_one_changed_digit_in_a_pack_is_ignored_reported_and_rebuilt(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _findings(_svclint("scan", str(repo), "--format", "json", "--cache-dir", str(cache)))
    pack = next(cache.glob("facts-*.json"))
    raw = bytearray(pack.read_bytes())
    body = raw.index(b"\n") + 1
    digit = next(i for i in range(body, len(raw)) if chr(raw[i]).isdigit())
    raw[digit] = ord("1") if raw[digit] != ord("1") else ord("2")
    pack.write_bytes(bytes(raw))
    r = _svclint("scan", str(repo), "--format", "json", "--cache-dir", str(cache))
    assert _findings(r) == cold
    assert "cache file ignored and rebuilt" in r.stderr and "authentication code" in r.stderr
    # and the run after it reads a pack svclint wrote again: no warning, same findings
    r = _svclint("scan", str(repo), "--format", "json", "--cache-dir", str(cache))
    assert _findings(r) == cold and "warning" not in r.stderr


def test_a_pack_written_without_the_user_key_is_ignored(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _findings(_svclint("scan", str(repo), "--format", "json", "--cache-dir", str(cache)))
    pack = next(cache.glob("facts-*.json"))
    body = json.loads(pack.read_bytes().partition(b"\n")[2])
    body["entries"] = {}            # everything forgotten: a cache that says "no findings"
    pack.write_bytes(cache_mod._seal(b"k" * 32, json.dumps(body).encode()))
    r = _svclint("scan", str(repo), "--format", "json", "--cache-dir", str(cache))
    assert _findings(r) == cold and "authentication code" in r.stderr


def test_cache_is_private_whatever_the_umask(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "user-cache"
    code = ("import os, sys; os.umask(0); from svclint._entry import main; "
            f"sys.argv = ['svclint', 'scan', {str(repo)!r}, '--exit-zero']; main()")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "SVCLINT_CACHE_DIR": str(root)})
    assert r.returncode == 0, r.stderr
    made = [root, *root.rglob("*")]
    assert len(made) >= 3       # the root, the key, the repository's folder and its pack
    for path in made:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_the_cache_is_outside_the_repository_by_default(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "user-cache"
    r = _svclint("scan", str(repo), "--exit-zero", env={"SVCLINT_CACHE_DIR": str(root)})
    assert r.returncode == 0
    assert not (repo / ".svclint_cache").exists()
    assert list((root / Path(cache_mod.default_directory(str(repo))).name).glob("facts-*"))


def test_a_key_readable_by_others_is_not_trusted(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "user-cache"
    env = {"SVCLINT_CACHE_DIR": str(root)}
    cold = _findings(_svclint("scan", str(repo), "--format", "json", env=env))
    key = root / "key"
    key.chmod(0o644)
    r = _svclint("scan", str(repo), "--format", "json", env=env)
    assert _findings(r) == cold
