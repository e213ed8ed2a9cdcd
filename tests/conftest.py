"""Shared fixtures: small repositories written from {path: text}, and the pipeline run over them."""
from __future__ import annotations

import itertools
import textwrap
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pytest

from svclint.engine import Analysis, analyze, run_rules
from svclint.model import Finding
from svclint.rule import Rule
from svclint.rules import ALL_RULES

REPO_ROOT = Path(__file__).resolve().parent.parent
SHOP = REPO_ROOT / "fixtures" / "shop"

MakeRepo = Callable[[Mapping[str, str]], Path]


def write_repo(root: Path, files: Mapping[str, str], dedent: bool = False) -> Path:
    """Write {"a/b.py": text} below `root` ("/"-separated relative paths); return `root`."""
    for rel, text in files.items():
        target = root.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n") if dedent else text, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user cache folder (svclint's cache lives outside the repository):
    no test reads another's cache, and none writes into the real ~/.cache."""
    root = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("SVCLINT_CACHE_DIR", str(root))
    return root


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """make_repo({path: text}, dedent=False) -> a fresh directory holding those files.

    Each call makes a new directory, so one test can build several repositories.
    """
    counter = itertools.count()

    def make(files: Mapping[str, str], dedent: bool = False) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        root.mkdir()
        return write_repo(root, files, dedent)
    return make


def run_pipeline(root: str | Path, rules: Iterable[Rule] = ALL_RULES) -> tuple[Analysis, list[Finding]]:
    """analyze + run_rules, as the CLI does (default excludes, no selection)."""
    analysis = analyze(str(root))
    return analysis, run_rules(analysis, list(rules), debug=False)


@pytest.fixture
def pipeline() -> Callable[..., tuple[Analysis, list[Finding]]]:
    """pipeline(root, rules=ALL_RULES) -> (analysis, findings)."""
    return run_pipeline


@pytest.fixture
def scan_files(make_repo: Callable[..., Path]) -> Callable[..., tuple[Analysis, list[Finding]]]:
    """scan_files({path: text}, rules=ALL_RULES, dedent=True) -> (analysis, findings) of that repository."""
    def scan(files: Mapping[str, str], rules: Iterable[Rule] = ALL_RULES,
             dedent: bool = True) -> tuple[Analysis, list[Finding]]:
        return run_pipeline(make_repo(files, dedent=dedent), rules)
    return scan


@pytest.fixture(scope="session")
def shop() -> Path:
    """Absolute path of fixtures/shop (the tests never depend on the working directory)."""
    assert SHOP.is_dir(), SHOP
    return SHOP
