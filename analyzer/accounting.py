"""Where every discovered file went: analysed, read with errors (reported as findings), or skipped.

The invariant the scan summary states and the hostile tests check:
`analysed + with_errors + len(skipped) == discovered`.
"""
from __future__ import annotations

from dataclasses import dataclass

from .discover import Discovery
from .model import FileFacts


@dataclass(frozen=True)
class Accounting:
    discovered: int                          # files of interest found, plus entries discovery skipped
    analysed: int                            # read and extracted without a problem
    with_errors: int                         # read, with parse problems reported as E001/CON001 findings
    skipped: tuple[tuple[str, str], ...]     # (path, reason) found but not analysed, sorted

    def counts(self) -> dict[str, int]:
        return {"discovered": self.discovered, "analysed": self.analysed, "with_errors": self.with_errors}


def account(discovery: Discovery, files: dict[str, FileFacts]) -> Accounting:
    skipped = [(f.path, f.skipped) for f in files.values() if f.skipped] + list(discovery.skipped)
    read = [f for f in files.values() if not f.skipped]
    with_errors = sum(1 for f in read if f.errors)
    ignore_files = len({path for path, _, _ in discovery.problems})     # .gitignore lines it could not use
    return Accounting(len(discovery.files) + len(discovery.skipped) + ignore_files, len(read) - with_errors,
                      with_errors,
                      tuple(sorted(skipped)))
