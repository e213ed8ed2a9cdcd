"""`svclint init`: the files a repository needs to start using svclint. Never overwrites anything."""
from __future__ import annotations

import os
import stat

from .safeio import create_text, existing, read_text, write_text

CONFIG = """[tool.svclint]
# rule ids or prefixes to run (empty: all) and to leave out; see `svclint rules`
select = []
ignore = []
# lowest severity that fails the run: error, warning or info
fail-on = "warning"
# gitignore-style patterns left out of the scan (tests, virtualenvs and vendored code already are)
exclude = []
"""

PRE_COMMIT = """# pre-commit hooks (https://pre-commit.com); svclint must be installed in the environment
repos:
  - repo: local
    hooks:
      - id: svclint
        name: svclint architecture review
        entry: svclint scan .
        language: system
        pass_filenames: true
        require_serial: true
        files: (\\.py|\\.ya?ml|\\.toml|\\.proto|(^|/)(Dockerfile[^/]*|[^/]*\\.dockerfile|\\.env[^/]*))$
"""

WORKFLOW = """# svclint: architecture review on every push and pull request; results go to code scanning
name: svclint
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
  security-events: write
jobs:
  svclint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install svclint
        run: python -m pip install svclint   # or the version your project pins
      - name: Scan (SARIF for code scanning)
        run: svclint scan . --format sarif -o svclint.sarif --exit-zero
      - name: Scan (annotations on the pull request; fails on findings)
        run: svclint scan . --format github
      - name: Upload SARIF
        if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: svclint.sarif
          category: svclint
"""


class InitError(Exception):
    """A file svclint init must touch cannot be read or written."""


def init_repository(root: str) -> list[str]:
    """Write what is missing; report what was kept. Returns one line per file."""
    out = []
    try:
        out.append(_config(root))
        out.append(_write_new(root, ".pre-commit-config.yaml", PRE_COMMIT,
                              "exists; add a svclint hook to it by hand"))
        out.append(_write_new(root, os.path.join(".github", "workflows", "svclint.yml"), WORKFLOW,
                              "exists; left as it is"))
    except OSError as exc:
        raise InitError(f"{exc.filename or root}: {exc.strerror or exc}") from None
    return out


def _write_new(root: str, rel: str, text: str, kept: str) -> str:
    path = os.path.join(root, rel)
    display = rel.replace(os.sep, "/")
    st = existing(path)
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise InitError(f"{display}: {'a symbolic link' if stat.S_ISLNK(st.st_mode) else 'not a regular file'}; "
                            "svclint neither reads nor writes it")
        if "svclint" in read_text(path, root, errors="replace"):
            return f"kept    {display} (already mentions svclint)"
        return f"kept    {display} ({kept})"
    create_text(path, text, root)
    return f"created {display}"


def _config(root: str) -> str:
    pyproject = os.path.join(root, "pyproject.toml")
    if existing(pyproject) is None:
        # svclint.toml holds the same keys at its top level
        return _write_new(root, "svclint.toml", CONFIG.replace("[tool.svclint]\n", "", 1), "exists; left as it is")
    text = read_text(pyproject, root)
    if "[tool.svclint]" in text or "[tool.svclint." in text or existing(os.path.join(root, "svclint.toml")):
        return "kept    pyproject.toml (already has [tool.svclint])"
    write_text(pyproject, text + ("" if text.endswith("\n") or not text else "\n") + "\n" + CONFIG, root)
    return "updated pyproject.toml (added [tool.svclint])"
