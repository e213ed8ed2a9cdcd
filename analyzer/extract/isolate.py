"""Extraction in worker processes where a crash, a memory blow-up or a hang costs one file, not the scan.

LibCST's parser is native code: on a module that needs more memory than the process may have it can
abort the whole process (SIGABRT), and no Python handler runs. So every file is read in a worker:

- each worker runs under an address-space limit (`Limits.memory`, never above the one svclint itself
  was given) and a time limit per file (`Limits.seconds`): a Python-level overrun is stopped inside the
  worker, a native one by the parent, which kills the worker after a grace period;
- the parent sends a worker a few files at a time and hears back after each one, so when a worker dies
  (a signal, the kernel's OOM killer, `os._exit`) it knows the one file that was being read: that file
  becomes an E001 with the reason, the rest of the worker's batch goes to a fresh worker.

Results are yielded as they come; the caller puts them back in discovery order.
"""
from __future__ import annotations

import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from ..model import FileFacts, ParseError

Item = tuple  # (path, kind, data, digest, prefilter)
Work = Callable[[Item], FileFacts]

DEFAULT_MEMORY = 4 << 30          # address space a worker may add to what it starts with, per file
DEFAULT_SECONDS = 60.0            # time one file may take (a 5 MB module takes about 25 s to read)
GRACE = 5.0                       # after the limit, how long the parent waits before it kills a worker


@dataclass(frozen=True)
class Limits:
    memory: int = DEFAULT_MEMORY      # bytes
    seconds: float = DEFAULT_SECONDS


class _Overtime(BaseException):
    """Raised in a worker by its per-file timer; a BaseException, so no `except Exception` takes it."""


_ENVIRONMENTAL = ("(--parse-timeout)", "(--parse-memory)", "the process reading this file ")


def environmental(facts: FileFacts) -> bool:
    """Facts that say what the machine could not do (time, memory, a crashed worker), not what the file
    holds: never cached, so a later run with other limits reads the file again."""
    return any(m in e.message for e in facts.errors for m in _ENVIRONMENTAL)


def _mib(n: int) -> str:
    return f"{n // (1 << 20)} MiB"


def effective_memory(limits: Limits) -> int:
    """The memory a worker may add: the --parse-memory limit, or less when svclint itself runs under a
    lower address-space limit (a worker inherits it)."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, OSError, ValueError):     # pragma: no cover - not POSIX
        return limits.memory
    return limits.memory if soft == resource.RLIM_INFINITY else min(limits.memory, soft)


def overtime_facts(item: Item, limits: Limits) -> FileFacts:
    path, kind, _data, digest, _ = item
    return FileFacts(path, kind, digest, errors=(ParseError(
        f"reading this file took longer than the limit of {limits.seconds:g} s (--parse-timeout); "
        "it is not analysed", 1),))


def memory_facts(item: Item, limits: Limits) -> FileFacts:
    path, kind, _data, digest, _ = item
    return FileFacts(path, kind, digest, errors=(ParseError(
        f"reading this file needs more memory than the limit of {_mib(effective_memory(limits))} (--parse-memory); "
        "it is not analysed", 1),))


def crash_facts(item: Item, exitcode: int | None, limits: Limits) -> FileFacts:
    path, kind, _data, digest, _ = item
    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"was killed by signal {-exitcode}"
    else:
        how = f"exited with status {exitcode}"
    hint = ""
    if exitcode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
        hint = f" (most often: not enough memory; the limit is {_mib(effective_memory(limits))}, --parse-memory)"
    return FileFacts(path, kind, digest, errors=(ParseError(
        f"the process reading this file {how}{hint}; it is not analysed", 1),))


# ----------------------------------------------------------------------------------------------
# the worker side


def _worker_main(conn, parent: int, work: Work, limits: Limits) -> None:
    """Receive lists of items, send back (index, facts) after each one; end on None or EOF."""
    _end_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the parent's to handle
    _quiet()
    _limit_memory(limits.memory)

    def overtime(_signum, _frame):
        raise _Overtime()
    signal.signal(signal.SIGALRM, overtime)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            break
        if batch is None:
            break
        for index, item in batch:
            try:
                signal.setitimer(signal.ITIMER_REAL, limits.seconds)
                try:
                    facts = work(item)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except _Overtime:
                facts = overtime_facts(item, limits)
            except MemoryError:
                facts = memory_facts(item, limits)
            try:
                conn.send((index, facts))
            except (BrokenPipeError, OSError):
                os._exit(0)
    os._exit(0)


def _end_with_parent(parent: int) -> None:
    """A worker ends with the process that started it, even one killed with SIGKILL: Linux delivers
    SIGKILL to the worker when its parent dies (PR_SET_PDEATHSIG); a parent that died before that was
    set is caught by the parent-pid check."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)     # PR_SET_PDEATHSIG
    except (OSError, AttributeError):   # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:
        os._exit(0)


def _quiet() -> None:
    """A native parser that fails prints its own report (a Rust backtrace) on stderr: in a worker that
    is noise the repository can provoke at will, so the worker's stderr goes nowhere; what went wrong
    reaches the user as the file's E001."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:     # pragma: no cover
        pass


def _limit_memory(extra: int) -> None:
    """Address space: what the worker has now plus `extra`, never above the soft limit it inherited."""
    try:
        import resource
    except ImportError:     # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = _address_space() + extra
    if soft != resource.RLIM_INFINITY:
        want = min(want, soft)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):   # pragma: no cover
        pass


def _address_space() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# ----------------------------------------------------------------------------------------------
# the parent side


class _Worker:
    def __init__(self, context, work: Work, limits: Limits):
        parent_end, child_end = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child_end, os.getpid(), work, limits),
                                       daemon=True)
        self.process.start()
        child_end.close()
        self.conn = parent_end
        self.inflight: deque = deque()      # (index, item) sent and not answered, in order
        self.since = time.monotonic()       # when the file being read now was started
        self.stopped = False

    def send(self, batch: list) -> bool:
        try:
            self.conn.send(batch)
        except (BrokenPipeError, OSError):
            return False       # the worker is gone before it saw these files: none of them is to blame
        self.inflight.extend(batch)
        self.since = time.monotonic()
        return True

    def stop(self, kill: bool = False) -> None:
        self.stopped = True
        if kill and self.process.is_alive():
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():     # pragma: no cover - a worker that did not end when asked
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_isolated(items: Sequence[Item], work: Work, workers: int, limits: Limits | None = None,
                 chunk: int | None = None) -> Iterator[FileFacts | None]:
    """Facts for every item, in completion order, each read in a worker process. The first value
    yielded is None, once the workers have their first files (the caller may do other work meanwhile).
    Raises OSError when no worker can be started at all."""
    import multiprocessing
    from multiprocessing.connection import wait

    limits = limits or Limits()
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        raise OSError("no fork on this platform")
    pending: deque = deque(enumerate(items))
    size = chunk or _chunk_of(pending, workers)
    pool: list[_Worker] = []
    hard = limits.seconds + GRACE
    try:
        for _ in range(max(1, min(workers, len(pending)))):
            pool.append(_start(context, work, limits, pending, size))
        yield None
        while pool:
            busy = [w for w in pool if w.inflight]
            now = time.monotonic()
            timeout = max(0.05, min((w.since + hard - now for w in busy), default=0.05))
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
            for w in busy:
                if w.conn in ready or w.process.sentinel in ready:
                    # answers sent before a death are still in the pipe: take them first
                    while w.inflight and _poll(w.conn):
                        got = _recv(w.conn)
                        if got is None:
                            break
                        w.inflight.popleft()     # answers come in the order the files were sent
                        w.since = time.monotonic()
                        yield got[1]
                    if w.inflight and not w.process.is_alive():
                        w.process.join()
                        _, item = w.inflight.popleft()
                        _requeue(w, pending)
                        w.stop(kill=True)
                        yield crash_facts(item, w.process.exitcode, limits)
                        continue
                if w.inflight and time.monotonic() - w.since > hard:
                    _, item = w.inflight.popleft()
                    _requeue(w, pending)
                    w.stop(kill=True)
                    yield overtime_facts(item, limits)
            for i, w in enumerate(pool):
                if w.inflight:
                    continue
                if w.stopped or not w.process.is_alive():
                    if not w.stopped:
                        w.stop(kill=True)
                    pool[i] = _start(context, work, limits, pending, _chunk_of(pending, len(pool))) if pending else None
                elif pending:
                    _feed(pool[i], pending, _chunk_of(pending, len(pool)))
                else:
                    w.stop()
                    pool[i] = None
            pool = [w for w in pool if w is not None]
    finally:
        for w in pool:
            if not w.stopped:
                w.stop(kill=bool(w.inflight))


def _start(context, work: Work, limits: Limits, pending: deque, chunk: int) -> "_Worker":
    w = _Worker(context, work, limits)
    _feed(w, pending, chunk)
    if not w.inflight and pending:
        w.stop(kill=True)
        raise OSError("a worker process could not be started")
    return w


def _requeue(w: "_Worker", pending: deque) -> None:
    """A dead worker's unanswered files (after the one it died on) go back to the front of the line."""
    while w.inflight:
        pending.appendleft(w.inflight.pop())


def _feed(w: "_Worker", pending: deque, chunk: int) -> None:
    batch = [pending.popleft() for _ in range(min(chunk, len(pending)))]
    if batch and not w.send(batch):
        pending.extendleft(reversed(batch))


def _chunk_of(pending: deque, workers: int) -> int:
    return max(1, min(64, len(pending) // (max(1, workers) * 8)))


def _poll(conn) -> bool:
    try:
        return conn.poll()
    except (EOFError, OSError):
        return False


def _recv(conn):
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None
