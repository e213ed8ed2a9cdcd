"""A progress bar on stderr for scans longer than a moment: TTY only, redrawn in place, erased at the end."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Call with (done, total) as files are processed; `close()` erases the bar."""

    def __init__(self, stream: TextIO | None = None, delay: float = 0.5, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start, self.delay, self.width = time.monotonic(), delay, width
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0 or time.monotonic() - self.start < self.delay:
            return
        filled = self.width * done // total
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
