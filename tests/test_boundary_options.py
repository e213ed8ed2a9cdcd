"""SVC004 and SVC005 read their limits from [tool.svclint.rules.<ID>] (typed options of the engine)."""
from __future__ import annotations

from svclint.config import load_config
from svclint.engine import analyze, run_rules
from svclint.rules import ALL_RULES
from svclint.rules.boundaries import svc004, svc005

_RULES = {r.id: r for r in ALL_RULES}


def _chain(make_repo, config: str = ""):
    files = {"docker-compose.yml": "services:\n" + "".join(f"  {n}:\n    build: ./{n}\n" for n in "abcde"),
             "e/app.py": "x = 1\n"}
    for a, b in zip("abcd", "bcde"):
        files[f"{a}/app.py"] = f"import requests\n\ndef f():\n    return requests.get('http://{b}:8000/x', timeout=2)\n"
    if config:
        files["svclint.toml"] = config
    return make_repo(files)


def _found(root, rule):
    config = load_config(str(root), rules=ALL_RULES)
    return [(f.file, f.line) for f in run_rules(analyze(str(root)), [rule], config=config)]


def test_max_hops_default_and_configured(make_repo) -> None:
    assert _found(_chain(make_repo), svc004.RULE) == [("a/app.py", 4)]          # 4 hops > 3
    assert _found(_chain(make_repo, "[rules.SVC004]\nmax-hops = 4\n"), svc004.RULE) == []


def test_fan_out_limit_configured(make_repo) -> None:
    calls = {"a": "b", "b": "cd"}
    files = {"docker-compose.yml": "services:\n" + "".join(f"  {n}:\n    build: ./{n}\n" for n in "abcd"),
             "c/app.py": "x = 1\n", "d/app.py": "x = 1\n"}
    for src, targets in calls.items():
        files[f"{src}/app.py"] = "import requests\n\ndef f():\n" + "".join(
            f"    requests.get('http://{t}:8000/x', timeout=2)\n" for t in targets)
    assert _found(make_repo(files), svc005.RULE) == []                           # 2 callees <= 5
    files["pyproject.toml"] = "[tool.svclint.rules.SVC005]\nmax-fan-out = 1\n"
    assert _found(make_repo(files), svc005.RULE) == [("b/app.py", 4)]           # b is called and calls 2
