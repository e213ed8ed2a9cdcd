"""Content-hash cache of per-file facts, so a re-scan only extracts the files that changed.

The cache lives outside the scanned repository, in the user's cache folder
(`$SVCLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/svclint`, else `~/.cache/svclint`), one folder per
repository named by a hash of its real path (`--cache-dir` names another folder). Every pack and
delta starts with an HMAC-SHA256 of its content under a per-user key (`<cache root>/key`, 0600, made
on first use), so a file svclint did not write itself (a pack planted in the repository, one edited by
hand, one a byte of which changed) is ignored, reported, and rebuilt: a scan's findings never depend
on anything but the files scanned. Folders are made 0700 and files 0600 whatever the umask; a cache
folder that is a symbolic link is refused.

Per extraction configuration, a pack, `facts-<salt>.json`, maps a key per file to its
facts in a compact JSON form (fields at their default are left out). The key hashes the file's path,
kind and content digest; the salt hashes the svclint version, the source of the extraction code and
the extraction-relevant configuration, so an entry written by another version or configuration is
never read. JSON, never pickle: even an authenticated pack is data, never code.

A run that changed a few files writes only what is new, as a delta beside the pack
(`facts-<salt>.delta-*.json`); rewriting the whole pack for one changed file cost half a second at
1M lines. A run that finds many deltas or many stale entries compacts instead: it writes the pack
anew with exactly the entries of that run and removes the deltas it read. Every file is written to a
temporary name and renamed into place (`os.replace`), so a reader sees a file whole or not at all; two
runs at once never corrupt the cache (a delta removed under a reader's feet only costs it a re-read).
A pack, delta or entry that is unreadable, of another salt, or that does not decode is ignored and
rebuilt. A folder given with `--cache-dir` inside a git work tree gets a `.gitignore` (written whole or
not at all) that keeps it out of git: facts hold literal values of the scanned files.

The cache also remembers each file's stat signature (size, mtime, ctime, inode) with its digest, as
git's index does, so a re-scan reads and hashes only files whose signature changed. A signature is
remembered only once the file has been left alone for `SETTLE_NS` before the run began: a file
written in the same clock tick as it was read could otherwise change without its signature changing.
Any change of content changes the ctime, which no tool can set back.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import time
import types
import typing
from pathlib import Path
from typing import Any, Callable, Mapping

from . import __version__
from .model import FileFacts

CACHE_DIR = ".svclint_cache"       # the old in-repository location: never read, only reported
FORMAT = 2
_MAGIC = b"svclint-cache 2 "       # then the hex HMAC of the rest of the file, a newline, the JSON
_PACK_PREFIX = "facts-"
_DELTA_INFIX = ".delta-"
# a file's stat signature is trusted once its last change is this much older than the run's start
SETTLE_NS = 2_000_000_000
# compact (rewrite the pack) once this many deltas were read, or once stale entries reach this share
MAX_DELTAS = 8
MAX_STALE = 0.25


# the modules outside extract/ whose code decides what the facts are (tests/test_cache.py checks that
# every module extract/ imports is here)
EXTRACTION_MODULES = ("model.py", "cache.py", "secrets.py", "discover.py", "yamlio.py")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """svclint's version and a hash of the code that produces facts: a development change to an
    extractor invalidates the cache even when the version number stays the same."""
    here = Path(__file__).resolve().parent
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    files = [*(here / name for name in EXTRACTION_MODULES), *sorted((here / "extract").rglob("*.py"))]
    for path in files:
        try:
            h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()


def user_cache_root() -> str:
    """The folder that holds every repository's cache and the key."""
    env = os.environ.get("SVCLINT_CACHE_DIR")
    if env:
        return os.path.abspath(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(base), "svclint")


def default_directory(root: str) -> str:
    """The cache folder of the repository at `root`."""
    name = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return os.path.join(user_cache_root(), name)


class CacheRejected(Exception):
    """A cache file that svclint did not write (its MAC does not match)."""


def _user_key(create: bool) -> bytes | None:
    """The per-user secret that authenticates the packs; made (0600) on first use when `create`."""
    path = os.path.join(user_cache_root(), "key")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        if not create:
            return None
        _make_dir(user_cache_root())
        key = os.urandom(32)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-key-", dir=user_cache_root())
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, key.hex().encode())
            os.close(fd)
            os.link(tmp, path)          # fails when another run made the key first: then read that one
        except FileExistsError:
            pass
        finally:
            _unlink(tmp)
        return _user_key(False)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not (st.st_mode & 0o170000 == 0o100000) or st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None             # not a regular file of ours, or readable by others: not a secret
        try:
            return bytes.fromhex(fh.read(200).decode("ascii").strip())
        except ValueError:
            return None


def _seal(key: bytes, body: bytes) -> bytes:
    return _MAGIC + hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def _open_sealed(key: bytes, data: bytes) -> bytes:
    """The body of a sealed file; CacheRejected when it is not one svclint wrote under `key`."""
    head, _, body = data.partition(b"\n")
    if not head.startswith(_MAGIC):
        raise CacheRejected("not an svclint cache file")
    mac = head[len(_MAGIC):]
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).hexdigest().encode()):
        raise CacheRejected("its authentication code does not match its content")
    return body


def entry_key(path: str, kind: str, digest: str) -> str:
    return hashlib.blake2b(f"{path}\0{kind}\0{digest}".encode(), digest_size=16).hexdigest()


class FactsCache:
    """Facts of the files of one scan, looked up by (path, kind, digest)."""

    def __init__(self, directory: str, config: Mapping[str, Any] | None = None) -> None:
        self.directory = directory
        self.rejected: list[str] = []             # files that failed authentication (reported by the CLI)
        self._key = _user_key(create=True)
        salt_src = json.dumps({"format": FORMAT, "code": code_fingerprint(), "config": dict(config or {})},
                              sort_keys=True, default=str)
        self.salt = hashlib.blake2b(salt_src.encode(), digest_size=8).hexdigest()
        self.pack = os.path.join(directory, f"{_PACK_PREFIX}{self.salt}.json")
        self._old: dict[str, Any] = {}            # entries as read (pack, then deltas)
        self._new: dict[str, Any] = {}            # entries of this run
        self._old_stats: dict[str, Any] = {}
        self._new_stats: dict[str, list] = {}
        self._deltas: list[str] = []              # the delta files read
        self._started = time.time_ns()
        self.hits = 0
        self.misses = 0
        self._load()

    def _load(self) -> None:
        if self._key is None or _is_link(self.directory) or not self._read(self.pack):
            return      # no pack: deltas alone are never trusted (they hold only what changed)
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        prefix = f"{_PACK_PREFIX}{self.salt}{_DELTA_INFIX}"
        deltas = []
        for name in names:
            if name.startswith(prefix) and name.endswith(".json"):
                path = os.path.join(self.directory, name)
                try:
                    deltas.append((os.stat(path).st_mtime_ns, name, path))
                except OSError:
                    continue
        for _, _, path in sorted(deltas):
            if self._read(path):
                self._deltas.append(path)

    def _read(self, path: str) -> bool:
        """Merge one pack or delta file into what was read; False when it is missing or not ours."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not os.fstat(fh.fileno()).st_mode & 0o170000 == 0o100000:
                    return False
                raw = fh.read()
            data = json.loads(_open_sealed(self._key, raw))
        except CacheRejected as exc:
            self.rejected.append(f"{path}: {exc}")
            return False
        except (OSError, ValueError, RecursionError):
            return False
        if not (isinstance(data, dict) and data.get("salt") == self.salt and isinstance(data.get("entries"), dict)):
            return False
        self._old.update(data["entries"])
        stats = data.get("stats")
        if isinstance(stats, dict):
            self._old_stats.update(stats)
        return True

    def known_digest(self, path: str, st: os.stat_result) -> str | None:
        """The digest the file had when it last had this stat signature, if it was remembered."""
        old = self._old_stats.get(path)
        if isinstance(old, list) and len(old) == 5 and old[:4] == _signature(st) and isinstance(old[4], str):
            return old[4]
        return None

    def note_stat(self, path: str, st: os.stat_result, digest: str) -> None:
        """Remember the file's signature and digest (only for a file left alone long enough)."""
        if max(st.st_mtime_ns, st.st_ctime_ns) < self._started - SETTLE_NS:
            self._new_stats[path] = [*_signature(st), digest]

    def has(self, path: str, kind: str, digest: str, count: bool = True) -> bool:
        """An entry exists (it may still fail to decode: `get` says); `count`: its absence is a miss."""
        found = entry_key(path, kind, digest) in self._old
        self.misses += count and not found
        return found

    def get(self, path: str, kind: str, digest: str) -> FileFacts | None:
        """The cached facts, or None (a miss)."""
        key = entry_key(path, kind, digest)
        raw = self._old.get(key)
        facts = None
        if raw is not None:
            try:
                facts = decode(FileFacts, raw)
            except Exception:  # noqa: BLE001 - a corrupt entry of any shape is rebuilt, never fatal
                facts = None
            if not isinstance(facts, FileFacts) or facts.path != path or facts.digest != digest:
                facts = None
        if facts is None:
            self.misses += 1
            return None
        self.hits += 1
        self._new[key] = raw
        return facts

    def put(self, kind: str, facts: FileFacts) -> None:
        """`kind`: as discovery classified the file (extraction may refine it: yaml -> compose)."""
        if facts.digest:
            self._new[entry_key(facts.path, kind, facts.digest)] = encode(facts)

    def save(self) -> None:
        """Write what changed: a delta, or the whole pack when compacting pays (see the module's
        docstring). A cache that cannot be written is silently left alone."""
        # an entry read this run is the very object read (`is`); one extracted again after it failed
        # to decode is written again
        added = {k: v for k, v in self._new.items() if (o := self._old.get(k)) is not v and o != v}
        stats = {p: v for p, v in self._new_stats.items() if self._old_stats.get(p) != v}
        stale = len(self._old.keys() - self._new.keys())
        if not added and not stats and not stale:
            return
        compact = not os.path.exists(self.pack) or len(self._deltas) >= MAX_DELTAS or \
            stale > MAX_STALE * max(len(self._new), 1) or \
            len(added) + len(stats) > MAX_STALE * max(len(self._new), 1)
        if not compact and not added and not stats:
            return      # only stale entries: they wait for the next compaction
        if self._key is None:
            return
        try:
            _ensure_dir(self.directory)
            if compact:
                _write(self.directory, self.pack, {"salt": self.salt, "entries": self._new, "stats": self._new_stats},
                       self._key)
                for path in self._deltas:
                    _unlink(path)
            else:
                delta = os.path.join(self.directory, f"{_PACK_PREFIX}{self.salt}{_DELTA_INFIX}"
                                     f"{time.time_ns():x}-{os.getpid()}.json")
                _write(self.directory, delta, {"salt": self.salt, "entries": added, "stats": stats}, self._key)
        except OSError:
            return
        # packs of other configurations or versions are left for `cache clear`; only this run's
        # temporary files are ever removed here


def _write(directory: str, path: str, data: dict, key: bytes) -> None:
    """Write sealed JSON to a temporary file (0600) and rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            # dumps, not dump: json.dump streams through the pure-Python encoder (3x slower)
            fh.write(_seal(key, json.dumps(data, separators=(",", ":")).encode()))
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _is_link(path: str) -> bool:
    try:
        return os.path.islink(path)
    except OSError:
        return False


def _make_dir(directory: str) -> None:
    """Make `directory` (and its parents) owner-only whatever the umask; refuse a symlink."""
    if _is_link(directory):
        raise OSError(f"{directory}: a symbolic link; svclint does not write its cache through it")
    parent = os.path.dirname(directory)
    if parent and parent != directory and not os.path.isdir(parent):
        _make_dir(parent)
    try:
        os.mkdir(directory, 0o700)
        os.chmod(directory, 0o700)      # mkdir's mode is masked by the umask
    except FileExistsError:
        if not os.path.isdir(directory) or _is_link(directory):
            raise OSError(f"{directory}: not a folder") from None


def _ensure_dir(directory: str) -> None:
    _make_dir(directory)
    if _inside_git(directory):
        ignore = os.path.join(directory, ".gitignore")
        try:
            with open(ignore, "rb") as fh:
                if b"*" in fh.read():
                    return
        except FileNotFoundError:
            pass
        from .safeio import write_text
        write_text(ignore, "# created by svclint: the cache is never committed\n*\n")


def _inside_git(directory: str) -> bool:
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def clear(directory: str) -> int:
    """Remove a cache directory svclint made (recognised by its packs); returns the entries removed."""
    if _is_link(directory):
        raise ValueError(f"{directory} is a symbolic link; left alone")
    if not os.path.isdir(directory):
        return 0
    names = os.listdir(directory)
    ours = [n for n in names if n.startswith((_PACK_PREFIX, ".tmp-")) and n.endswith(".json")]
    if not ours and set(names) - {".gitignore"}:
        raise ValueError(f"{directory} does not look like an svclint cache; left alone")
    removed = 0
    for name in ours:
        try:
            with open(os.path.join(directory, name), "rb") as fh:
                removed += len(json.loads(fh.read().partition(b"\n")[2]).get("entries", {}))
        except (OSError, ValueError, AttributeError):
            pass
    shutil.rmtree(directory, ignore_errors=True)
    return removed


# ----------------------------------------------------------------------------------------------
# compact JSON: the fields of a dataclass that differ from their default, tuples as lists; decoding
# is generated once per class from its type hints (model.from_data reads the hints at every node,
# which is several times slower on a warm scan of a large tree)


def encode(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        out = {}
        for f, default in _defaults(type(obj)):
            value = getattr(obj, f)
            if value is default or value == default:
                continue
            out[f] = encode(value)
        return out
    if isinstance(obj, (tuple, list)):
        return [encode(x) for x in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj.value if isinstance(obj, str) and hasattr(obj, "value") else obj
    raise TypeError(f"cannot cache a {type(obj).__name__}")


_MISSING = object()


@functools.lru_cache(maxsize=None)
def _defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            out.append((f.name, f.default_factory()))  # type: ignore[misc]
        else:
            out.append((f.name, _MISSING))
    return tuple(out)


def decode(cls: type, data: Any) -> Any:
    """`encode`'s output back to `cls`; raises on any shape or type the class does not allow."""
    return _decoder(cls)(data)


# Each dataclass gets a decoding function generated from its type hints (as `dataclasses` generates
# `__init__`): one call per object, each field checked and converted inline. On a warm re-scan of a
# 1M-line tree this is most of the time spent turning the cache back into facts.

@functools.lru_cache(maxsize=None)
def _decoder(tp: Any) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    ns: dict[str, Any] = {}
    exec(f"def convert(v):\n    return {_expr(tp, 'v', ns, 0)}\n", ns)   # noqa: S102 - our own generated code
    return ns["convert"]


def _expr(tp: Any, v: str, ns: dict[str, Any], depth: int) -> str:
    """Python source of an expression that converts the JSON value named `v` to `tp` (or raises)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return f"(None if {v} is None else {_expr(args[0], v, ns, depth)})" if len(args) == 1 else v
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            if args[0] is str:
                ns["_strings"] = _strings
                return f"_strings({v})"
            x = f"x{depth}"
            return f"tuple([{_expr(args[0], x, ns, depth + 1)} for {x} in {v}])"
        return _name(ns, _fixed(tuple(_decoder(a) for a in args))) + f"({v})"
    if dataclasses.is_dataclass(tp) or isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _name(ns, _decoder(tp) if dataclasses.is_dataclass(tp) else tp) + f"({v})"
    if tp in (str, int, bool):
        return f"({v} if type({v}) is {tp.__name__} else {_name(ns, _checker(tp))}({v}))"
    if tp is float:
        return f"{_name(ns, _checker(float))}({v})"
    return v


def _dataclass_decoder(cls: type) -> Callable[[Any], Any]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    ns: dict[str, Any] = {"_cls": cls, "_M": _MISSING, "_known": frozenset(f.name for f in fields)}
    lines = ["def build(d):", "    if not d.keys() <= _known:", "        raise TypeError('unknown field')",
             "    g = d.get"]
    for i, f in enumerate(fields):
        convert = _expr(hints[f.name], "v", ns, 0)
        lines.append(f"    v = g({f.name!r}, _M)")
        if f.default is not dataclasses.MISSING:
            ns[f"_default{i}"] = f.default
            lines.append(f"    a{i} = _default{i} if v is _M else {convert}")
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            ns[f"_factory{i}"] = f.default_factory  # type: ignore[misc]
            lines.append(f"    a{i} = _factory{i}() if v is _M else {convert}")
        else:
            lines.append("    if v is _M:")
            lines.append(f"        raise TypeError('missing field {f.name}')")
            lines.append(f"    a{i} = {convert}")
    lines.append(f"    return _cls({', '.join(f'a{i}' for i in range(len(fields)))})")
    exec("\n".join(lines), ns)   # noqa: S102 - our own generated code, from the model's type hints
    return ns["build"]


def _name(ns: dict[str, Any], value: Any) -> str:
    name = f"_c{len(ns)}"
    ns[name] = value
    return name


def _strings(v: Any) -> tuple[str, ...]:
    t = tuple(v)
    for x in t:
        if type(x) is not str:
            raise TypeError("expected str")
    return t


def _fixed(items: tuple[Callable[[Any], Any], ...]) -> Callable[[Any], tuple]:
    def fixed(d: Any) -> tuple:
        if len(d) != len(items):
            raise ValueError("tuple of the wrong length")
        return tuple(f(x) for f, x in zip(items, d))
    return fixed


def _checker(tp: type) -> Callable[[Any], Any]:
    """The slow path of a scalar field: accept a subclass (an int for a float), else raise."""
    scalar = (int, float) if tp is float else tp

    def check(d: Any) -> Any:
        if not isinstance(d, scalar):
            raise TypeError(f"expected {tp.__name__}")
        return d
    return check
