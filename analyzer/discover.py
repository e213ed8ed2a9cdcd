"""Walk a repository and say what each file is, honouring .gitignore and the configured excludes.

Classification here is by name only (cheap); files whose kind depends on their content (which YAML is
a compose file, a manifest or a contract) are classified "yaml" and decided by `extract`.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = (
    ".git/", ".hg/", ".svn/", "node_modules/", ".venv/", "venv/", "env/", ".tox/", ".nox/",
    "__pycache__/", ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", ".svclint_cache/",
    "site-packages/", ".eggs/", "*.egg-info/", "vendor/", "third_party/",
    "tests/", "test/", "testing/", "test_*.py", "*_test.py", "conftest.py",
    # hidden directories hold the tooling around the system, not the system: development containers
    # (.devcontainer), CI (.github, .circleci), linters' rule tests (.semgrep), editors
    ".*/",
)

FOREIGN = {".go": "go", ".js": "node", ".mjs": "node", ".ts": "node", ".java": "java", ".kt": "java",
           ".cs": "csharp", ".php": "php", ".rb": "ruby", ".rs": "rust", ".scala": "scala",
           ".ex": "elixir", ".cpp": "cpp", ".c": "c"}
MAX_IGNORE_BYTES = 1024 * 1024
# code in other languages that is read (lexically) for its message flows
SOURCE_EXTENSIONS = (".go", ".js", ".mjs", ".cjs", ".ts", ".java", ".kt", ".cs", ".php", ".rb", ".scala")
MARKERS = {"package.json": "node", "go.mod": "go", "pom.xml": "java", "build.gradle": "java",
           "build.gradle.kts": "java", "composer.json": "php", "Gemfile": "ruby", "Cargo.toml": "rust"}


@dataclass(frozen=True)
class SourceFile:
    path: str          # relative to the root, "/"-separated
    kind: str          # python | yaml | dockerfile | envfile | nginx | shell | source | helm-template


@dataclass(frozen=True)
class Discovery:
    root: str
    files: tuple[SourceFile, ...]
    languages: tuple[tuple[str, str], ...] = ()       # (directory, language) of non-Python code
    skipped: tuple[tuple[str, str], ...] = ()         # (path, reason) found but not readable as anything
    directories: tuple[str, ...] = field(default=())
    problems: tuple[tuple[str, int, str], ...] = ()   # (path, line, message): unusable .gitignore lines


def classify(name: str, rel: str) -> str | None:
    lower = name.lower()
    if lower.endswith((".py", ".pyi")):
        return "python"
    if lower.endswith((".yml", ".yaml")):
        return "yaml"
    if lower.endswith(".json"):
        return "json"        # kept only when it looks like a manifest or a compose file (below)
    if lower == "dockerfile" or lower.startswith("dockerfile.") or (lower.endswith(".dockerfile") and lower != ".dockerfile") or \
            lower.startswith("dockerfile-"):
        return "dockerfile"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "envfile"
    if lower.endswith((".conf", ".conf.template", ".nginx", ".conf.tmpl")) or lower == "nginx.conf":
        return "nginx"
    if lower.endswith(".sh"):
        return "shell"
    if os.path.splitext(lower)[1] in SOURCE_EXTENSIONS:
        return "source"
    return None


def ignore_line_error(pattern: str) -> str:
    """Why a gitignore-style pattern cannot be used ("" when it can)."""
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except (ValueError, TypeError, re.error) as exc:   # GitIgnorePatternError is a ValueError
        text = str(exc)
        return "a trailing backslash escapes nothing" if pattern.rstrip("\r").endswith("\\") else \
            ("a lone '!' negates nothing" if pattern.strip() == "!" else text.split(" at position")[0])
    return ""


def _load_ignore(directory: Path, real_root: Path, rel_dir: str,
                 problems: list[tuple[str, int, str]]) -> pathspec.PathSpec | None:
    path = str(directory / ".gitignore")
    if os.path.islink(path) and not _inside(path, real_root):
        return None
    try:
        text = read_regular(path, MAX_IGNORE_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    lines = text.splitlines()
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, TypeError, re.error):
        pass
    # git skips a pattern it cannot use and keeps the others: so does svclint, and it says which
    good = []
    for number, line in enumerate(lines, 1):
        error = ignore_line_error(line)
        if error:
            shown = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
            problems.append((shown, number, f"invalid pattern {line!r} skipped ({error})"))
        else:
            good.append(line)
    return pathspec.GitIgnoreSpec.from_lines(good)


def read_regular(full: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file. Opened non-blocking and checked after opening, so a
    file swapped for a FIFO or a device since discovery is refused instead of blocking the scan."""
    fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return fh.read(limit)


def discover(root: str | os.PathLike, excludes: tuple[str, ...] = DEFAULT_EXCLUDES,
             includes: tuple[str, ...] = ()) -> Discovery:
    """Every file of interest below `root`, sorted by path; never follows links out of the root."""
    base = Path(root)
    real_root = base.resolve()
    exclude_spec = pathspec.GitIgnoreSpec.from_lines(excludes)
    # a file is only ever met below directories that were not excluded, so the patterns that can only
    # match directories (`tests/`, `.*/`) need not be tried on it again (most defaults are such)
    file_spec = exclude_spec if any(p.lstrip().startswith("!") for p in excludes) else \
        pathspec.GitIgnoreSpec.from_lines([p for p in excludes if not p.rstrip().endswith("/")])
    include_spec = pathspec.GitIgnoreSpec.from_lines(includes) if includes else None
    files: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    languages: dict[str, str] = {}
    directories: list[str] = []
    helm_roots: list[str] = []
    problems: list[tuple[str, int, str]] = []
    stack: list[tuple[Path, str, list[tuple[str, pathspec.PathSpec]]]] = [(base, "", [])]
    visited: set[tuple[int, int]] = set()
    while stack:
        directory, rel_dir, ignores = stack.pop()
        try:
            st = directory.stat()
        except OSError as exc:
            skipped.append((rel_dir or ".", f"cannot read directory: {exc.strerror}"))
            continue
        if (st.st_dev, st.st_ino) in visited:
            continue
        visited.add((st.st_dev, st.st_ino))
        directories.append(rel_dir)
        spec = _load_ignore(directory, real_root, rel_dir, problems)
        if spec is not None:
            ignores = ignores + [(rel_dir, spec)]
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            skipped.append((rel_dir or ".", f"cannot list directory: {exc.strerror}"))
            continue
        if any(e.name == "Chart.yaml" for e in entries):
            helm_roots.append(rel_dir)
        for entry in entries:
            name = entry.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            bad_name = _bad_name(name)
            if bad_name:
                # undecodable bytes or control characters cannot be printed in a report: say so instead
                skipped.append((_printable(rel), f"name {bad_name}; not read"))
                continue
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                skipped.append((rel, "cannot stat"))
                continue
            link_to_dir = is_link and os.path.isdir(entry.path)
            probe = rel + "/" if is_dir or link_to_dir else rel
            if (exclude_spec if probe.endswith("/") else file_spec).match_file(probe) or _ignored(probe, ignores):
                continue
            if is_link:
                target_ok = _inside(entry.path, real_root)
                if link_to_dir or not target_ok:
                    if classify(name, rel) or link_to_dir:
                        skipped.append((rel, "symbolic link not followed" if target_ok
                                        else "symbolic link to outside the root not followed"))
                    continue
            if is_dir:
                stack.append((Path(entry.path), rel, ignores))
                continue
            if name in MARKERS:
                languages.setdefault(rel_dir, MARKERS[name])
            ext = os.path.splitext(name)[1].lower()
            if ext in FOREIGN:
                languages.setdefault(rel_dir, FOREIGN[ext])
            kind = classify(name, rel)
            if kind is None:
                continue
            if include_spec is not None and not include_spec.match_file(rel):
                continue
            try:
                mode = os.stat(entry.path).st_mode
            except OSError as exc:
                skipped.append((rel, f"cannot stat: {exc.strerror}"))
                continue
            if not stat.S_ISREG(mode):
                skipped.append((rel, "not a regular file"))
                continue
            if kind == "json" and not _json_deployment(entry.path, name):
                continue
            if kind == "yaml" and any(_under(rel, f"{h}/templates" if h else "templates") for h in helm_roots):
                kind = "helm-template"
            files.append(SourceFile(rel, kind))
    files.sort(key=lambda f: f.path)
    return Discovery(str(base), tuple(files), tuple(sorted(languages.items())), tuple(sorted(skipped)),
                     tuple(sorted(directories)), tuple(sorted(problems)))


_JSON_COMPOSE = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.json$|\.compose\.json$", re.I)
_JSON_API_VERSION = re.compile(rb'"apiVersion"\s*:')


def _json_deployment(full: str, name: str) -> bool:
    """Whether a `.json` file is a deployment file svclint reads: a compose file by its name, or a
    Kubernetes object (or `List`) that states its `apiVersion` near the top, as kubectl writes it.
    Other JSON (package.json, lock files, data) is no file of interest, as a `.txt` is not."""
    if _JSON_COMPOSE.search(name):
        return True
    try:
        head = read_regular(full, 65536)
    except OSError:
        return True            # extract reports why it cannot be read
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") and bool(_JSON_API_VERSION.search(head))


def _ignored(probe: str, ignores: list[tuple[str, pathspec.PathSpec]]) -> bool:
    for rel_dir, spec in ignores:
        if rel_dir:
            if not probe.startswith(rel_dir + "/"):
                continue
            sub = probe[len(rel_dir) + 1:]
        else:
            sub = probe
        if spec.match_file(sub):
            return True
    return False


def _bad_name(name: str) -> str:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "contains control characters"
    return ""


def _printable(rel: str) -> str:
    text = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or ord(c) == 127 else c for c in text)


def _under(path: str, directory: str) -> bool:
    return path.startswith(directory + "/")


def _inside(path: str, root: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, ValueError):
        return False
