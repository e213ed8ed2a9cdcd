"""Configuration: `[tool.svclint]` in pyproject.toml, or the top level of svclint.toml.

    [tool.svclint]
    include = ["services/"]              # gitignore-style patterns, relative to the scanned root
    exclude = ["legacy/", "*_pb2.py"]    # added to the default excludes
    default-excludes = true              # false: also scan tests, vendored and virtualenv folders
    select = ["RES", "OBS001"]           # rule ids or prefixes; all rules when absent
    ignore = ["OBS002"]
    fail-on = "error"                    # error | warning | info
    baseline = "svclint-baseline.json"   # relative to the configuration file

    [tool.svclint.severity]              # rule id or prefix -> error | warning | info
    WIR = "warning"

    [tool.svclint.rules.RES001]          # the options a rule declares (`svclint explain ID` lists them)
    ...

    [[tool.svclint.overrides]]           # per-path: later overrides win over earlier ones
    paths = ["services/legacy/**"]       # gitignore-style, matched against each finding's file
    ignore = ["RES"]
    severity = {OBS001 = "info"}

The file is looked for in the scanned root only (svclint.toml first, then a pyproject.toml that has a
[tool.svclint] table), or given with --config. Every problem is collected and reported together
(file, key, what is wrong) before any analysis; unknown keys are errors. Command-line options win:
--select replaces `select`, --ignore and --exclude add to theirs, --fail-on replaces `fail-on`.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import pathspec

from .model import Finding, Severity
from .rule import Option, Rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SEVERITIES = tuple(s.value for s in Severity)
_TOP_KEYS = ("include", "exclude", "default-excludes", "select", "ignore", "fail-on", "baseline",
             "severity", "rules", "overrides")
_OVERRIDE_KEYS = ("paths", "ignore", "severity")


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}" if self.key else f"{self.file}: {self.message}"


class ConfigError(Exception):
    """Every problem of a configuration file, found in one go."""

    def __init__(self, problems: Sequence[ConfigProblem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class PathOverride:
    paths: tuple[str, ...]
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()

    @functools.cached_property
    def _spec(self) -> pathspec.PathSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.paths)

    def matches(self, path: str) -> bool:
        return bool(path) and self._spec.match_file(path)


@dataclass(frozen=True)
class Config:
    file: str = ""                                   # where it came from ("" = built-in defaults)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    default_excludes: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.WARNING
    baseline: str = ""                               # path as given, made absolute against the file's folder
    severity: tuple[tuple[str, Severity], ...] = ()
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict, compare=False, hash=False)
    overrides: tuple[PathOverride, ...] = ()

    # -- what the engine asks

    def options_for(self, rule: Rule) -> dict[str, object]:
        """Every option of `rule`: the configured value, else the rule's default."""
        given = self.options.get(rule.id, {})
        return {name: given.get(name, opt.default) for name, opt in rule.options.items()}

    def ignored_at(self, rule_id: str, path: str) -> bool:
        ignored = False
        for o in self.overrides:
            if o.ignore and o.matches(path) and _matches_any(rule_id, o.ignore):
                ignored = True
        return ignored

    def severity_of(self, rule_id: str, path: str) -> Severity | None:
        """The configured severity for `rule_id` at `path`: the most specific prefix; overrides win."""
        chosen = _most_specific(rule_id, self.severity)
        for o in self.overrides:
            if o.severity and o.matches(path):
                chosen = _most_specific(rule_id, o.severity) or chosen
        return chosen

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Per-path ignores and severities applied to findings."""
        out = []
        for f in findings:
            if self.ignored_at(f.rule, f.file):
                continue
            sev = self.severity_of(f.rule, f.file) if (self.severity or self.overrides) else None
            out.append(dataclasses.replace(f, severity=sev) if sev is not None and sev != f.severity else f)
        return out


def _matches_any(rule_id: str, prefixes: Iterable[str]) -> bool:
    return any(rule_id.startswith(p) for p in prefixes)


def _most_specific(rule_id: str, table: Iterable[tuple[str, Severity]]) -> Severity | None:
    best: tuple[int, Severity] | None = None
    for prefix, sev in table:
        if rule_id.startswith(prefix) and (best is None or len(prefix) >= best[0]):
            best = (len(prefix), sev)
    return best[1] if best else None


# ---------------------------------------------------------------------------------------------- finding the file


def find_config_file(root: str) -> str | None:
    """svclint.toml in `root`, else pyproject.toml there when it has a [tool.svclint] table."""
    candidate = os.path.join(root, "svclint.toml")
    if os.path.isfile(candidate):
        return candidate
    candidate = os.path.join(root, "pyproject.toml")
    if os.path.isfile(candidate):
        try:
            with open(candidate, "rb") as fh:
                data = fh.read()
        except OSError:
            return candidate  # unreadable: let load_config say so
        if b"svclint" in data:
            try:
                doc = tomllib.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, MemoryError):
                return candidate if b"[tool.svclint" in data else None
            if isinstance(doc.get("tool"), dict) and "svclint" in doc["tool"]:
                return candidate
    return None


def load_config(root: str, explicit: str | None = None, rules: Sequence[Rule] | None = None) -> Config:
    """The configuration for a scan of `root`; raises ConfigError listing every problem."""
    path = explicit or find_config_file(root)
    if path is None:
        return Config()
    display = os.path.normpath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError([ConfigProblem(display, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigProblem(display, "", f"not valid UTF-8: {exc.reason}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem(display, "", f"invalid TOML: {exc}")]) from None
    except (RecursionError, MemoryError):
        raise ConfigError([ConfigProblem(display, "", "invalid TOML: nested too deeply to read")]) from None
    nested = isinstance(doc.get("tool"), dict) and "svclint" in doc["tool"] and set(doc) == {"tool"}
    if os.path.basename(path) == "pyproject.toml" or nested:
        table, prefix = doc.get("tool", {}).get("svclint", {}), "tool.svclint."
        if not isinstance(table, dict):
            raise ConfigError([ConfigProblem(display, "tool.svclint", "must be a table")])
    else:
        table, prefix = doc, ""
    if rules is None:
        from .rules import ALL_RULES
        rules = ALL_RULES
    return parse_config(table, display, prefix, rules, os.path.dirname(os.path.abspath(path)))


def parse_config(table: Mapping[str, Any], file: str, prefix: str, rules: Sequence[Rule],
                 base_dir: str = ".") -> Config:
    """Validate a configuration table; every problem is collected, then raised together."""
    problems: list[ConfigProblem] = []
    by_id = {r.id: r for r in rules}

    def problem(key: str, message: str) -> None:
        problems.append(ConfigProblem(file, prefix + key, message))

    def strings(key: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problem(key, f"must be an array of strings, not {_describe(value)}")
            return ()
        return tuple(value)

    def patterns(key: str, value: Any) -> tuple[str, ...]:
        out = strings(key, value)
        for pattern in out:
            error = pattern_error(pattern)
            if error:
                problem(key, error)
        return out

    def rule_prefixes(key: str, value: Any) -> tuple[str, ...]:
        out = []
        for item in strings(key, value):
            code = item.strip().upper()
            if not code or not any(rid.startswith(code) for rid in by_id):
                problem(key, f"no rule matches {item!r} (see `svclint rules`)")
            else:
                out.append(code)
        return tuple(out)

    def severities(key: str, value: Any) -> tuple[tuple[str, Severity], ...]:
        if not isinstance(value, dict):
            problem(key, f"must be a table of rule id or prefix = severity, not {_describe(value)}")
            return ()
        out = []
        for code, sev in value.items():
            if not any(rid.startswith(code.upper()) for rid in by_id) or not code.strip():
                problem(f"{key}.{code}", f"no rule matches {code!r} (see `svclint rules`)")
            elif sev not in SEVERITIES:
                problem(f"{key}.{code}", f"must be one of {', '.join(SEVERITIES)}, not {sev!r}")
            else:
                out.append((code.upper(), Severity(sev)))
        return tuple(out)

    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _TOP_KEYS:
            problem(key, f"unknown key (known: {', '.join(_TOP_KEYS)})")
        elif key in ("include", "exclude"):
            values[key] = patterns(key, value)
        elif key in ("select", "ignore"):
            values[key] = rule_prefixes(key, value)
        elif key == "default-excludes":
            if isinstance(value, bool):
                values["default_excludes"] = value
            else:
                problem(key, f"must be true or false, not {_describe(value)}")
        elif key == "fail-on":
            if value in SEVERITIES:
                values["fail_on"] = Severity(value)
            else:
                problem(key, f"must be one of {', '.join(SEVERITIES)}, not {_describe(value)}")
        elif key == "baseline":
            if isinstance(value, str) and value.strip():
                values["baseline"] = os.path.normpath(os.path.join(base_dir, value))
            else:
                problem(key, f"must be a file name, not {_describe(value)}")
        elif key == "severity":
            values["severity"] = severities(key, value)
        elif key == "rules":
            values["options"] = _rule_options(value, by_id, problem)
        elif key == "overrides":
            values["overrides"] = _overrides(value, problem, rule_prefixes, severities, patterns)
    if problems:
        raise ConfigError(problems)
    return Config(file=file, **values)


def pattern_error(pattern: str) -> str:
    """What is wrong with a gitignore-style pattern ("" when nothing)."""
    from .discover import ignore_line_error
    error = ignore_line_error(pattern)
    return f"invalid pattern {pattern!r}: {error}" if error else ""


def _rule_options(value: Any, by_id: Mapping[str, Rule], problem) -> dict[str, dict[str, object]]:
    if not isinstance(value, dict):
        problem("rules", f"must be a table of [rules.<ID>] tables, not {_describe(value)}")
        return {}
    out: dict[str, dict[str, object]] = {}
    for rule_id, given in value.items():
        key = f"rules.{rule_id}"
        rule = by_id.get(rule_id.upper())
        if rule is None:
            problem(key, f"unknown rule {rule_id!r} (see `svclint rules`)")
            continue
        if not isinstance(given, dict):
            problem(key, f"must be a table of options, not {_describe(given)}")
            continue
        chosen: dict[str, object] = {}
        for name, v in given.items():
            opt = rule.options.get(name)
            if opt is None:
                known = ", ".join(rule.options) or "none"
                problem(f"{key}.{name}", f"unknown option of {rule.id} (its options: {known})")
                continue
            checked, error = check_option(opt, v)
            if error:
                problem(f"{key}.{name}", error)
            else:
                chosen[name] = checked
        out[rule.id] = chosen
    return out


def check_option(opt: Option, value: Any) -> tuple[object, str]:
    """(value converted to the option's type, "") or (None, what is wrong)."""
    d = opt.default
    wanted = opt.type_name
    if isinstance(d, bool):
        ok = isinstance(value, bool)
    elif isinstance(d, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(d, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(d, str):
        ok = isinstance(value, str)
    else:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    if not ok:
        return None, f"must be {_article(wanted)}, not {_describe(value)}"
    if opt.minimum is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and value < opt.minimum:
        return None, f"must be at least {opt.minimum:g}, not {value!r}"
    if opt.choices and isinstance(value, str) and value not in opt.choices:
        return None, f"must be one of {', '.join(opt.choices)}, not {value!r}"
    return value, ""


def _overrides(value: Any, problem, rule_prefixes, severities, strings) -> tuple[PathOverride, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problem("overrides", f"must be an array of tables ([[tool.svclint.overrides]]), not {_describe(value)}")
        return ()
    out = []
    for i, item in enumerate(value):
        key = f"overrides[{i}]"
        for k in item:
            if k not in _OVERRIDE_KEYS:
                problem(f"{key}.{k}", f"unknown key (known: {', '.join(_OVERRIDE_KEYS)})")
        paths = strings(f"{key}.paths", item["paths"]) if "paths" in item else ()
        if "paths" not in item:
            problem(f"{key}.paths", "missing: the gitignore-style patterns this override applies to")
        elif not paths:
            problem(f"{key}.paths", "must name at least one pattern")
        ignore = rule_prefixes(f"{key}.ignore", item["ignore"]) if "ignore" in item else ()
        sev = severities(f"{key}.severity", item["severity"]) if "severity" in item else ()
        out.append(PathOverride(paths, ignore, sev))
    return tuple(out)


def _describe(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{kind} {text}" if len(text) <= 40 and not isinstance(value, dict) else kind


def _article(name: str) -> str:
    return ("an " if name[0] in "aeiou" else "a ") + name
