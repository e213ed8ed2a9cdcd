"""Configuration: [tool.svclint] in pyproject.toml or svclint.toml, validated before any analysis."""
from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner, Result

from svclint.cli import main
from svclint.config import Config, ConfigError, load_config, parse_config
from svclint.engine import analyze, run_rules
from svclint.model import Severity
from svclint.rule import Option
from svclint.rules import ALL_RULES

RES001 = next(r for r in ALL_RULES if r.id == "RES001")
CALL = "import requests\n\ndef f():\n    return requests.get('http://x/y')\n"
TWO_PLACES = {"svc/app.py": CALL, "legacy/app.py": CALL}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def scan_json(root, *args: str) -> tuple[int, list[dict]]:
    result = invoke("scan", str(root), "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_every_problem_is_listed_at_once_with_file_and_key(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "pyproject.toml": (
        "[tool.svclint]\nselct = ['RES']\nfail-on = 'fatal'\ninclude = 'svc/'\n"
        "severity = {RES001 = 'loud', XYZ = 'info'}\n"
        "[tool.svclint.rules.RES001]\nnot-an-option = 1\n"
        "[[tool.svclint.overrides]]\nignore = ['RES']\n")})
    result = invoke("scan", str(root))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("svclint: error: ") and "pyproject.toml: tool.svclint." in line for line in lines)
    keys = [line.split(": ")[3] for line in lines]
    assert keys == ["tool.svclint.selct", "tool.svclint.fail-on", "tool.svclint.include",
                    "tool.svclint.severity.RES001", "tool.svclint.severity.XYZ",
                    "tool.svclint.rules.RES001.not-an-option", "tool.svclint.overrides[0].paths"]
    assert "unknown key" in lines[0]
    assert "must be one of error, warning, info" in lines[1]
    assert "must be an array of strings" in lines[2]
    assert result.stdout == ""   # nothing analysed, nothing printed


def test_unknown_key_is_an_error(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "svclint.toml": "exclude = ['legacy/']\nexcludes = ['x/']\n"})
    result = invoke("scan", str(root))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"svclint: error: {root / 'svclint.toml'}: excludes: unknown key (known: include, exclude, default-excludes, "
        "select, ignore, fail-on, baseline, severity, rules, overrides)"]


def test_invalid_toml_is_exit_2(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "svclint.toml": "select = [\n"})
    result = invoke("scan", str(root))
    assert result.exit_code == 2 and "invalid TOML" in result.stderr


def test_pyproject_without_a_svclint_table_is_not_configuration(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "pyproject.toml": "[project]\nname = 'x'\n[tool.black]\nline-length = 99\n"})
    assert load_config(str(root)) == Config()


def test_svclint_toml_wins_over_pyproject(make_repo) -> None:
    root = make_repo({"svclint.toml": "fail-on = 'error'\n", "pyproject.toml": "[tool.svclint]\nfail-on = 'info'\n"})
    assert load_config(str(root)).fail_on is Severity.ERROR


def test_bad_types_are_reported_with_the_expected_type() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"default-excludes": "yes", "select": "RES", "baseline": 3, "overrides": {"paths": []}},
                     "svclint.toml", "", ALL_RULES)
    assert [(p.key, p.message) for p in err.value.problems] == [
        ("default-excludes", "must be true or false, not a string 'yes'"),
        ("select", "must be an array of strings, not a string 'RES'"),
        ("baseline", "must be a file name, not an integer 3"),
        ("overrides", "must be an array of tables ([[tool.svclint.overrides]]), not a table")]


def test_rule_options_are_typed_validated_and_defaulted() -> None:
    rule = dataclasses.replace(RES001, options={
        "ceiling": Option(30.0, "longest timeout allowed, in seconds", minimum=0),
        "hops": Option(3, "deepest chain", minimum=1),
        "strict": Option(False, "report soft dependencies too"),
        "mode": Option("fast", "how", choices=("fast", "slow")),
        "hosts": Option(("localhost",), "hosts to skip")})
    config = parse_config({"rules": {"RES001": {"ceiling": 10, "hosts": ["a", "b"]}}}, "f", "", [rule])
    assert config.options_for(rule) == {"ceiling": 10.0, "hops": 3, "strict": False, "mode": "fast",
                                        "hosts": ("a", "b")}
    with pytest.raises(ConfigError) as err:
        parse_config({"rules": {"RES001": {"ceiling": "10s", "hops": 0, "strict": 1, "mode": "medium",
                                           "hosts": [1], "nope": 1}, "RES999": {}}}, "f", "tool.svclint.", [rule])
    assert [(p.key, p.message) for p in err.value.problems] == [
        ("tool.svclint.rules.RES001.ceiling", "must be a number, not a string '10s'"),
        ("tool.svclint.rules.RES001.hops", "must be at least 1, not 0"),
        ("tool.svclint.rules.RES001.strict", "must be a boolean, not an integer 1"),
        ("tool.svclint.rules.RES001.mode", "must be one of fast, slow, not 'medium'"),
        ("tool.svclint.rules.RES001.hosts", "must be an array of strings, not an array [1]"),
        ("tool.svclint.rules.RES001.nope", "unknown option of RES001 (its options: ceiling, hops, strict, mode, hosts)"),
        ("tool.svclint.rules.RES999", "unknown rule 'RES999' (see `svclint rules`)")]


def test_rules_read_their_configured_options(make_repo) -> None:
    seen = []

    def check(f, ctx):
        seen.append((rule.option(ctx, "ceiling"), dict(ctx.options)))
        return iter(())

    rule = dataclasses.replace(RES001, check=check, options={"ceiling": Option(30.0, "seconds")})
    analysis = analyze(str(make_repo({"svc/app.py": "x = 1\n"})))
    run_rules(analysis, [rule])
    run_rules(analysis, [rule], config=parse_config({"rules": {"RES001": {"ceiling": 5}}}, "f", "", [rule]))
    assert seen == [(30.0, {"ceiling": 30.0}), (5.0, {"ceiling": 5.0})]


def test_per_path_override_ignores_a_rule_there_only(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "pyproject.toml": (
        "[tool.svclint]\nselect = ['RES']\n"
        "[[tool.svclint.overrides]]\npaths = ['legacy/**']\nignore = ['RES001']\n")})
    _, findings = scan_json(root)
    assert [(f["rule"], f["file"]) for f in findings] == [("RES001", "svc/app.py")]


def test_severity_override_globally_and_per_path(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "svclint.toml": (
        "select = ['RES']\nfail-on = 'error'\n[severity]\nRES = 'warning'\n"
        "[[overrides]]\npaths = ['legacy/']\nseverity = {RES001 = 'info'}\n")})
    code, findings = scan_json(root)
    assert {(f["file"], f["severity"]) for f in findings} == {("svc/app.py", "warning"), ("legacy/app.py", "info")}
    assert code == 0                      # fail-on error from the configuration
    code, _ = scan_json(root, "--fail-on", "warning")
    assert code == 1                      # the command line wins


def test_the_most_specific_severity_wins() -> None:
    config = parse_config({"severity": {"RES001": "info", "RES": "error"}}, "f", "", ALL_RULES)
    assert config.severity_of("RES001", "a.py") is Severity.INFO
    assert config.severity_of("RES002", "a.py") is Severity.ERROR
    assert config.severity_of("OBS001", "a.py") is None


def test_select_ignore_include_exclude_from_configuration(make_repo) -> None:
    files = {**TWO_PLACES, "other/app.py": CALL,
             "svc/main.py": "from flask import Flask\napp = Flask(__name__)\n"}
    root = make_repo({**files, "svclint.toml": "include = ['svc/', 'legacy/']\nexclude = ['legacy/']\n"
                                               "select = ['RES', 'OBS']\nignore = ['OBS']\n"})
    _, findings = scan_json(root)
    assert [(f["rule"], f["file"]) for f in findings] == [("RES001", "svc/app.py")]
    _, findings = scan_json(root, "--select", "OBS001")     # --select replaces; the ignore still holds
    assert findings == []
    graph = json.loads(invoke("graph", str(root)).stdout)
    assert graph["schema"] == "svclint.graph/1"


def test_explicit_config_file_and_missing_one(make_repo, tmp_path) -> None:
    root = make_repo(TWO_PLACES)
    cfg = tmp_path / "ci.toml"
    cfg.write_text("exclude = ['legacy/']\n", encoding="utf-8")
    _, findings = scan_json(root, "--config", str(cfg))
    assert [f["file"] for f in findings] == ["svc/app.py"]
    result = invoke("scan", str(root), "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "no such configuration file" in result.stderr
    result = invoke("graph", str(root), "--config", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2



def test_the_readme_example_is_valid_configuration() -> None:
    import re

    from svclint.config import tomllib
    from pathlib import Path
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[tool\.svclint\].*?)```", readme, re.S).group(1)
    config = parse_config(tomllib.loads(block)["tool"]["svclint"], "README.md", "tool.svclint.", ALL_RULES)
    assert config.fail_on is Severity.ERROR and config.overrides[0].matches("services/reporting/app.py")


def test_invalid_patterns_are_configuration_errors(make_repo) -> None:
    root = make_repo({**TWO_PLACES, "svclint.toml": "exclude = ['legacy/', '!']\n"
                                                    "[[overrides]]\npaths = ['!']\nignore = ['RES']\n"})
    result = invoke("scan", str(root))
    assert result.exit_code == 2
    assert [line.split(": ")[3] for line in result.stderr.splitlines()] == ["exclude", "overrides[0].paths"]
    result = invoke("scan", str(make_repo(TWO_PLACES)), "--exclude", "!")
    assert result.exit_code == 2 and "--exclude: invalid pattern" in result.stderr


def test_a_declared_rule_option_changes_what_the_rule_finds(make_repo) -> None:
    svc004 = next(r for r in ALL_RULES if r.id == "SVC004")
    three_hops = make_repo(dict(svc004.valid[0].files))
    analysis = analyze(str(three_hops))
    assert [f for f in run_rules(analysis, [svc004]) if f.rule == "SVC004"] == []
    config = parse_config({"rules": {"SVC004": {"max-hops": 2}}}, "f", "", ALL_RULES)
    assert [f.rule for f in run_rules(analysis, [svc004], config=config)] == ["SVC004"]
    with pytest.raises(ConfigError, match="must be at least 1"):
        parse_config({"rules": {"SVC004": {"max-hops": 0}}}, "f", "", ALL_RULES)


def test_a_config_file_may_hold_a_tool_svclint_table(tmp_path) -> None:
    cfg = tmp_path / "ci.toml"
    cfg.write_text("[tool.svclint]\nfail-on = 'info'\n", encoding="utf-8")
    assert load_config(str(tmp_path), str(cfg)).fail_on is Severity.INFO


def test_what_svclint_init_writes_is_valid_configuration() -> None:
    from svclint.config import tomllib
    from svclint.init import CONFIG
    parse_config(tomllib.loads(CONFIG)["tool"]["svclint"], "pyproject.toml", "tool.svclint.", ALL_RULES)
    parse_config(tomllib.loads(CONFIG.replace("[tool.svclint]\n", "", 1)), "svclint.toml", "", ALL_RULES)
