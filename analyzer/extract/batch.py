"""Extract every discovered file: from the cache when its content is known, else in a process pool.

Results never depend on the number of jobs: each file's facts depend on that file alone, and they are
returned in discovery order. Small trees skip the pool (starting workers costs more than it saves).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Sequence

from ..model import FileFacts
from . import MAX_BYTES, extract_bytes, read_source

# below this much work (bytes of source to extract) one process is faster than starting a pool
POOL_MIN_BYTES = 1_500_000
POOL_MIN_FILES = 32
# a few files go to a worker anyway when this process has this many cached facts to decode meanwhile
OVERLAP_MIN_CACHED = 500

Progress = Callable[[int, int], None]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _worker_init(parent: int) -> None:
    """A pool worker ends with the process that started it, even one killed with SIGKILL: Linux
    delivers SIGKILL to the worker when its parent dies (PR_SET_PDEATHSIG); a parent that died before
    that was set is caught by the parent-pid check."""
    import signal
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):   # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:
        os._exit(0)


def _work(item: tuple[str, str, bytes, str, bool]) -> FileFacts:
    path, kind, data, digest, prefilter = item
    return extract_bytes(path, kind, data, digest, prefilter)


def extract_all(root: str, files: Sequence, *, jobs: int | None = None, cache=None, prefilter: bool = True,
                max_bytes: int = MAX_BYTES, progress: Progress | None = None) -> dict[str, FileFacts]:
    """path -> facts for the discovered `files` (objects with .path and .kind), in their order."""
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
    # extraction starts first, in worker processes when that pays: for a large batch, or for a few
    # files while this process decodes many cached ones (the pre-commit case: one file changed)
    pooled = jobs > 1 and bool(todo) and (len(todo) >= POOL_MIN_FILES and size >= POOL_MIN_BYTES or
                                         len(cached) >= OVERLAP_MIN_CACHED)
    results = _pooled(todo, jobs) if pooled else None
    if results is not None:
        try:
            next(results)     # submitted: the workers run while the cached facts are decoded
        except (BrokenProcessPool, OSError):
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
    try:
        for facts in results if results is not None else map(_work, todo):
            count = _take(facts, kinds, done, cache, progress, count, total)
        if results is not None:     # entries that did not decode, after the pool's batch
            for item in todo:
                if item[0] not in done:
                    count = _take(_work(item), kinds, done, cache, progress, count, total)
    except (BrokenProcessPool, OSError):
        # a worker died (or none could start): finish in this process
        for item in todo:
            if item[0] not in done:
                count = _take(_work(item), kinds, done, cache, progress, count, total)
    _complete_cheap_reads(root, files, done, cache, max_bytes)
    if cache is not None:
        cache.save()
    return {f.path: done[f.path] for f in files}


def _stat(root: str, path: str) -> os.stat_result | None:
    try:
        return os.stat(os.path.join(root, *path.split("/")))
    except (OSError, ValueError):
        return None


def _complete_cheap_reads(root: str, files: Sequence, done: dict[str, FileFacts], cache, max_bytes: int) -> None:
    """Modules the pre-filter read cheaply that call a project wrapper (a cross-module fact, known only
    now) are read again with LibCST, which folds the arguments the wrapper is waiting for."""
    from .python.wrappers import needs_full_read, wrapper_names
    wrappers = wrapper_names(done.values())
    if not wrappers:
        return
    for f in files:
        facts = done[f.path]
        if not needs_full_read(facts, wrappers):
            continue
        data, digest, early = read_source(root, f.path, f.kind, max_bytes)
        if data is None or early is not None:
            continue
        done[f.path] = full = extract_bytes(f.path, f.kind, data, digest, prefilter=False)
        if cache is not None:
            cache.put(f.kind, full)


def _take(facts: FileFacts, kinds: dict[str, str], done: dict, cache, progress: Progress | None, count: int,
          total: int) -> int:
    done[facts.path] = facts
    if cache is not None:
        cache.put(kinds[facts.path], facts)
    if progress is not None:
        progress(count + 1, total)
    return count + 1


def _pooled(todo: list, jobs: int):
    """Largest files first (a long module last in line would keep one worker busy alone), in chunks
    small enough to balance and large enough that pickling per task stays cheap. The first value
    yielded is None, once every task is submitted; then the results."""
    import multiprocessing

    order = sorted(todo, key=lambda item: -len(item[2]))
    chunk = max(1, min(64, len(order) // (jobs * 8)))
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        context = multiprocessing.get_context()
    with ProcessPoolExecutor(max_workers=min(jobs, len(order)), mp_context=context,
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        results = pool.map(_work, order, chunksize=chunk)
        yield None
        yield from results
