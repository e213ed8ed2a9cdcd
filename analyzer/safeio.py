"""Reads and writes of files inside a repository svclint does not trust.

Every file svclint writes (`-o`, `--update-baseline`, `contract infer --write`, `init`) and every file
of the repository it reads whole outside discovery (`service.yaml`, `pyproject.toml`,
`.pre-commit-config.yaml`) goes through here:

- a symlink is never followed (`O_NOFOLLOW` on the file, and every folder between the repository
  root and the file is checked not to be a link), so a committed link cannot redirect a write outside
  the repository;
- a file that is not a regular file (a FIFO, a device, a socket) is refused, and opened with
  `O_NONBLOCK` first so that a FIFO never hangs the run;
- a write goes to a temporary file in the same folder and is renamed into place (`os.replace`
  replaces a link rather than following it), so a reader sees the old file or the new one, whole.

Errors are `UnsafePath` (an `OSError`, so callers that already report `OSError` keep doing so) with a
message that names the path and the reason.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class UnsafePath(OSError):
    """A path svclint refuses to read or write."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.strerror = reason
        self.filename = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def check_inside(path: str, root: str | None) -> None:
    """Refuse `path` when it leaves `root` or when a folder between them is a symlink."""
    if root is None:
        return
    root_abs = os.path.abspath(root)
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, root_abs)
    except ValueError:      # another drive (Windows)
        raise UnsafePath(path, "outside the repository") from None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        raise UnsafePath(path, "outside the repository")
    current = root_abs
    for part in rel.split(os.sep)[:-1]:
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return          # the rest is created by the writer
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafePath(path, f"{os.path.relpath(current, root_abs)} is {_kind(st.st_mode)}; not followed")


def read_text(path: str, root: str | None = None, errors: str = "strict") -> str:
    """The text of a regular file, never through a symlink, never blocking on a FIFO."""
    check_inside(path, root)
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as exc:
        if _NOFOLLOW and exc.errno in (errno.ELOOP, errno.EMLINK):   # EMLINK: FreeBSD's O_NOFOLLOW
            raise UnsafePath(path, "a symbolic link; not followed") from None
        raise
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(path, f"{_kind(st.st_mode)}; not read")
        return fh.read().decode("utf-8", errors)


def existing(path: str) -> os.stat_result | None:
    """lstat of `path`, or None when nothing is there."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def write_text(path: str, text: str, root: str | None = None, append: bool = False,
               make_dirs: bool = False) -> None:
    """Write `text` to `path` (or append to its current content), atomically.

    Refused when `path` is a symlink or another non-regular file, or (with `root`) when it lies
    outside `root` or behind a symlinked folder; `make_dirs`: create the missing folders. A new file
    gets the permissions a plain `open` would give it under the current umask; an existing file keeps its mode."""
    check_inside(path, root)
    st = existing(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise UnsafePath(path, f"{_kind(st.st_mode)}; not written")
    body = text
    if append and st is not None:
        body = read_text(path, root) + text
    directory = os.path.dirname(os.path.abspath(path))
    if make_dirs:
        os.makedirs(directory, exist_ok=True)
    check_inside(path, root)        # the folders made just now are ours; a race that swaps one is refused
    fd, tmp = tempfile.mkstemp(prefix=".svclint-", suffix=".tmp", dir=directory)
    try:
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def create_text(path: str, text: str, root: str | None = None) -> None:
    """Write a new file; FileExistsError when anything (a file, a link, a FIFO) is already there."""
    if existing(path) is not None:
        raise FileExistsError(17, "exists", path)
    write_text(path, text, root, make_dirs=True)
