"""Extract every discovered file: from the cache when its content is known, else in worker processes.

Results never depend on the number of jobs: each file's facts depend on that file alone, and they are
returned in discovery order. Every file is read in a worker process, where a crash, a memory blow-up or
a hang costs that file only (see isolate.py); small batches use one worker, large ones one per CPU.
"""
from __future__ import annotations

import os
from typing import Callable, Iterator, Sequence

from ..model import FileFacts
from . import MAX_BYTES, extract_bytes, read_source
from .isolate import Limits, environmental, run_isolated

# below this much work (bytes of source to extract) one worker is faster than one per CPU
POOL_MIN_BYTES = 1_500_000
POOL_MIN_FILES = 32
# the files go to one worker per CPU anyway when this process has this many cached facts to decode
OVERLAP_MIN_CACHED = 500

Progress = Callable[[int, int], None]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _work(item: tuple[str, str, bytes, str, bool]) -> FileFacts:
    path, kind, data, digest, prefilter = item
    return extract_bytes(path, kind, data, digest, prefilter)


def extract_all(root: str, files: Sequence, *, jobs: int | None = None, cache=None, prefilter: bool = True,
                max_bytes: int = MAX_BYTES, progress: Progress | None = None,
                limits: Limits | None = None) -> dict[str, FileFacts]:
    """path -> facts for the discovered `files` (objects with .path and .kind), in their order.
    `limits`: memory and time one file may take (isolate.Limits)."""
    done: dict[str, FileFacts] = {}
    cached: list[tuple[str, str, str]] = []       # (path, kind, digest) with an entry in the cache
    todo: list[tuple[str, str, bytes, str, bool]] = []
    total = len(files)
    for f in files:
        st = _stat(root, f.path) if cache is not None else None
        if st is not None:
            # the file's stat signature is unchanged since its digest was taken: no need to read it
            known = cache.known_digest(f.path, st)
            if known and cache.has(f.path, f.kind, known, count=False):
                cache.note_stat(f.path, st, known)
                cached.append((f.path, f.kind, known))
                continue
        data, digest, early = read_source(root, f.path, f.kind, max_bytes)
        if early is not None or data is None:
            done[f.path] = early or FileFacts(f.path, f.kind, skipped="cannot read")
            continue
        if st is not None:
            cache.note_stat(f.path, st, digest)
        if cache is not None and cache.has(f.path, f.kind, digest):
            cached.append((f.path, f.kind, digest))
        else:
            todo.append((f.path, f.kind, data, digest, prefilter))
    # never more processes than the CPUs this process may run on (`--jobs 1000` on 2 CPUs is 2)
    jobs = default_jobs() if jobs is None or jobs < 1 else min(jobs, default_jobs())
    size = sum(len(item[2]) for item in todo)
    kinds = {item[0]: item[1] for item in todo}
    # extraction starts first, in one worker per CPU when that pays (a large batch, or a few files
    # while this process decodes many cached ones: the pre-commit case), else in one worker
    parallel = jobs > 1 and (len(todo) >= POOL_MIN_FILES and size >= POOL_MIN_BYTES or
                             len(cached) >= OVERLAP_MIN_CACHED)
    results = _pooled(todo, jobs if parallel else 1, limits) if todo else None
    if results is not None:
        try:
            next(results)     # started: the workers run while the cached facts are decoded
        except OSError:
            results = None    # no worker could start: extract in this process
    for path, kind, digest in cached:
        hit = cache.get(path, kind, digest)
        if hit is not None:
            done[path] = hit
        else:   # an entry that does not decode: read the file again
            data, digest, early = read_source(root, path, kind, max_bytes)
            if early is not None or data is None:
                done[path] = early or FileFacts(path, kind, skipped="cannot read")
            else:
                todo.append((path, kind, data, digest, prefilter))
                kinds[path] = kind
    count = len(done)
    if progress is not None and todo:
        progress(count, total)
    if results is not None:
        count = _drain(results, kinds, done, cache, progress, count, total)
    rest = [item for item in todo if item[0] not in done]    # entries that did not decode, or no worker
    if rest:
        count = _drain(_extract_many(rest, jobs, limits), kinds, done, cache, progress, count, total)
    _complete_cheap_reads(root, files, done, cache, max_bytes, jobs, limits)
    if cache is not None:
        cache.save()
    return {f.path: done[f.path] for f in files}


def _stat(root: str, path: str) -> os.stat_result | None:
    try:
        return os.stat(os.path.join(root, *path.split("/")))
    except (OSError, ValueError):
        return None


def _drain(results, kinds, done, cache, progress, count: int, total: int) -> int:
    try:
        for facts in results:
            if facts is not None:
                count = _take(facts, kinds, done, cache, progress, count, total)
    except OSError:
        pass    # no worker could be started again: the caller reads what is left in this process
    return count


def _extract_many(items: list, jobs: int, limits: Limits | None) -> Iterator[FileFacts | None]:
    """Each item in a worker (one per CPU for a large batch); in this process only when no worker can
    be started at all (no fork, or the process limit reached)."""
    size = sum(len(item[2]) for item in items)
    workers = jobs if len(items) >= POOL_MIN_FILES and size >= POOL_MIN_BYTES else 1
    left = {item[0]: item for item in items}
    try:
        for facts in _pooled(items, workers, limits):
            if facts is not None:
                left.pop(facts.path, None)
                yield facts
    except OSError:
        pass
    for item in left.values():
        yield _work(item)


def _complete_cheap_reads(root: str, files: Sequence, done: dict[str, FileFacts], cache, max_bytes: int,
                          jobs: int = 1, limits: Limits | None = None) -> None:
    """Modules the pre-filter read cheaply that call a project wrapper (a cross-module fact, known only
    now) are read again with LibCST, which folds the arguments the wrapper is waiting for."""
    from .python.wrappers import needs_full_read, wrapper_names
    wrappers = wrapper_names(done.values())
    if not wrappers:
        return
    again = []
    for f in files:
        facts = done[f.path]
        if not needs_full_read(facts, wrappers):
            continue
        data, digest, early = read_source(root, f.path, f.kind, max_bytes)
        if data is None or early is not None:
            continue
        again.append((f.path, f.kind, data, digest, False))
    for full in _extract_many(again, jobs, limits) if again else ():
        if full is not None:
            done[full.path] = full
            if cache is not None and not environmental(full):
                cache.put(full.kind, full)


def _take(facts: FileFacts, kinds: dict[str, str], done: dict, cache, progress: Progress | None, count: int,
          total: int) -> int:
    done[facts.path] = facts
    if cache is not None and not environmental(facts):
        cache.put(kinds[facts.path], facts)
    if progress is not None:
        progress(count + 1, total)
    return count + 1


def _pooled(todo: list, jobs: int, limits: Limits | None = None) -> Iterator[FileFacts | None]:
    """Largest files first (a long module last in line would keep one worker busy alone), in batches
    small enough to balance and large enough that pickling per file stays cheap. The first value
    yielded is None, once the workers have their first files; then the facts, as they come."""
    order = sorted(todo, key=lambda item: -len(item[2]))
    return run_isolated(order, _work, jobs, limits)
