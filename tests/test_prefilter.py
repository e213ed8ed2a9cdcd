"""The pre-filter gives the same facts as LibCST for every module, and reads cheaply only the modules
that need nothing more than imports and plain constants.

The corpus: the example monorepo, every rule example, svclint's own code, two installed libraries and,
when SVCLINT_EVAL_ROOT names a folder of checked-out labelled repositories, those too.
"""
from __future__ import annotations

import ast
import dataclasses
import os
import textwrap
from pathlib import Path

import pytest

from analyzer.extract.python import extract_python, module_name
from analyzer.extract.python.prefilter import REVIEWED_FIELDS, cheap_facts
from analyzer.model import PythonFacts
from analyzer.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent


def _corpus() -> list[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    for base in (ROOT / "fixtures", ROOT / "analyzer", ROOT / "rules"):
        for p in sorted(base.rglob("*.py")):
            files.append((p.relative_to(base).as_posix(), p.read_bytes()))
    for rule in ALL_RULES:
        for example in (*rule.valid, *rule.invalid):
            for path, text in example.files.items():
                if path.endswith(".py"):
                    files.append((path, text.encode()))
    import click
    import yaml
    for mod in (click, yaml):
        base = Path(mod.__file__).parent
        files.extend((p.relative_to(base.parent).as_posix(), p.read_bytes()) for p in sorted(base.rglob("*.py")))
    extra = os.environ.get("SVCLINT_EVAL_ROOT")
    if extra:
        for p in sorted(Path(extra).rglob("*.py")):
            files.append((p.relative_to(extra).as_posix(), p.read_bytes()))
    return files


def _cheap(path: str, data: bytes) -> PythonFacts | None:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None
    return cheap_facts(module_name(path), data, tree)


def test_prefiltered_extraction_equals_full_extraction_on_every_module():
    corpus = _corpus()
    skipped = 0
    for path, data in corpus:
        full = extract_python(path, data, prefilter=False)
        filtered = extract_python(path, data, prefilter=True)
        assert filtered == full, path
        if _cheap(path, data) is not None:
            skipped += 1
            # a module LibCST never sees has nothing but what ast can prove: no network, no routes
            facts = full[0]
            assert not (facts.calls or facts.routes or facts.env_reads or facts.frameworks or
                        facts.grpc_servicers or facts.celery_tasks or facts.nameko_name), path
    # the filter must actually skip something, or this test proves nothing
    assert skipped >= len(corpus) // 4, (skipped, len(corpus))


def _src(text: str) -> bytes:
    return textwrap.dedent(text).lstrip("\n").encode()


@pytest.mark.parametrize("source", [
    "import requests\n",
    "from myproj.clients import http\nimport os\nURL = os.environ.get('X', 'http://a')\n",
    "import os\nHOST = os.getenv('HOST')\n",
    "from .settings import Settings\nsettings = Settings()\n",
    "class Settings(BaseSettings):\n    url: str = 'http://a'\n",
    "def f(task):\n    task.delay(1)\n",
    "@app.task\ndef f():\n    pass\n",
    "@router.get('/x')\ndef f():\n    pass\n",
    "stub = pb2_grpc.CartStub(channel)\n",
    "URL = f'http://{HOST}/x'\n",
    "URL = 'http://%s' % HOST\n",
    "app.run()\n",
    "urlpatterns = [path('x/', view)]\n",
    "class Svc:\n    name = 'orders'\n",
    "def f(s: 'requests.Session'):\n    return s.get('http://x')\n",
])
def test_modules_that_can_matter_go_to_libcst(source):
    data = _src(source)
    assert _cheap("svc/mod.py", data) is None


def test_plain_module_is_read_cheaply_with_the_same_constants_and_imports():
    data = _src("""
        import logging
        from .base import ROOT, Color as C
        from . import helpers

        TIMEOUT = 1_000
        NAME = "orders"
        URL = ROOT + "/api"
        OTHER = C.RED

        class Color:
            RED = "red"
            size: int = 3

        def helper(x):
            import json
            print(x)
            return json.dumps(x)

        if __name__ == "__main__":
            helper(1)
    """)
    cheap = _cheap("svc/mod.py", data)
    assert cheap is not None
    assert cheap == extract_python("svc/mod.py", data)[0]
    assert [c.name for c in cheap.constants] == ["Color.RED", "Color.size", "NAME", "OTHER", "TIMEOUT", "URL"]
    assert cheap.is_main and cheap.logging == "plain"
    assert [i.line for i in cheap.imports] == [1, 2, 3, 15]


def test_every_python_facts_field_was_reviewed_for_the_prefilter():
    # a new field must be reviewed in prefilter.py (does the cheap reader prove it empty?) before
    # it is added to REVIEWED_FIELDS; until then the pre-filter switches itself off
    assert {f.name for f in dataclasses.fields(PythonFacts)} == REVIEWED_FIELDS
