"""A progress bar on stderr for long scans: only on a terminal, only once a scan has run a while."""
from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class ProgressBar:
    """Call with (done, total); draws after `delay` seconds, at most every `interval` seconds, and
    erases itself on `close()`. Silent when the stream is not a TTY (pipes, CI logs, tests)."""

    def __init__(self, label: str = "extracting", stream: TextIO | None = None, delay: float = 0.5,
                 interval: float = 0.1, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream) and "SVCLINT_NO_PROGRESS" not in os.environ
        self.label = label
        self.start = time.monotonic()
        self.delay = delay
        self.interval = interval
        self.width = width
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self._last < self.interval and done < total):
            return
        self._last = now
        filled = self.width * done // total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\rsvclint: {self.label} [{bar}] {done}/{total} files")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
