"""The command line: parse arguments, call the stages, print, set the exit code. No analysis here.

Exit codes for every command: 0 clean, 1 findings at or above --fail-on, 2 usage/configuration/input
error (one line on stderr).
"""
from __future__ import annotations

import errno
import functools
import gc
import os
import re
import sys

import click

from . import __version__
from .cache import CACHE_DIR, default_directory
from .accounting import account
from .discover import DEFAULT_EXCLUDES
from .engine import analyze, restrict_to, run_rules, select_rules
from .model import Severity
from .report.formats import FORMATS, render_findings
from .report.escape import lines
from .report.progress import Progress


class InputError(click.ClickException):
    """A usage, configuration or input error: one line on stderr, exit code 2."""
    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(lines(f"svclint: error: {self.format_message()}"), err=True)


def _rules():
    from .rules import ALL_RULES
    return ALL_RULES


def _root(path: str) -> str:
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    if not os.path.isdir(path):
        raise InputError(f"{path}: not a directory (svclint scans a repository)")
    return path


def _size(text: str) -> int:
    """`5MB`, `500k`, `1048576` -> bytes (1k = 1024); anything else is a usage error."""
    m = re.fullmatch(r"\s*(\d{1,13})\s*([kKmM]?)[bB]?\s*", text)
    value = int(m.group(1)) * {"": 1, "k": 1024, "m": 1024 * 1024}[m.group(2).lower()] if m else 0
    if not 0 < value <= _MAX_FILE_SIZE:
        raise InputError(f"--max-file-size {text!r}: expected a positive size up to 1048576MB, such as 5MB, "
                         "500k or 1048576")
    return value


_MAX_FILE_SIZE = 1 << 40


def _files(files: tuple[str, ...], root: str) -> list[str]:
    """FILES, given relative to the current directory (as pre-commit, which runs from the repository
    root, passes them), as paths relative to `root`; one that does not exist or lies outside `root`
    is a usage error, never a silent "0 findings"."""
    real_root = os.path.realpath(root)
    out = []
    for f in files:
        if not os.path.lexists(f):
            raise InputError(f"{f}: no such file (FILES are relative to the current directory)")
        rel = os.path.relpath(os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(f))),
                                           os.path.basename(os.path.abspath(f))), real_root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
            raise InputError(f"{f}: not inside {path_for_message(root)}, the repository being scanned")
        out.append(rel.replace(os.sep, "/"))
    return out


def path_for_message(path: str) -> str:
    return path if path not in ("", ".") else "the current directory"


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _memory(text: str) -> int:
    """`4G`, `512M`, `2GiB` -> bytes, between 64 MiB and 1 TiB; anything else is a usage error."""
    m = re.fullmatch(r"\s*(\d{1,7})\s*([kKmMgG]?)(i?[bB])?\s*", text)
    value = int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()] if m else 0
    if not (64 << 20) <= value <= (1 << 40):
        raise InputError(f"--parse-memory {text!r}: expected a size between 64M and 1024G, such as 4G or 512M")
    return value


def _perf_options(func):
    """--jobs, --no-cache, --cache-dir and the per-file limits, handed to the command as one `perf`
    argument."""
    @functools.wraps(func)
    def wrapper(*args, jobs: int | None, no_cache: bool, cache_dir: str | None, parse_timeout: float,
                parse_memory: str, **kwargs):
        from .extract.isolate import Limits
        limits = Limits(memory=_memory(parse_memory), seconds=parse_timeout)
        return func(*args, perf={"jobs": jobs, "no_cache": no_cache, "cache_dir": cache_dir, "limits": limits},
                    **kwargs)
    wrapper = click.option("--parse-memory", default="4G", show_default=True, metavar="SIZE",
                           help="Memory one file may take to read; a file that needs more is reported (E001), "
                                "the scan goes on.")(wrapper)
    wrapper = click.option("--parse-timeout", type=click.FloatRange(min=0.1, max=86400), default=60.0,
                           show_default=True, metavar="SECONDS",
                           help="Time one file may take to read; a file that takes longer is reported (E001), "
                                "the scan goes on.")(wrapper)
    wrapper = click.option("--cache-dir", type=click.Path(file_okay=False),
                           help="Where per-file facts are cached [default: the user cache folder, see README].")(wrapper)
    wrapper = click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")(wrapper)
    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                        help="Processes for extraction, at most the CPUs svclint may use [default: all of them].")(wrapper)


def _analyze(root: str, excludes, perf: dict, includes=(), max_bytes: int | None = None):
    cache_dir = None if perf["no_cache"] else (perf["cache_dir"] or default_directory(root))
    if os.path.lexists(os.path.join(root, CACHE_DIR)):
        click.echo(f"svclint: warning: {CACHE_DIR} in the repository is not read (svclint keeps its cache "
                   "outside the repository); delete it", err=True)
    bar = Progress()
    try:
        sizes = {} if max_bytes is None else {"max_bytes": max_bytes}
        analysis = analyze(root, excludes, includes, progress=bar, jobs=perf["jobs"], cache_dir=cache_dir,
                           limits=perf.get("limits"), **sizes)
    finally:
        bar.close()
    for line in analysis.cache_rejected:
        click.echo(lines(f"svclint: warning: cache file ignored and rebuilt: {line}"), err=True)
    return analysis


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="svclint")
def main() -> None:
    """svclint reviews the architecture of Python microservices from their code and deployment files.

    It infers each service, whom it calls, what it publishes and consumes, the data it owns and how
    robustly it talks to the network, and checks that against the architecture checklist and the
    contracts teams declared. It never runs the code it reads.
    """
    _tune_gc()


def _tune_gc() -> None:
    """A scan builds many long-lived objects (every file's facts) and few reference cycles, and
    Python's collector walks the growing heap again and again while it does: about a quarter of a
    warm re-scan of a 1M-line tree. What the imports built is moved out of the collector's sight and
    young objects are collected less often (cycles are still collected)."""
    gc.freeze()
    gc.set_threshold(100_000, 20, 100)


@main.command()
@click.argument("path", default=".", type=click.Path())
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format (sarif: code scanning; github: workflow annotations; gitlab: Code Quality).")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated, repeatable).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes (comma-separated, repeatable).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: the configuration's, else warning).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--exclude", multiple=True, help="Extra gitignore-style patterns to leave out.")
@click.option("--no-default-excludes", is_flag=True, help="Also scan tests, vendored and virtualenv folders.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--debug", is_flag=True, help="Let a failing rule raise instead of reporting it.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file (default: svclint.toml, else [tool.svclint] of pyproject.toml, in PATH).")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file.")
@click.option("--update-baseline", is_flag=True, help="Write every current finding to the --baseline file.")
@click.option("--max-file-size", default="5MB", show_default=True,
              help="Skip (and report) files larger than this: bytes, or with a k/KB, M/MB suffix.")
@_perf_options
def scan(path: str, files: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
         fail_on: str | None, exit_zero: bool, exclude: tuple[str, ...], no_default_excludes: bool,
         output: str | None, debug: bool, config_file: str | None, baseline: str | None,
         update_baseline: bool, max_file_size: str, perf: dict) -> None:
    """Scan the repository at PATH and report findings.

    With FILES (paths relative to the current directory, as pre-commit passes them; each must exist
    inside PATH), findings are reported only for those files and the services they belong to; the
    graph is still built from the whole repository.
    """
    root = _root(path)
    max_bytes = _size(max_file_size)
    wanted = _files(files, root)
    known = {r.id for r in _rules()}
    for prefix in _split(select) + _split(ignore):
        if not any(k.startswith(prefix.upper()) for k in known):
            raise InputError(f"no rule matches {prefix!r} (see `svclint rules`)")
    config = _config(root, config_file, select, ignore, fail_on)
    baseline_root = None
    if not baseline and config.baseline:
        # a baseline named by the repository's own configuration stays inside the repository
        baseline, baseline_root = config.baseline, root
        if _inside(baseline, root) is None:
            raise InputError(f"baseline {config.baseline}: the configuration names a file outside the "
                             "repository; give it with --baseline instead")
    if update_baseline and not baseline:
        raise InputError("--update-baseline needs --baseline FILE (or `baseline` in the configuration)")
    known_findings = _load_baseline(baseline, baseline_root or _inside(baseline, root)) \
        if baseline and not update_baseline else None
    rules = select_rules(_rules(), config.select, config.ignore)
    analysis = _analyze(root, _excludes(config, exclude, no_default_excludes), perf, config.include, max_bytes)
    findings = run_rules(analysis, rules, debug=debug, config=config)
    if update_baseline:
        from .baseline import render_baseline
        _emit(render_baseline(findings, root), baseline, baseline_root or root)
        click.echo(f"svclint: wrote {len(findings)} findings to the baseline {baseline}", err=True)
        findings = []
    elif known_findings is not None:
        from .baseline import new_findings
        findings = new_findings(findings, known_findings, root)
    if files:
        findings = restrict_to(findings, analysis, wanted)
    skipped = account(analysis.discovery, analysis.files).skipped
    colour = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render_findings(fmt, findings, analysis, rules, skipped, colour)
    _emit(text, output, root)
    threshold = config.fail_on.rank
    if not exit_zero and any(f.severity.rank >= threshold for f in findings):
        sys.exit(1)


@main.command()
@click.argument("path", default=".", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["json", "mermaid", "dot"]), default="json", show_default=True)
@click.option("--exclude", multiple=True, help="Extra gitignore-style patterns to leave out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file (its include and exclude apply).")
@_perf_options
def graph(path: str, fmt: str, exclude: tuple[str, ...], output: str | None, config_file: str | None,
          perf: dict) -> None:
    """Print the inferred dependency graph of the repository at PATH."""
    root = _root(path)
    config = _config(root, config_file)
    analysis = _analyze(root, _excludes(config, exclude, False), perf, config.include)
    if fmt == "json":
        from .report.json_report import render_graph_json
        text = render_graph_json(analysis.arch)
    elif fmt == "mermaid":
        from .report.diagram import render_mermaid
        text = render_mermaid(analysis.arch, analysis.files)
    else:
        from .report.diagram import render_dot
        text = render_dot(analysis.arch, analysis.files)
    _emit(text, output, root)


@main.command()
@click.argument("path", default=".", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True)
@click.option("--exclude", multiple=True, help="Extra gitignore-style patterns to leave out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
def review(path: str, fmt: str, exclude: tuple[str, ...], output: str | None) -> None:
    """Write the architecture review of the repository at PATH: per service its boundary, checklist
    scorecard, inferred contract, database schema, deployment review and CI/CD requirements."""
    from .report.review import build_review, render_markdown
    root = _root(path)
    config = _config(root, None)
    analysis = analyze(root, _excludes(config, exclude, False), config.include)
    findings = run_rules(analysis, select_rules(_rules(), config.select, config.ignore), config=config)
    name = os.path.basename(os.path.abspath(root)) or root
    data = build_review(analysis.arch, analysis.files, findings, _rules(), name)
    if fmt == "html":
        from .report.review_html import render_html
        _emit(render_html(data, analysis.arch, analysis.files), output, root)
    else:
        _emit(render_markdown(data), output, root)


@main.command()
@click.argument("path", default=".", type=click.Path())
def init(path: str) -> None:
    """Start using svclint in the repository at PATH: a [tool.svclint] section, a pre-commit entry and a
    GitHub Actions workflow that uploads SARIF. Existing files and sections are never overwritten."""
    from .init import InitError, init_repository
    try:
        for line in init_repository(_root(path)):
            click.echo(lines(line))
    except InitError as exc:
        raise InputError(str(exc)) from None

@main.group()
def generate() -> None:
    """Generate deployment artefacts from the inferred architecture."""


@generate.command("networkpolicy")
@click.argument("path", default=".", type=click.Path())
@click.option("--namespace", help="Namespace of every generated policy (default: each workload's own).")
@click.option("--exclude", multiple=True, help="Extra gitignore-style patterns to leave out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
def networkpolicy(path: str, namespace: str | None, exclude: tuple[str, ...], output: str | None) -> None:
    """Kubernetes NetworkPolicies (YAML) that allow exactly the traffic inferred for PATH."""
    from .generate import network_policies, render
    if namespace is not None and not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", namespace):
        raise InputError(f"{namespace!r} is not a valid Kubernetes namespace name")
    root = _root(path)
    analysis = analyze(root, DEFAULT_EXCLUDES + tuple(exclude))
    _emit(render(network_policies(analysis, namespace)), output, root)


@main.command("rules")
def list_rules() -> None:
    """List every rule with its id, default severity and summary."""
    for rule in _rules():
        click.echo(f"{rule.id:<8} {rule.severity.value:<8} {rule.name:<26} {rule.summary}")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Explain one rule: why it matters, the checklist item it serves, how to fix it."""
    rule = next((r for r in _rules() if r.id == rule_id.upper() or r.name == rule_id.lower()), None)
    if rule is None:
        raise InputError(f"unknown rule {rule_id!r} (see `svclint rules`)")
    click.echo(f"{rule.id} {rule.name} ({rule.area}, default severity {rule.severity.value})\n")
    click.echo(f"{rule.summary}.\n")
    click.echo(f"Checklist: {rule.checklist}\n")
    click.echo(f"Why: {rule.rationale}\n")
    click.echo(f"Fix: {rule.fix}")
    if rule.options:
        click.echo(f"\nOptions ([tool.svclint.rules.{rule.id}]):")
        for name, opt in rule.options.items():
            click.echo(f"  {name} ({opt.type_name}, default {opt.default!r}): {opt.help}")
    for title, examples in (("Valid", rule.valid), ("Invalid", rule.invalid)):
        for ex in examples:
            where = f", findings at {', '.join(ex.lines)}" if ex.lines else ""
            click.echo(f"\n{title} example" + (f" ({ex.note})" if ex.note else "") + where + ":")
            for path, text in ex.files.items():
                click.echo(f"  # {path}\n" + "".join(f"  {line}\n" for line in text.splitlines()))


def _config(root: str, config_file: str | None, select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
            fail_on: str | None = None):
    """The configuration with the command line on top: --select replaces, --ignore adds, --fail-on replaces."""
    import dataclasses

    from .config import ConfigError, load_config
    if config_file is not None and not os.path.isfile(config_file):
        raise InputError(f"{config_file}: no such configuration file")
    try:
        config = load_config(root, config_file, _rules())
    except ConfigError as exc:
        raise InputError("\n".join(f"svclint: error: {p}" for p in exc.problems)[len("svclint: error: "):]) from None
    changes: dict = {"ignore": config.ignore + tuple(i.upper() for i in _split(ignore))}
    if select:
        changes["select"] = tuple(s.upper() for s in _split(select))
    if fail_on:
        changes["fail_on"] = Severity(fail_on)
    return dataclasses.replace(config, **changes)


def _excludes(config, exclude: tuple[str, ...], no_default_excludes: bool) -> tuple[str, ...]:
    from .config import pattern_error
    for pattern in exclude:
        if pattern_error(pattern):
            raise InputError(f"--exclude: {pattern_error(pattern)}")
    defaults = DEFAULT_EXCLUDES if config.default_excludes and not no_default_excludes else ()
    return defaults + config.exclude + tuple(exclude)


def _load_baseline(path: str, root: str | None = None):
    from .baseline import BaselineError, load_baseline
    try:
        return load_baseline(path, root)
    except BaselineError as exc:
        raise InputError(str(exc)) from None


@main.group("cache")
def cache_group() -> None:
    """Manage the cache of per-file facts."""


@cache_group.command("clear")
@click.argument("path", default=".", type=click.Path())
@click.option("--cache-dir", type=click.Path(file_okay=False), help="The cache to clear [default: PATH's in the user cache folder].")
def cache_clear(path: str, cache_dir: str | None) -> None:
    """Remove the facts cache of the repository at PATH."""
    from .cache import clear
    directory = cache_dir or default_directory(_root(path))
    try:
        removed = clear(directory)
    except (ValueError, OSError) as exc:
        raise InputError(str(exc)) from None
    click.echo(f"svclint: cleared {directory} ({removed} cached files)")


@main.command("diff")
@click.argument("path", default=".", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--exclude", multiple=True, help="Extra gitignore-style patterns to leave out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to a file.")
def diff_command(path: str, fmt: str, exclude: tuple[str, ...], output: str | None) -> None:
    """Diff each service's contract against what its code shows; exit 1 on drift."""
    from .contract import commands
    root = _root(path)
    config = _config(root, None)
    text, drift = commands.diff(analyze(root, _excludes(config, exclude, False), config.include), fmt)
    _emit(text, output, root)
    if drift:
        sys.exit(1)


@main.group("contract")
def contract_group() -> None:
    """Validate service contracts, or infer them from the code."""


@contract_group.command("validate")
@click.argument("path", default=".", type=click.Path())
def contract_validate(path: str) -> None:
    """Check every contract (service.yaml, catalog-info.yaml) under PATH, or the one file PATH."""
    from .contract import commands
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    text, problems = commands.validate(path)
    click.echo(lines(text), nl=False)
    if problems:
        sys.exit(1)


@contract_group.command("infer")
@click.argument("path", type=click.Path())
@click.option("--service", "service", help="Only this service.")
@click.option("--write", is_flag=True, help="Write the contracts (existing ones are updated, not replaced).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "backstage"]), default="yaml", show_default=True,
              help="service.yaml contracts, or Backstage catalog-info.yaml components.")
@click.option("--exclude", multiple=True, help="Extra gitignore-style patterns to leave out.")
def contract_infer(path: str, service: str | None, write: bool, fmt: str, exclude: tuple[str, ...]) -> None:
    """Print (or --write) the contract each service would declare, from what its code shows."""
    from .contract import commands
    root = _root(path)
    try:
        config = _config(root, None)
        text = commands.infer(analyze(root, _excludes(config, exclude, False), config.include), service, fmt, write)
    except commands.ContractError as exc:
        raise InputError(str(exc)) from None
    click.echo(lines(text), nl=False)


def _inside(path: str, root: str) -> str | None:
    """`root` when `path` lies inside the scanned repository (whose links svclint never follows)."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return None if rel == os.pardir or rel.startswith(os.pardir + os.sep) else root


def _emit(text: str, output: str | None, root: str | None = None) -> None:
    """Print `text`, or write it to `output`: never through a symlink or into a FIFO, and never
    through a symlinked folder of the repository `root` (see safeio)."""
    if output:
        from .safeio import write_text
        try:
            write_text(output, text, _inside(output, root) if root else None)
        except OSError as exc:
            raise InputError(f"{output}: cannot write: {exc.strerror or exc}") from None
    else:
        try:
            click.echo(text, nl=False)
            sys.stdout.flush()
        except OSError as exc:
            raise StdoutError(exc) from None


class StdoutError(InputError):
    """The report could not be written to standard output (a full disk, a closed pipe): exit 2."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(f"cannot write to standard output: {exc.strerror or exc}")
        self.quiet = exc.errno == errno.EPIPE
        silence_stdout()

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        if not self.quiet:      # `svclint ... | head` closed the pipe: nothing to say
            super().show(file)


def silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what could not be
    written raises nothing more at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    main()
