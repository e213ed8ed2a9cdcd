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


# secrets planted in every place svclint reads values from; none may reach the cache
_PLANTED = {
    "compose": "Zq8vT3mN1xR7bK2pW9sY4dF6",
    "k8s_env": "Hh3Jk9Lm2Nb7Vc5Xz1Qw8Er4",
    "configmap": "Pp0Oo9Ii8Uu7Yy6Tt5Rr4Ee3Q",
    "dotenv": "Aa1Ss2Dd3Ff4Gg5Hh6Jj7Kk8L",
    "dockerfile": "Mm9Nn8Bb7Vv6Cc5Xx4Zz3Ll2K",
    "constant": "Qw3rTy7uI0pAs5dFg8hJk1lZ",
    "default": "Wx4cV6bN8mQ2eR5tY7uI9oP1",
    "url": "S3cr3tUrlPassw0rdXyz",
    "token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
}


def _write_secrets(repo: Path) -> None:
    p = _PLANTED
    svc = repo / "vault-demo"
    svc.mkdir()
    (svc / "app.py").write_text(
        "import os\nimport requests\n\n"
        f"SECRET_KEY = '{p['constant']}'\n"
        f"API_TOKEN = os.environ.get('API_TOKEN', '{p['default']}')\n"
        f"DATABASE_URL = 'postgresql://admin:{p['url']}@db:5432/vault'\n"
        f"GITHUB = '{p['token']}'\n\n"
        "def ping():\n    return requests.get('http://orders:8000/health', timeout=2)\n")
    (svc / "Dockerfile").write_text(f"FROM python:3.12\nENV DB_PASSWORD={p['dockerfile']}\nCMD [\"python\", \"app.py\"]\n")
    (svc / ".env").write_text(f"STRIPE_SECRET={p['dotenv']}\n")
    (repo / "docker-compose.secrets.yml").write_text(
        "services:\n  vault-demo:\n    build: ./vault-demo\n"
        f"    environment:\n      ADMIN_PASSWORD: {p['compose']}\n")
    k8s = repo / "k8s-secrets"
    k8s.mkdir()
    (k8s / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: vault-demo}\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: vault-demo\n        image: vault-demo:1\n"
        f"        env:\n        - name: JWT_SECRET\n          value: {p['k8s_env']}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: vault-config}\n"
        f"data:\n  SMTP_PASSWORD: {p['configmap']}\n")


def test_the_cache_holds_no_secret_the_repository_binds(repo: Path, tmp_path: Path) -> None:
    _write_secrets(repo)
    root = tmp_path / "user-cache"
    env = {"SVCLINT_CACHE_DIR": str(root)}
    cold = _findings(_svclint("scan", str(repo), "--format", "json", "--no-cache"))
    first = _findings(_svclint("scan", str(repo), "--format", "json", env=env))
    warm = _findings(_svclint("scan", str(repo), "--format", "json", env=env))
    assert cold == first == warm
    # every planted secret is reported (redaction keeps the verdicts), and none is printed
    flagged = {(f["rule"], f["file"]) for f in cold if f["rule"] in ("SEC001", "SEC009")}
    for path in ("vault-demo/app.py", "vault-demo/Dockerfile", "docker-compose.secrets.yml",
                 "k8s-secrets/deploy.yaml"):
        assert any(p == path for _, p in flagged), (path, sorted(flagged))
    packs = [p for p in root.rglob("*") if p.is_file() and p.name != "key"]
    assert packs
    blob = b"".join(p.read_bytes() for p in packs)
    for where, secret in _PLANTED.items():
        assert secret.encode() not in blob, f"the {where} secret is in the cache"
        assert all(secret not in json.dumps(f) for f in cold), f"the {where} secret is in a finding"
    # what resolve needs survives: the URL's host, with its password replaced
    assert b"postgresql://admin:svclint-redacted-" in blob and b"@db:5432/vault" in blob


@pytest.mark.parametrize("name, value, kept", [
    ("DATABASE_URL", "postgresql://app:Zq8vT3mN1xR7bK2p@db:5432/app", "@db:5432/app"),
    ("SENTRY_DSN", "https://A1b2C3d4E5f6A7b8C9d0@o1.ingest.sentry.io/5", "@o1.ingest.sentry.io/5"),
    ("ORACLE_DSN", "oracle:1521/FREEPDB1", "oracle:1521/FREEPDB1"),
    ("REDIS_URL", "${REDIS_URL:-redis://:Zq8vT3mN1xR7bK2p@cache:6379/0}", "@cache:6379/0}"),
])
def test_redaction_keeps_the_address_and_the_verdict(name: str, value: str, kept: str) -> None:
    from analyzer.secrets import classify, redact
    out = redact(name, value)
    assert kept in out
    assert "Zq8vT3mN1xR7bK2p" not in out and "A1b2C3d4E5f6A7b8C9d0" not in out
    for strict in (True, False):
        assert classify(name, out, strict) == classify(name, value, strict)


@pytest.mark.parametrize("name, value", [
    ("DB_PASSWORD", "secret:123"), ("API_KEY", "Wx4cV6bN8mQ2eR5tY7uI9oP1"), ("JWT_SECRET", "averylongsecret"),
])
def test_a_secret_that_looks_like_an_address_is_still_redacted(name: str, value: str) -> None:
    from analyzer.secrets import REDACTED, classify, redact
    out = redact(name, value)
    assert REDACTED.fullmatch(out) and classify(name, out) == classify(name, value) != ""
