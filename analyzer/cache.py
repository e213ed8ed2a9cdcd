"""Content-hash cache of per-file facts, so a re-scan only extracts the files that changed.

One pack file per extraction configuration, `.svclint_cache/facts-<salt>.json`, maps a key per file to
its facts in a compact JSON form (fields at their default are left out). The key hashes the file's
path, kind and content digest; the salt hashes the svclint version, the source of the extraction code
and the extraction-relevant configuration, so an entry written by another version or configuration
is never read. The pack holds exactly the entries of the last run (stale ones are dropped) and is
written whole, to a temporary file renamed over the old one (`os.replace`), so a reader sees either
the old pack or the new one and two runs at once never corrupt it (the last to finish wins). A pack
or entry that is unreadable, of another salt, or that does not decode is ignored and rebuilt. JSON,
never pickle: the cache lives in the scanned repository, which svclint never trusts to run code.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
import types
import typing
from pathlib import Path
from typing import Any, Callable, Mapping

from . import __version__
from .model import FileFacts

CACHE_DIR = ".svclint_cache"
FORMAT = 1
_PACK_PREFIX = "facts-"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """svclint's version and a hash of the code that produces facts: a development change to an
    extractor invalidates the cache even when the version number stays the same."""
    here = Path(__file__).resolve().parent
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    files = [here / "model.py", here / "cache.py", *sorted((here / "extract").rglob("*.py"))]
    for path in files:
        try:
            h.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()


def entry_key(path: str, kind: str, digest: str) -> str:
    return hashlib.blake2b(f"{path}\0{kind}\0{digest}".encode(), digest_size=16).hexdigest()


class FactsCache:
    """Facts of the files of one scan, looked up by (path, kind, digest)."""

    def __init__(self, directory: str, config: Mapping[str, Any] | None = None) -> None:
        self.directory = directory
        salt_src = json.dumps({"format": FORMAT, "code": code_fingerprint(), "config": dict(config or {})},
                              sort_keys=True, default=str)
        self.salt = hashlib.blake2b(salt_src.encode(), digest_size=8).hexdigest()
        self.pack = os.path.join(directory, f"{_PACK_PREFIX}{self.salt}.json")
        self._old: dict[str, Any] = {}
        self._new: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0
        self._load()

    def _load(self) -> None:
        try:
            with open(self.pack, "rb") as fh:
                data = json.loads(fh.read())
        except (OSError, ValueError, RecursionError):
            return
        if isinstance(data, dict) and data.get("salt") == self.salt and isinstance(data.get("entries"), dict):
            self._old = data["entries"]

    def get(self, path: str, kind: str, digest: str) -> FileFacts | None:
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
        """Write the pack when it changed; a cache that cannot be written is silently left alone."""
        if self._new.keys() == self._old.keys() and not self.misses:
            return
        try:
            _ensure_dir(self.directory)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"salt": self.salt, "entries": self._new}, fh, separators=(",", ":"))
                os.replace(tmp, self.pack)
            except BaseException:
                _unlink(tmp)
                raise
        except OSError:
            return
        # packs of other configurations or versions are left for `cache clear`; only this run's
        # temporary files are ever removed here


def _ensure_dir(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    ignore = os.path.join(directory, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w", encoding="utf-8") as fh:
            fh.write("# created by svclint: the cache is never committed\n*\n")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def clear(directory: str) -> int:
    """Remove a cache directory svclint made (recognised by its packs); returns the entries removed."""
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
                removed += len(json.loads(fh.read()).get("entries", {}))
        except (OSError, ValueError, AttributeError):
            pass
    shutil.rmtree(directory, ignore_errors=True)
    return removed


# ----------------------------------------------------------------------------------------------
# compact JSON: the fields of a dataclass that differ from their default, tuples as lists; decoding
# is compiled once per class from its type hints (model.from_data reads the hints at every node,
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
    return _decoder(cls)(data)


@functools.lru_cache(maxsize=None)
def _decoder(tp: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _decoder(args[0]) if len(args) == 1 else _identity
        return lambda d: None if d is None else inner(d)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            if item is _identity:
                return lambda d: tuple(d)
            return lambda d: tuple(item(x) for x in d)
        items = [_decoder(a) for a in args]

        def fixed(d: Any) -> tuple:
            if len(d) != len(items):
                raise ValueError("tuple of the wrong length")
            return tuple(f(x) for f, x in zip(items, d))
        return fixed
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = {f.name: _decoder(hints[f.name]) for f in dataclasses.fields(tp)}

        def build(d: Any) -> Any:
            return tp(**{k: fields[k](v) for k, v in d.items()})
        return build
    if isinstance(tp, type) and issubclass(tp, __import__("enum").Enum):
        return tp
    if tp in (str, int, float, bool):
        scalar = (int, float) if tp is float else tp

        def check(d: Any) -> Any:
            if not isinstance(d, scalar):
                raise TypeError(f"expected {tp.__name__}")
            return d
        return check
    return _identity


def _identity(d: Any) -> Any:
    return d
