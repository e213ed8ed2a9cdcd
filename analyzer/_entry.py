"""svclint's entry point (the console script and `python -m svclint`).

It runs before svclint imports anything else. A scanned repository is untrusted input, and Python looks
for modules on `sys.path`. `python -m` puts the current directory there. `PYTHONPATH=.` puts the
directory of the scan there too. So a repository with its own `click/`, `yaml/` or `libcst/` folder would
be imported, and so run, in place of svclint's own dependencies. Before the first such import, this
module removes from `sys.path` every entry that lies inside the current directory or inside a directory
named on the command line. svclint itself needs none of them: its code and dependencies are installed.
The guarantee and its one limit, a folder named `svclint/` under `python -m svclint`, which Python
imports before any svclint code runs, are described in docs/security.md.
"""
from __future__ import annotations

import errno
import os
import signal
import sys


def _inside(entry: str, roots: list[str]) -> bool:
    path = os.path.realpath(entry or os.curdir)
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def untrusted_roots(argv: list[str]) -> list[str]:
    """The current directory and every existing directory named on the command line, resolved."""
    roots = [os.path.realpath(os.curdir)]
    for arg in argv:
        if arg.startswith("-") or "\0" in arg:
            continue
        try:
            if os.path.isdir(arg):
                roots.append(os.path.realpath(arg))
        except (OSError, ValueError):
            continue
    return roots


def _installed() -> list[str]:
    """Where the interpreter keeps its own libraries: the standard library and site-packages of this
    environment (a virtualenv may well live inside the repository being scanned) and the user site."""
    import site
    places = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    try:
        places.add(site.getusersitepackages())
    except Exception:  # noqa: BLE001 - no user site in some embedded interpreters
        pass
    return [os.path.realpath(p) for p in places if p]


def sanitize_path(argv: list[str]) -> list[str]:
    """Drop the `sys.path` entries that lie inside untrusted directories; return what was dropped."""
    roots, keep = untrusted_roots(argv), _installed()
    dropped = [e for e in sys.path if _inside(e, roots) and not _inside(e, keep)]
    sys.path[:] = [e for e in sys.path if e not in dropped]
    return dropped


def _interrupted(signum, frame) -> None:  # noqa: ANN001 - a signal handler's signature
    """Ctrl-C: one line and exit 130, as shells report a command ended by SIGINT. Raised as
    SystemExit, so `finally` blocks still run (the extraction workers are ended with svclint)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.write(2, b"\nsvclint: interrupted\n")
    except OSError:
        pass
    raise SystemExit(130)


def main() -> None:
    sanitize_path(sys.argv[1:])
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
    from .cli import main as cli_main
    try:
        cli_main()
    except OSError as exc:
        # a write to standard output failed outside the report (`svclint rules > /dev/full`)
        if exc.errno not in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT):
            raise
        from .cli import silence_stdout
        silence_stdout()
        if exc.errno != errno.EPIPE:
            sys.stderr.write(f"svclint: error: cannot write to standard output: {exc.strerror}\n")
        raise SystemExit(2) from None
