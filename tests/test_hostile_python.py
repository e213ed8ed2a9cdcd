"""Hostile Python: each input is analysed, or an E001 finding with its path and line; nothing escapes.

Each case runs through the extractor and, for the verdict a user sees, through the E001 rule.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from svclint.extract import extract_bytes, extract_file
from svclint.model import ParseError

OK = None
CASES = {
    # name: (bytes, expected: None = analysed, or (message fragment, line))
    "py2-print": (b"import urllib2\n\nprint 'hello'\n", ("Missing parentheses", 3)),
    "py2-exec": (b"exec 'x = 1'\n", ("Missing parentheses", 1)),
    "py2-raise": (b"x = 1\nraise ValueError, 'old'\n", ("syntax error", 2)),
    "py2-octal": (b"x = 0777\n", ("syntax error", 1)),
    "py2-backticks": (b"x = `1`\n", ("syntax error", 1)),
    "syntax": (b"def broken(:\n    pass\n", ("syntax error", 1)),
    "unclosed": (b"x = [\n1,\n", ("never closed", 1)),
    "latin1-cookie": (b"# -*- coding: latin-1 -*-\nGREETING = 'caf\xe9'\n", OK),
    "latin1-cookie-line2": (b"#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\ns = '\xe9'\n", OK),
    "cp1252-cookie": (b"# coding=cp1252\ns = '\x93q\x94'\n", OK),
    "latin1-no-cookie": (b"GREETING = 'ok'\nOTHER = 'caf\xe9'\n", ("not valid utf-8", 2)),
    "ascii-cookie-latin1-bytes": (b"# coding: ascii\nx = '\xe9'\n", ("not valid ascii", 2)),
    "unknown-cookie": (b"#!/usr/bin/env python\n# -*- coding: klingon -*-\nx = 1\n", ("unknown encoding", 2)),
    "bom": (b"\xef\xbb\xbfimport os\nHOST = os.environ.get('HOST', 'db')\n", OK),
    "bom-utf8-cookie": (b"\xef\xbb\xbf# coding: utf-8\nx = 1\n", OK),
    "bom-latin1-cookie": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", ("encoding problem", 1)),
    "invalid-utf8": (b"x = 1\ny = '\xff\xfe'\n", ("not valid utf-8", 2)),
    "truncated-utf8": (b"x = 1\ny = 2\nz = '\xe2\x82'\n", ("not valid utf-8", 3)),
    "utf16": ("x = 1\n".encode("utf-16"), ("NUL bytes", 1)),
    "nul": (b"x = 1\ny = 2\x00\n", ("NUL bytes", 2)),
    "nul-in-string": (b"x = '\x00'\n", ("NUL bytes", 1)),
    "empty": (b"", OK),
    "only-newlines": (b"\n\n\n", OK),
    "only-comment": (b"# nothing", OK),
    "crlf": (b"import os\r\nx = os.getenv('A', 'b')\r\n", OK),
    "old-mac-cr": (b"x = 1\ry = (\r", ("never closed", 2)),
    "form-feed": (b"\x0cx = 1\n", OK),
    "tabs-and-spaces": (b"if True:\n\tx = 1\n        y = 2\n", ("inconsistent use of tabs", 3)),
    "no-trailing-newline": (b"x = 1", OK),
    "deep-parens": (b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n", ("nested too deeply", 1)),
    "deep-brackets": (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", ("nested too deeply", 1)),
    "deep-braces": (b"x = " + b"{" * 3000 + b"}" * 3000 + b"\n", ("nested too deeply", 1)),
    "long-plus-chain": (b"x = " + b"+".join([b"1"] * 20000) + b"\n", ("nested too deeply", 1)),
    "long-string-concat": (b"x = " + b" + ".join([b"'a'"] * 30000) + b"\n", ("nested too deeply", 1)),
    "deep-not": (b"x = " + b"not " * 5000 + b"1\n", ("nested too deeply", 1)),
    "deep-unary-minus": (b"x = " + b"-" * 50000 + b"1\n", ("nested too deeply", 1)),
    "deep-attribute": (b"x = a" + b".b" * 50000 + b"\n", ("nested too deeply", 1)),
    "deep-call": (b"x = f" + b"()" * 50000 + b"\n", ("nested too deeply", 1)),
    "deep-subscript": (b"x = a" + b"[0]" * 30000 + b"\n", ("nested too deeply", 1)),
    "deep-lambda": (b"f = " + b"lambda: " * 3000 + b"1\n", ("nested too deeply", 1)),
    "deep-ternary": (b"x = " + b"1 if a else " * 5000 + b"2\n", ("nested too deeply", 1)),
    "nested-fstrings-3.12": (b"x = f'" + b"{f'" * 30 + b"'}" * 30 + b"'\n", OK),  # PEP 701: LibCST reads it
    "deep-if": (b"".join(b" " * i + b"if x:\n" for i in range(120)) + b" " * 120 + b"pass\n",
                ("too many levels of indentation", 101)),
    "many-decorators": (b"".join(b"@d%d\n" % i for i in range(5000)) + b"def f(): pass\n", OK),
    "long-line": (b"x = '" + b"a" * 1_000_000 + b"'\n", OK),
    "walrus-match-3.10": (b"match x:\n    case [a, *_]:\n        pass\n", OK),
    "type-params-3.12": (b"def f[T](x: T) -> T:\n    return x\n", OK),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_python_input_is_analysed_or_reported_at_its_line(name: str) -> None:
    data, expected = CASES[name]
    facts = extract_bytes(f"svc/{name}.py", "python", data)
    if expected is OK:
        assert facts.errors == () and facts.python is not None, facts.errors
        return
    fragment, line = expected
    assert facts.python is None
    (err,) = facts.errors
    assert isinstance(err, ParseError)
    assert fragment in err.message and err.line == line, err


def test_stub_files_are_analysed() -> None:
    stub = b"from typing import overload\n\n@overload\ndef f(x: int) -> int: ...\n@overload\ndef f(x: str) -> str: ...\n"
    facts = extract_bytes("svc/api.pyi", "python", stub)
    assert facts.errors == () and facts.python is not None and facts.python.module == "svc.api"


def test_declared_latin1_is_decoded_for_the_facts() -> None:
    src = "# -*- coding: latin-1 -*-\nimport requests\nrequests.get('http://caf\xe9:8080/x', timeout=1)\n"
    facts = extract_bytes("svc/app.py", "python", src.encode("latin-1"))
    assert facts.errors == ()
    (call,) = [c for c in facts.python.calls if c.library == "requests"]
    assert "caf\xe9" in str(call.target)


def test_e001_carries_path_and_line(scan_files) -> None:
    analysis, findings = scan_files({"svc/app.py": "x = 1\nprint 'py2'\n",
                                     "svc/ok.py": "import os\n"}, dedent=False)
    (f,) = [f for f in findings if f.rule == "E001"]
    assert (f.file, f.line) == ("svc/app.py", 2) and "could not be read" in f.message


def test_five_megabyte_module_over_the_limit_is_skipped_with_a_reason(tmp_path) -> None:
    body = "".join(f"VALUE_{i:07d} = {i}\n" for i in range(240_000))     # about 5.2 MB, no header
    (tmp_path / "big.py").write_text(body)
    facts = extract_file(str(tmp_path), "big.py", "python")
    assert facts.python is None and "larger than the size limit of 5242880 bytes" in facts.skipped
    assert "--max-file-size" in facts.skipped


def test_recursion_error_never_escapes_the_visitor(monkeypatch) -> None:
    """Whatever the parser accepts, a RecursionError inside the visitor becomes a finding."""
    from svclint.extract.python import visitor

    def boom(self, node):  # noqa: ANN001
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(visitor.ModuleVisitor, "visit_Call", boom, raising=False)
    facts = extract_bytes("svc/app.py", "python", b"import requests\nrequests.get('http://x')\n")
    assert facts.python is None and "nested too deeply" in facts.errors[0].message


def test_the_scanned_codes_own_warnings_are_not_printed(tmp_path) -> None:
    """Invalid escape sequences and `"a"()` make Python's compiler warn; that is the scanned code's
    business, not noise on svclint's stderr (even with Python's default warning filters shown)."""
    (tmp_path / "app.py").write_text('import re\nX = re.compile("\\d+")\nY = "a"()\nZ = 1 is 1\n')
    (tmp_path / "client.py").write_text('import requests\nP = "\\w"\nr = requests.get("http://x/", timeout=1)\n')
    out = subprocess.run([sys.executable, "-W", "default", "-m", "svclint", "scan", str(tmp_path), "--no-cache"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "<svclint>" not in out.stderr and "escape sequence" not in out.stderr and "callable" not in out.stderr
