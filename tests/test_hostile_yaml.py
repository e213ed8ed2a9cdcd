"""Hostile YAML: only safe loading, alias bombs refused in bounded memory, templates skipped, odd
streams read or reported at their line, huge files skipped with a clear, configurable limit."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import yaml

from svclint import yamlio
from svclint.extract import extract_bytes, extract_file

PY_TAGS = """apiVersion: v1
kind: ConfigMap
metadata:
  name: evil
data:
  a: !!python/object/apply:os.system ["touch PYTAG-RAN"]
  b: !!python/object/new:subprocess.Popen [["touch", "PYTAG-RAN"]]
  c: !!python/name:os.system
  d: !!python/module:os
  e: !!python/object:collections.OrderedDict {x: 1}
  f: !custom-tag value
  g: !!binary aGVsbG8=
"""


def bomb(levels: int, width: int = 9) -> str:
    text = "a0: &a0 [" + ",".join(['"lol"'] * width) + "]\n"
    for i in range(1, levels + 1):
        text += f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]\n"
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n" + text


def test_python_tags_are_never_constructed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    called: list[str] = []
    monkeypatch.setattr(os, "system", lambda *a: called.append("os.system") or 0)
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: called.append("Popen"))
    monkeypatch.chdir(tmp_path)
    docs, problems = yamlio.load_all(PY_TAGS)
    assert called == [] and not (tmp_path / "PYTAG-RAN").exists()
    data = docs[0]["data"]
    # every tagged value is plain data (its text, or its list or mapping): nothing imported, built, called
    plain = (str, int, float, bool, type(None), bytes, list, dict)
    assert all(type(v) in plain or isinstance(v, (yamlio.YMap, yamlio.YList)) for v in yamlio.walk(docs)), data
    assert data["a"] == ["touch PYTAG-RAN"] and data["c"] == "" and data["f"] == "value"
    facts = extract_bytes("k8s/evil.yaml", "yaml", PY_TAGS.encode())
    assert facts.kind == "kubernetes" and not any("RAN" in p.name for p in tmp_path.iterdir())
    assert called == []


def test_the_unsafe_loader_would_have_run_it() -> None:
    """The control: PyYAML's unsafe loader does construct these tags (so the test above can fail)."""
    built = yaml.load("!!python/object/apply:builtins.ValueError ['constructed']", Loader=yaml.UnsafeLoader)
    assert isinstance(built, ValueError)
    docs, _ = yamlio.load_all("!!python/object/apply:builtins.ValueError ['constructed']")
    assert docs == [["constructed"]]


@pytest.mark.parametrize("levels", [9, 12, 30])
def test_alias_bombs_are_refused_in_bounded_memory(levels: int) -> None:
    text = bomb(levels)
    tracemalloc.start()
    try:
        docs, problems = yamlio.load_all(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert docs == []
    assert any("alias bomb" in p.message for p in problems)
    assert peak < 32 * 1024 * 1024, peak         # a 9**9 expansion would need gigabytes
    facts = extract_bytes("k8s/lol.yaml", "yaml", text.encode())
    assert facts.errors and "alias bomb" in facts.errors[0].message


def test_quadratic_alias_blowup_is_refused() -> None:
    """Not exponential but wide: one large list referenced many times."""
    text = "apiVersion: v1\nkind: ConfigMap\nbig: &big [" + ",".join(["x"] * 5000) + "]\nrefs: [" + \
        ",".join(["*big"] * 500) + "]\n"
    docs, problems = yamlio.load_all(text)
    assert docs == [] and "alias bomb" in problems[0].message


def test_shared_anchors_within_the_budget_are_read() -> None:
    docs, problems = yamlio.load_all("base: &b {image: x, env: [1, 2]}\na: *b\nb: {<<: *b, image: y}\n")
    assert problems == [] and docs[0]["a"]["image"] == "x" and docs[0]["b"]["image"] == "y"


def test_multi_document_stream_with_non_mapping_documents() -> None:
    text = """apiVersion: v1
kind: Service
metadata: {name: inventory}
spec:
  selector: {app: inventory}
  ports: [{port: 8080}]
---
- just
- a list
---
a plain string
---
---
null
---
42
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: inventory}
spec:
  template:
    metadata: {labels: {app: inventory}}
    spec:
      containers: [{name: app, image: inventory:1}]
"""
    facts = extract_bytes("k8s/multi.yaml", "yaml", text.encode())
    assert facts.errors == ()
    assert [s.name for s in facts.deploy.services] == ["inventory"]
    assert [w.name for w in facts.deploy.workloads] == ["inventory"]


@pytest.mark.parametrize("text", [
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: [not, a, mapping]\nspec:\n  replicas: many\n"
    "  template:\n    spec:\n      containers: 7\n",
    "apiVersion: apps/v1\nkind: [Deployment]\nspec: 5\n",
    "apiVersion: v1\nkind: Service\n? [complex, key]\n: 1\n? {a: 1}\n: 2\n1: 2\nnull: 3\n",
    "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [7, null, [1], {env: 5}]}}}\n",
    "apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 3000 + "]" * 3000 + "\n",
    "apiVersion: v1\nkind: ConfigMap\ndata: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
], ids=["wrong-types", "kind-list", "complex-keys", "odd-containers", "deep-list", "deep-map"])
def test_documents_of_the_wrong_shape_never_crash(text: str) -> None:
    facts = extract_bytes("k8s/odd.yaml", "yaml", text.encode())
    assert facts.kind == "kubernetes"
    assert all(e.line >= 1 for e in facts.errors)


def test_compose_of_the_wrong_shape_never_crashes() -> None:
    text = ("services:\n  a: 5\n  b: [1]\n  c:\n    image: [x]\n    environment: 7\n    ports: {a: 1}\n"
            "    depends_on: 3\n  d:\n    build: {context: 9}\n    healthcheck: yes\n")
    facts = extract_bytes("docker-compose.yml", "yaml", text.encode())
    assert facts.kind == "compose"
    assert {e.line for e in facts.errors} == {2, 3}


def test_duplicate_keys_are_a_warning_at_their_line(scan_files) -> None:
    _, findings = scan_files({"k8s/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
                                              "metadata: {name: b}\n"}, dedent=False)
    (f,) = [f for f in findings if f.rule == "E001"]
    assert (f.file, f.line, f.severity.value) == ("k8s/svc.yaml", 4, "warning") and "duplicate key" in f.message


def test_tabs_are_an_error_at_their_line() -> None:
    facts = extract_bytes("k8s/tabs.yaml", "yaml", b"apiVersion: v1\nkind: Service\nmetadata:\n\tname: a\n")
    (err,) = facts.errors
    assert err.line == 4 and "invalid YAML" in err.message


@pytest.mark.parametrize("data, fragment, line", [
    (b"apiVersion: v1\nkind: ConfigMap\ndata: {a: '\xff'}\n", "not valid UTF-8", 3),
    (b"apiVersion: v1\nkind: ConfigMap\x00\n", "NUL bytes", 1),
    (b"apiVersion: v1\nkind: Service\nmetadata: [a, b\n", "invalid YAML", 4),
])
def test_unreadable_yaml_is_reported_at_its_line(data: bytes, fragment: str, line: int) -> None:
    (err,) = extract_bytes("k8s/x.yaml", "yaml", data).errors
    assert fragment in err.message and err.line == line


@pytest.mark.parametrize("path, text, reason", [
    ("chart/templates/deployment.yaml",
     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"x.fullname\" . }}\n", "Helm template"),
    ("deploy/jinja.yaml", "apiVersion: v1\nkind: ConfigMap\n{% for x in items %}\n  {{ x }}: 1\n{% endfor %}\n",
     "template (Helm/Jinja)"),
])
def test_templates_are_skipped_with_a_reason(make_repo, path: str, text: str, reason: str) -> None:
    from svclint.engine import analyze
    root = make_repo({"chart/Chart.yaml": "apiVersion: v2\nname: x\nversion: 0.1.0\n", path: text})
    facts = analyze(str(root)).files[path]
    assert reason in facts.skipped and facts.errors == ()


def test_empty_and_comment_only_yaml() -> None:
    for data in (b"", b"# only a comment\n", b"---\n...\n"):
        facts = extract_bytes("k8s/empty.yaml", "yaml", data)
        assert facts.errors == ()


def _scan(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svclint", "scan", str(root), "--format", "json", *args],
                          capture_output=True, text=True, timeout=300)


def test_size_limit_is_clear_and_configurable(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n" + \
        "".join(f"  key{i}: value{i}\n" for i in range(200))
    (tmp_path / "k8s" / "big.yaml").write_text(manifest)
    assert 2048 < len(manifest) < 100_000
    default = json.loads(_scan(tmp_path).stdout)
    assert default["summary"]["skipped"] == [] and default["summary"]["analysed"] == 1
    proc = _scan(tmp_path, "--max-file-size", "2k")
    small = json.loads(proc.stdout)
    assert small["summary"]["skipped"] == [
        {"file": "k8s/big.yaml", "reason": "larger than the size limit of 2048 bytes (--max-file-size)"}]
    assert small["summary"]["analysed"] == 0 and small["summary"]["discovered"] == 1


@pytest.mark.parametrize("value", ["nonsense", "0", "-5", "5GBB"])
def test_bad_size_limit_is_exit_2_in_one_line(tmp_path: Path, value: str) -> None:
    from click.testing import CliRunner

    from svclint.cli import main
    result = CliRunner().invoke(main, ["scan", str(tmp_path), f"--max-file-size={value}"])
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--max-file-size" in result.stderr


@pytest.mark.parametrize("value, size", [("1048576", 1048576), ("500k", 512000), ("2MB", 2097152), ("3m", 3145728)])
def test_size_limit_spellings(value: str, size: int) -> None:
    from svclint.cli import _size
    assert _size(value) == size


def test_huge_yaml_over_the_default_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata:\n" +
                                       "".join(f"  k{i}: v{i}\n" for i in range(500_000)))
    assert os.path.getsize(tmp_path / "big.yaml") > 5 * 1024 * 1024
    facts = extract_file(str(tmp_path), "big.yaml", "yaml")
    assert facts.skipped == "larger than the size limit of 5242880 bytes (--max-file-size)"


# ---- recursive aliases, broken documents in a stream -------------------------------------------

RECURSIVE = [
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\ndata: &a [*a, *a]\n", 4),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: loop, self: *m}\ndata: {}\n", 3),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loop}\ndata: &d\n  x: [1, {y: *d}]\n", 4),
]


@pytest.mark.parametrize("text, line", RECURSIVE)
def test_recursive_alias_is_refused_at_once(tmp_path: Path, text: str, line: int) -> None:
    """A self-referencing anchor expands without end: refused at its line in a child process whose
    address space is capped, so an unbounded walk fails the test instead of the machine."""
    (tmp_path / "loop.yaml").write_text(text)
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
            "from svclint.extract import extract_bytes\n"
            "f = extract_bytes('k8s/loop.yaml', 'yaml', open(sys.argv[1], 'rb').read())\n"
            "print(repr([(e.message, e.line) for e in f.errors]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "loop.yaml")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    errors = eval(out.stdout)  # noqa: S307 - our own repr of a list of (str, int)
    assert len(errors) == 1 and "recursive anchor" in errors[0][0] and errors[0][1] == line, errors
    docs, problems = yamlio.load_all(text)
    assert docs == [] and problems[0].line == line


def test_recursive_alias_is_an_e001_finding_in_a_scan(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "loop.yaml").write_text(RECURSIVE[0][0])
    out = _scan(tmp_path, "--format", "json", "--select", "E001")
    found = json.loads(out.stdout)["findings"]
    assert [(f["rule"], f["file"], f["line"]) for f in found] == [("E001", "k8s/loop.yaml", 4)], out.stderr
    assert "recursive anchor" in found[0]["message"]


def _deployment(name: str) -> str:
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
            f"spec:\n  template:\n    spec:\n      containers: [{{name: {name}, image: {name}:1}}]\n")


@pytest.mark.parametrize("broken, line", [
    ("apiVersion: v1\nkind: Service\nmetadata: {name: [broken\n", 12),     # unclosed flow: found at EOF
    ("apiVersion: v1\nkind: Service\n  metadata: x\n", 12),                  # bad indentation
    ("apiVersion: v1\nkind: Service\nmetadata:\n\t name: tab\n", 13),        # a tab
    ("apiVersion: v1\nkind: Service\nmetadata: &x {name: a, b: *x}\n", 12),  # recursive alias
])
def test_documents_after_a_broken_one_are_kept(broken: str, line: int) -> None:
    from svclint.extract.kubernetes import extract_kubernetes
    text = ("# three deployments, the second document broken\n" + _deployment("first") + "---\n" + broken
            + "---\n" + _deployment("third") + "--- # and one more\n" + _deployment("fourth"))
    facts, errors = extract_kubernetes("k8s/all.yaml", text)
    assert sorted(w.name for w in facts.workloads) == ["first", "fourth", "third"]
    assert len(errors) == 1 and errors[0].line == line, errors
    lines = text.splitlines()
    third = next(w for w in facts.workloads if w.name == "third")
    assert lines[third.line - 2] == "---" and lines[third.line - 1] == "apiVersion: apps/v1", third.line


def test_broken_documents_keep_their_own_lines_in_long_streams() -> None:
    docs = [f"n{i}: {i}\n" if i % 3 else f"n{i}: [\n" for i in range(30)]
    text = "".join(f"---\n{d}" for d in docs)
    loaded, problems = yamlio.load_all(text)
    assert [next(iter(d)) for d in loaded] == [f"n{i}" for i in range(30) if i % 3]
    assert [p.line for p in problems] == [2 * i + 2 for i in range(30) if i % 3 == 0]
    assert all(d.line_of(next(iter(d))) == 2 * int(next(iter(d))[1:]) + 2 for d in loaded)


def test_directives_stay_with_their_document() -> None:
    text = "a: [\n%YAML 1.1\n---\nb: 2\n"
    loaded, problems = yamlio.load_all(text)
    assert loaded == [{"b": 2}] and [p.line for p in problems] == [1]


# ---- generated-code markers never hide findings silently ---------------------------------------

CALL = "import requests\n\n\ndef charge():\n    return requests.get('http://payments/charge')\n"


def _generated_repo(root: Path) -> None:
    svc = root / "svc"
    svc.mkdir()
    (svc / "header.py").write_text("# Code generated by hand-rolled tool. DO NOT EDIT.\n" + CALL)
    (svc / "doc_header.py").write_text('"""Client stubs.\n\n@generated by stubgen\n"""\n' + CALL)
    (svc / "named_pb2.py").write_text(CALL)                                   # a name, no marker
    (svc / "named_pb2_grpc.py").write_text("# hand-written helpers\n" + CALL)
    (svc / "deep.py").write_text(CALL + "\n\n# DO NOT EDIT the URL above without asking\n"
                                 "NOTE = '@generated ids are fine'\n")
    (svc / "late.py").write_text("import os\n# DO NOT EDIT\n" + CALL)      # after code: not a header


def test_generated_markers_never_hide_findings(tmp_path: Path) -> None:
    _generated_repo(tmp_path)
    out = _scan(tmp_path, "--format", "json", "--select", "RES001", "--no-cache")
    doc = json.loads(out.stdout)
    with_finding = {f["file"] for f in doc["findings"]}
    assert with_finding == {"svc/named_pb2.py", "svc/named_pb2_grpc.py", "svc/deep.py", "svc/late.py"}, out.stderr
    skipped = {e["file"]: e["reason"] for e in doc["summary"]["skipped"]}
    assert skipped == {"svc/header.py": "generated: DO NOT EDIT at line 1",
                       "svc/doc_header.py": "generated: @generated at line 3"}
    summary = doc["summary"]
    assert summary["analysed"] + summary["with_errors"] + len(summary["skipped"]) == summary["discovered"]
    assert summary["analysed"] == 4


@pytest.mark.parametrize("text, marker", [
    (b"# -*- coding: utf-8 -*-\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\n", ("Generated by the protocol buffer", 2)),
    (b"#!/usr/bin/env python\n\n# @generated\nimport x\n", ("@generated", 3)),
    (b"r'''@generated'''\nx = 1\n", ("@generated", 1)),
    (b"import x\n# DO NOT EDIT\n", None),
    (b'"""Docs."""\nX = "DO NOT EDIT"\n', None),
    (b"x = 1\n" + b"# filler\n" * 10 + b"# @generated\n", None),
])
def test_only_the_header_makes_a_module_generated(text: bytes, marker: tuple | None) -> None:
    from svclint.extract.python.source import generated_marker
    assert generated_marker(text) == marker


# ---- manifests and compose files written in JSON -----------------------------------------------

def _json_objects() -> tuple[dict, dict]:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "ledger", "labels": {"app": "ledger"}},
                  "spec": {"selector": {"matchLabels": {"app": "ledger"}},
                           "template": {"metadata": {"labels": {"app": "ledger"}},
                                        "spec": {"containers": [{"name": "ledger", "image": "acme/ledger:2",
                                                                 "ports": [{"containerPort": 8080}]}]}}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ledger"},
               "spec": {"selector": {"app": "ledger"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    return deployment, service


def test_json_manifests_are_read_as_manifests(tmp_path: Path) -> None:
    from svclint.engine import analyze
    deployment, service = _json_objects()
    k8s = tmp_path / "deploy"
    k8s.mkdir()
    (k8s / "ledger.json").write_text(json.dumps(deployment, indent=2))                       # one object
    as_list = {"kind": "List", "apiVersion": "v1", "items": [dict(deployment, metadata={"name": "audit"}),
                                                             service]}
    (k8s / "list.json").write_text(json.dumps(as_list, indent="\t"))                          # kubectl's List
    (k8s / "min.json").write_text(json.dumps(dict(deployment, metadata={"name": "mini"})))   # one line
    (tmp_path / "compose.json").write_text(json.dumps(
        {"services": {"web": {"image": "acme/web:1", "environment": {"LEDGER_URL": "http://ledger"}},
                      "db": {"image": "postgres:16"}}}))
    (tmp_path / "package.json").write_text(json.dumps({"name": "ui", "version": "1.0.0"}))
    (tmp_path / "data.json").write_text('[{"kind": "not a manifest"}]')
    analysis = analyze(str(tmp_path))
    files = analysis.files
    assert sorted(files) == ["compose.json", "deploy/ledger.json", "deploy/list.json", "deploy/min.json"]
    assert [w.name for w in files["deploy/ledger.json"].deploy.workloads] == ["ledger"]
    assert files["deploy/ledger.json"].kind == "kubernetes" and not files["deploy/ledger.json"].skipped
    listed = files["deploy/list.json"].deploy
    assert [w.name for w in listed.workloads] == ["audit"] and [s.name for s in listed.services] == ["ledger"]
    assert files["deploy/ledger.json"].deploy.workloads[0].line == 1          # where its object opens
    assert [w.name for w in files["deploy/min.json"].deploy.workloads] == ["mini"]
    assert files["compose.json"].kind == "compose"
    assert sorted(w.name for w in files["compose.json"].deploy.workloads) == ["db", "web"]


def test_broken_json_manifest_is_an_e001_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "k8s.json").write_text('{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "data": {"a": 1,,}\n}\n')
    out = _scan(tmp_path, "--format", "json", "--select", "E001", "--no-cache")
    found = json.loads(out.stdout)["findings"]
    assert [(f["rule"], f["file"], f["line"]) for f in found] == [("E001", "k8s.json", 4)], out.stdout
