"""Suppressions: line, next-line and file comments in Python; object comments, annotations and labels
in YAML; a reason is required (E003 otherwise); unused ones are reported (E002)."""
from __future__ import annotations

import pytest

from svclint.config import parse_config
from svclint.engine import analyze, run_rules
from svclint.extract.suppress import find_suppressions
from svclint.rules import ALL_RULES

BY_ID = {r.id: r for r in ALL_RULES}
CALL = "import requests\n\ndef f():\n    return requests.get('http://x/y'){comment}\n"


def run(root, *ids: str, config=None):
    rules = [BY_ID[i] for i in ids] if ids else list(ALL_RULES)
    return run_rules(analyze(str(root)), rules, config=config)


def where(findings, *rules: str) -> list[tuple[str, str, int]]:
    return [(f.rule, f.file, f.line) for f in findings if not rules or f.rule in rules]


def test_line_suppression_with_reason_applies_and_is_used(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore[RES001] the batch job may wait")})
    assert where(run(root, "RES001", "E002", "E003")) == []


def test_suppression_without_reason_does_not_apply_and_is_reported(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore[RES001]")})
    findings = run(root, "RES001", "E002", "E003")
    assert where(findings) == [("E003", "svc/app.py", 4), ("RES001", "svc/app.py", 4)]
    assert "gives no reason" in next(f.message for f in findings if f.rule == "E003")


def test_suppression_naming_no_rule_or_an_unknown_rule_is_reported(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore because") +
                      "x = 1  # svclint: ignore[RES01X] typo\n"})
    findings = run(root, "RES001", "E003")
    assert where(findings) == [("E003", "svc/app.py", 4), ("RES001", "svc/app.py", 4), ("E003", "svc/app.py", 5)]
    assert "RES01X" in findings[-1].message


def test_unused_suppression_is_reported(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore[RES001,OBS001] the mesh retries")
                      .replace("'http://x/y'", "'http://x/y', timeout=2")})
    findings = run(root, "RES001", "OBS001", "E002")
    assert where(findings) == [("E002", "svc/app.py", 4)]
    assert "OBS001, RES001" in findings[0].message and "no such finding" in findings[0].message


def test_partly_used_suppression_reports_the_unused_code(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore[RES001, WIR002] x is an external host")})
    findings = run(root, "RES001", "WIR002", "E002")
    assert where(findings) == [("E002", "svc/app.py", 4)]
    assert "of WIR002:" in findings[0].message


def test_suppression_of_a_rule_not_enabled_is_unused(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore[RES001] the batch job may wait")})
    findings = run(root, "OBS001", "E002")
    assert where(findings) == [("E002", "svc/app.py", 4)] and "not enabled" in findings[0].message
    # a rule ignored for that path by a per-path override is not enabled there either
    config = parse_config({"overrides": [{"paths": ["svc/"], "ignore": ["RES001"]}]}, "f", "", ALL_RULES)
    assert where(run(root, "RES001", "E002", config=config)) == [("E002", "svc/app.py", 4)]


def test_unused_suppression_can_itself_be_ignored(make_repo) -> None:
    root = make_repo({"svc/app.py": CALL.format(comment="  # svclint: ignore[OBS001] old")})
    config = parse_config({"ignore": ["E002"]}, "f", "", ALL_RULES)
    from svclint.engine import select_rules
    assert run_rules(analyze(str(root)), select_rules(ALL_RULES, config.select, config.ignore), config=config) \
        == [f for f in run(root, "RES001")]


def test_comment_alone_on_the_line_above_covers_the_next_line(make_repo) -> None:
    source = ("import requests\n\ndef f():\n    # svclint: ignore[RES001] the batch job may wait\n\n"
              "    return requests.get('http://x/y')\n")
    assert where(run(make_repo({"svc/app.py": source}), "RES001", "E002")) == []


def test_text_in_a_string_is_not_a_suppression(make_repo) -> None:
    source = CALL.format(comment="") + "HELP = '# svclint: ignore[RES001] reason'\n"
    assert find_suppressions(source, "python") == ()
    assert where(run(make_repo({"svc/app.py": source}), "RES001")) == [("RES001", "svc/app.py", 4)]


def test_file_level_suppression(make_repo) -> None:
    source = "# svclint: ignore-file[RES] load-test helper, waits by design\n" + CALL.format(comment="") + \
             "def g():\n    return requests.post('http://x/z')\n"
    assert where(run(make_repo({"svc/app.py": source}), "RES001", "E002", "E003")) == []
    unused = "# svclint: ignore-file[RES001] load-test helper\nx = 1\n"
    findings = run(make_repo({"svc/app.py": unused}), "RES001", "E002")
    assert where(findings) == [("E002", "svc/app.py", 1)] and "file-level" in findings[0].message


COMPOSE = """\
services:
  api:{comment}
    build: ./api
  worker:
    build: ./api
"""
API = {"api/app.py": "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/items')\ndef items():\n"
                     "    return []\n"}


@pytest.mark.parametrize("comment", ["  # svclint: ignore[OBS002] the platform probes it"])
def test_yaml_comment_on_the_key_covers_the_object(make_repo, comment: str) -> None:
    plain = where(run(make_repo({**API, "docker-compose.yml": COMPOSE.format(comment="")}), "OBS002"))
    assert plain == [("OBS002", "docker-compose.yml", 2), ("OBS002", "docker-compose.yml", 4)]
    findings = run(make_repo({**API, "docker-compose.yml": COMPOSE.format(comment=comment)}), "OBS002", "E002")
    assert where(findings) == [("OBS002", "docker-compose.yml", 4)]   # only `api` is covered


def test_yaml_comment_on_the_line_above_covers_the_object(make_repo) -> None:
    text = COMPOSE.format(comment="").replace("  worker:", "  # svclint: ignore[OBS002] a batch worker\n  worker:")
    findings = run(make_repo({**API, "docker-compose.yml": text}), "OBS002", "E002")
    assert where(findings) == [("OBS002", "docker-compose.yml", 2)]


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
{annotations}spec:
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
        - name: api
          image: api:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: other
spec:
  template:
    spec:
      containers:
        - name: other
          image: other:1
"""


def test_kubernetes_annotation_covers_its_document_only(make_repo) -> None:
    plain = run(make_repo({"k8s/api.yaml": DEPLOYMENT.format(annotations="")}), "OBS002")
    assert {f.line for f in plain} == {1, 16}
    text = DEPLOYMENT.format(annotations='  annotations:\n    svclint.io/ignore: "OBS002 probed by the mesh"\n')
    findings = run(make_repo({"k8s/api.yaml": text}), "OBS002", "E002", "E003")
    assert where(findings) == [("OBS002", "k8s/api.yaml", 18)]


def test_annotation_without_reason_does_not_apply(make_repo) -> None:
    text = DEPLOYMENT.format(annotations='  annotations:\n    svclint.io/ignore: "OBS002"\n')
    findings = run(make_repo({"k8s/api.yaml": text}), "OBS002", "E003")
    assert where(findings) == [("OBS002", "k8s/api.yaml", 1), ("E003", "k8s/api.yaml", 6),
                               ("OBS002", "k8s/api.yaml", 18)]


def test_comment_above_a_kubernetes_document_covers_it(make_repo) -> None:
    text = DEPLOYMENT.format(annotations="").replace(
        "---\n", "---\n# svclint: ignore[OBS002] a one-off job\n")
    findings = run(make_repo({"k8s/api.yaml": text}), "OBS002", "E002")
    assert where(findings) == [("OBS002", "k8s/api.yaml", 1)]


@pytest.mark.parametrize("labels", ['    labels: ["svclint.io/ignore=OBS002 the platform probes it"]\n',
                                    '    labels:\n      svclint.io/ignore: "OBS002 the platform probes it"\n'])
def test_compose_label_covers_its_service(make_repo, labels: str) -> None:
    text = COMPOSE.format(comment="").replace("    build: ./api\n  worker", f"    build: ./api\n{labels}  worker")
    findings = run(make_repo({**API, "docker-compose.yml": text}), "OBS002", "E002", "E003")
    assert [f.line for f in findings if f.rule == "OBS002"] == [text.splitlines().index("  worker:") + 1]
    assert where(findings, "E002", "E003") == []


def test_suppressions_in_bad_yaml_still_cover_their_line() -> None:
    found = find_suppressions("a: [1\nb: 2  # svclint: ignore[OBS002] why\n", "yaml")
    assert [(s.line, s.start, s.end) for s in found] == [(2, 2, 2)]


def test_dockerfile_comment_suppression() -> None:
    (s,) = find_suppressions("FROM python:3.12\n# svclint: ignore[SEC005] the base image drops privileges\nUSER root\n")
    assert (s.line, s.start, s.codes, s.reason) == (2, 3, ("SEC005",), "the base image drops privileges")


def test_comment_at_the_end_of_a_multi_line_call_covers_the_call(make_repo) -> None:
    source = ("import requests\n\ndef f(p):\n    return requests.get(\n        'http://x/y',\n"
              "        params=p,\n    )  # svclint: ignore[RES001] the batch job may wait\n\n"
              "def g():\n    # svclint: ignore[RES001] same\n    return requests.get(\n        'http://x/z')\n")
    assert where(run(make_repo({"svc/app.py": source}), "RES001", "E002")) == []
    other = source.replace("    )  # svclint", "    )\n    x = 1  # svclint")
    assert where(run(make_repo({"svc/app.py": other}), "RES001", "E002")) == [
        ("RES001", "svc/app.py", 4), ("E002", "svc/app.py", 8)]
