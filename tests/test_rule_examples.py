"""Every rule's examples are its tests; every rule's metadata is its documentation.

One parametrised test runs each VALID example (no finding of that rule) and each INVALID example
(findings of that rule exactly at the "path:line"s it lists), with only that rule selected.
"""
from __future__ import annotations

import re

import pytest

from svclint.engine import analyze, run_rules
from svclint.model import Severity
from svclint.rule import SCOPES, Example, Rule
from svclint.rules import ALL_RULES

ID = re.compile(r"^(E|[A-Z]{3})\d{3}$")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

# Examples that fail because of a bug in the analyzer (not in the example), reported upstream.
KNOWN_BUGS: dict[str, str] = {}


def _cases():
    for rule in ALL_RULES:
        for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid)):
            for i, example in enumerate(examples):
                case_id = f"{rule.id}-{kind}-{i}"
                marks = [pytest.mark.xfail(reason=KNOWN_BUGS[case_id], strict=True)] if case_id in KNOWN_BUGS else []
                yield pytest.param(rule, kind, example, id=case_id, marks=marks)


@pytest.mark.parametrize(("rule", "kind", "example"), list(_cases()))
def test_rule_example(rule: Rule, kind: str, example: Example, make_repo) -> None:
    root = make_repo(example.files)
    findings = run_rules(analyze(str(root)), [rule])
    found = {f"{f.file}:{f.line}" for f in findings if f.rule == rule.id}
    messages = [f"{f.file}:{f.line} {f.message}" for f in findings]
    if kind == "valid":
        assert found == set(), messages
    else:
        assert found == set(example.lines), messages
    # a rule that raised is reported as a finding with no file; never in an example
    assert not any(f.symbol == "rule-failure" for f in findings), messages


def test_every_example_file_is_read(tmp_path) -> None:
    """An example whose files svclint skips proves nothing (a valid example would pass vacuously)."""
    skipped = []
    for n, (rule, example) in enumerate((r, e) for r in ALL_RULES for e in (*r.valid, *r.invalid)):
        root = tmp_path / str(n)
        for rel, text in example.files.items():
            target = root.joinpath(*rel.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        analysis = analyze(str(root))
        assert set(analysis.files) == set(example.files), rule.id
        skipped += [(rule.id, path, facts.skipped) for path, facts in analysis.files.items() if facts.skipped]
    assert skipped == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_metadata_is_complete(rule: Rule) -> None:
    assert ID.match(rule.id), rule.id
    assert KEBAB.match(rule.name), rule.name
    assert rule.area
    assert isinstance(rule.severity, Severity)
    assert rule.scope in SCOPES
    for text in (rule.summary, rule.rationale, rule.fix, rule.checklist):
        assert isinstance(text, str) and text.strip()
    assert callable(rule.check)
    assert len(rule.valid) >= 1
    assert len(rule.invalid) >= 1
    for example in rule.invalid:
        assert example.lines, "an invalid example must say where its findings are"
        for where in example.lines:
            path, _, line = where.rpartition(":")
            assert path in example.files and line.isdigit() and int(line) >= 1, where
    for example in (*rule.valid, *rule.invalid):
        assert example.files and all("\\" not in p and not p.startswith("/") for p in example.files)


def test_rule_ids_and_names_are_unique() -> None:
    ids = [r.id for r in ALL_RULES]
    names = [r.name for r in ALL_RULES]
    assert len(ids) == len(set(ids)), ids
    assert len(names) == len(set(names)), names
    assert all(ID.match(i) for i in ids)
