"""SARIF 2.1.0 for code scanning: the rule catalogue with its help text, one result per finding."""
from __future__ import annotations

import json
from typing import Iterable, Mapping

from .. import __version__
from ..model import FileFacts, Finding
from ..rule import Rule
from .escape import json_text, sarif_text, text, uri_path
from .fingerprint import SourceLines, fingerprint, yaml_object

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_YAML = (".yml", ".yaml")


def _rule_descriptor(rule: Rule) -> dict:
    help_text = f"{rule.rationale}\n\nFix: {rule.fix}\n\nChecklist: {rule.checklist}"
    help_md = (f"**{rule.summary}** ({rule.area})\n\n{rule.rationale}\n\n**Fix:** {rule.fix}\n\n"
               f"**Checklist:** {rule.checklist}\n\nRun `svclint explain {rule.id}` for examples.")
    return {"id": rule.id, "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.rationale},
            "help": {"text": help_text, "markdown": help_md},
            "defaultConfiguration": {"level": _LEVEL[rule.severity.value]},
            "properties": {"tags": [rule.area, "architecture"], "checklist": rule.checklist}}


def _result(f: Finding, index: dict[str, int], files: Mapping[str, FileFacts], lines: SourceLines) -> dict:
    logical = []
    if f.service:
        logical.append({"name": text(f.service), "fullyQualifiedName": f"service/{text(f.service)}", "kind": "module"})
    if f.file.endswith(_YAML):
        obj = yaml_object(f, files)
        if obj is not None:
            logical.append({"name": text(obj[0]), "fullyQualifiedName": text(obj[1]), "kind": "object"})
    location: dict = {}
    if f.file:
        physical: dict = {"artifactLocation": {"uri": uri_path(f.file), "uriBaseId": "%SRCROOT%"}}
        if f.line >= 1:
            physical["region"] = {"startLine": f.line, "startColumn": f.column + 1}
        location["physicalLocation"] = physical
    if logical:
        location["logicalLocations"] = logical
    result = {"ruleId": f.rule, "level": _LEVEL[f.severity.value], "message": {"text": sarif_text(f.message)},
              "partialFingerprints": {"svclintFingerprint/v1": fingerprint(f, lines)}}
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    if location:
        result["locations"] = [location]
    return result


def sarif_document(findings: Iterable[Finding], rules: Iterable[Rule], root: str,
                   files: Mapping[str, FileFacts]) -> dict:
    rules = list(rules)
    index = {r.id: i for i, r in enumerate(rules)}
    lines = SourceLines(root)
    results = [_result(f, index, files, lines) for f in findings]
    artifacts = sorted({f.file for f in findings if f.file})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "svclint", "version": __version__, "semanticVersion": __version__,
                                "rules": [_rule_descriptor(r) for r in rules]}},
            "columnKind": "unicodeCodePoints",
            "artifacts": [{"location": {"uri": uri_path(a), "uriBaseId": "%SRCROOT%"}} for a in artifacts],
            "results": results,
        }],
    }


def render_sarif(findings: Iterable[Finding], rules: Iterable[Rule], root: str,
                 files: Mapping[str, FileFacts]) -> str:
    return json_text(json.dumps(sarif_document(findings, rules, root, files), indent=2)) + "\n"
