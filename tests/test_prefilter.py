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

from svclint.extract.python import extract_python, module_name
from svclint.extract.python.prefilter import REVIEWED_FIELDS, cheap_facts
from svclint.model import PythonFacts
from svclint.rules import ALL_RULES

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
        if _cheap(path, data) is None:
            assert filtered == full, path
            continue
        skipped += 1
        facts, cheap = full[0], filtered[0]
        # a module LibCST never sees has nothing but what ast can prove: no network, no routes (a Django
        # migration or helper module names its framework, from its imports)
        assert not (facts.calls or facts.routes or facts.env_reads or facts.wrappers or facts.models or
                    facts.grpc_servicers or facts.celery_tasks or facts.nameko_name), path
        assert set(facts.frameworks) <= {"django"}, path
        # the same facts, but for calls of imported names, which are unfolded candidates: every call
        # the visitor records is among them (batch reads the module again when one meets a wrapper)
        assert dataclasses.replace(cheap, project_calls=()) == dataclasses.replace(facts, project_calls=()), path
        assert filtered[1] == full[1] == ()
        candidates = {(c.callee, c.line) for c in cheap.project_calls}
        assert all(not c.args for c in cheap.project_calls)
        assert {(c.callee, c.line) for c in facts.project_calls} <= candidates, path
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
    "def f(order):\n    try:\n        order.ship()\n    except Exception:\n        order.refund()\n",
    "import time\n\nasync def f():\n    time.sleep(1)\n",
    "def f(db):\n    db.session.commit()\n",
    "def f():\n    return User.objects.create(name='x')\n",
    "class Order(db.Model):\n    pass\n",
    "class Order(Base):\n    __tablename__ = 'orders'\n",
    "def write_to_outbox(event):\n    pass\n",
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
            helpers.shout(x, level=2)
            return json.dumps(x)

        if __name__ == "__main__":
            helper(1)
    """)
    cheap = _cheap("svc/mod.py", data)
    assert cheap is not None
    full = extract_python("svc/mod.py", data)[0]
    assert dataclasses.replace(cheap, project_calls=()) == dataclasses.replace(full, project_calls=())
    assert [(c.callee, c.line, c.args) for c in full.project_calls] == [("svc.helpers.shout", 17, (("0", "${param:x}"), ("level", "2")))]
    assert [(c.callee, c.line, c.args) for c in cheap.project_calls] == [("svc.helpers.shout", 17, ())]
    assert [c.name for c in cheap.constants] == ["Color.RED", "Color.size", "NAME", "OTHER", "TIMEOUT", "URL"]
    assert cheap.is_main and cheap.logging == "plain"
    assert [i.line for i in cheap.imports] == [1, 2, 3, 15]
    assert cheap.is_main


@pytest.mark.parametrize("fixture", sorted(p.name for p in (ROOT / "fixtures" / "mechanisms").iterdir()
                                            if p.is_dir()) + ["../shop"])
def test_prefilter_changes_nothing_resolve_sees(fixture):
    """Whole fixtures, extraction with and without the pre-filter: the same architecture (this covers
    wrappers, whose callers the cheap reader cannot fold and batch reads again with LibCST)."""
    from svclint.discover import DEFAULT_EXCLUDES, discover
    from svclint.extract.batch import extract_all
    from svclint.resolve import resolve
    root = str(ROOT / "fixtures" / "mechanisms" / fixture)
    found = discover(root, DEFAULT_EXCLUDES)
    archs = []
    for prefilter in (False, True):
        facts = extract_all(root, found.files, jobs=1, prefilter=prefilter)
        archs.append(resolve(facts.values(), found.languages, found.directories))
    assert archs[0] == archs[1]


def test_a_module_calling_a_wrapper_is_read_again_with_libcst(tmp_path):
    from svclint.discover import DEFAULT_EXCLUDES, discover
    from svclint.extract.batch import extract_all
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "net.py").write_text(
        "import requests\n\ndef get_json(url):\n    return requests.get(url, timeout=2).json()\n")
    (tmp_path / "svc" / "logic.py").write_text(
        "from .net import get_json\n\ndef stock():\n    return get_json('http://inventory/stock')\n")
    (tmp_path / "svc" / "other.py").write_text("from .util import fmt\n\ndef f():\n    return fmt('x')\n")
    found = discover(str(tmp_path), DEFAULT_EXCLUDES)
    facts = extract_all(str(tmp_path), found.files, jobs=1)
    assert [w.name for w in facts["svc/net.py"].python.wrappers] == ["get_json"]
    assert facts["svc/logic.py"].python.project_calls[0].args == (("0", "http://inventory/stock"),)
    assert facts["svc/other.py"].python.project_calls[0].args == ()   # read cheaply: no wrapper `fmt`


def test_every_python_facts_field_was_reviewed_for_the_prefilter():
    # a new field must be reviewed in prefilter.py (does the cheap reader prove it empty?) before
    # it is added to REVIEWED_FIELDS; until then the pre-filter switches itself off
    assert {f.name for f in dataclasses.fields(PythonFacts)} == REVIEWED_FIELDS
