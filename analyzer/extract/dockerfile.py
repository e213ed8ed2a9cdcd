"""Facts from a Dockerfile: what the final image runs, as whom, with which environment and ports.

Only the stage that becomes the image matters to a running service: the last `FROM`, plus what it
inherits from an earlier stage it is built `FROM`. Builder stages' ENV, USER and CMD never reach the
container, so they are dropped. Lines are read the way BuildKit reads them (the `escape` parser
directive, continuations, comment and blank lines inside continuations, heredocs), so the line
numbers in the facts point at the instruction as written.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from svclint.model import DeployFacts, EnvVar, ParseError

_INSTRUCTIONS = frozenset({
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
    "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"})
_DIRECTIVE = re.compile(r"^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(\S+)\s*$")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class _Instruction:
    keyword: str                     # upper-case
    args: str                        # continuation lines joined, as BuildKit joins them
    line: int
    pieces: tuple[tuple[int, int], ...] = ()   # (offset in args where a physical line starts, line)
    escape: str = "\\"

    def line_at(self, offset: int) -> int:
        """Physical line holding character `offset` of `args`."""
        line = self.line
        for start, number in self.pieces:
            if start > offset:
                break
            line = number
        return line


@dataclass(frozen=True)
class _Stage:
    """What the image built by one stage carries forward into a stage built FROM it."""
    name: str = ""
    base: str = ""
    env: tuple[EnvVar, ...] = ()
    user: str = ""
    entrypoint: str = ""
    cmd: str = ""
    own_cmd: bool = False            # CMD set in this stage (an inherited one is reset by ENTRYPOINT)
    expose: tuple[str, ...] = ()
    user_line: int = 0
    from_line: int = 0


def extract_dockerfile(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """Base image, ENV (with lines), USER, ENTRYPOINT+CMD and EXPOSE of the final stage.

    `dockerfile_base` follows `FROM <stage>` back to the external image and substitutes the
    defaults of ARGs declared before the first FROM. Shell-form commands are kept as written (not
    wrapped in `/bin/sh -c`); ENV values keep `$VAR` references as written.
    """
    instructions, errors = _instructions(text)
    stages: list[_Stage] = []
    global_args: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "FROM":
            stage = _from(ins, stages, global_args, errors)
            if stage is not None:
                stages.append(stage)
        elif not stages:
            if ins.keyword == "ARG":
                global_args.update(_arg_defaults(ins))
            else:
                errors.append(ParseError(f"{ins.keyword} before the first FROM", ins.line))
        else:
            stages[-1] = _apply(stages[-1], ins, errors)
    if not stages:
        return DeployFacts(), errors
    last = stages[-1]
    command = " ".join(p for p in (last.entrypoint, last.cmd) if p)
    return DeployFacts(dockerfile_env=last.env, dockerfile_user=last.user, dockerfile_base=last.base,
                       dockerfile_cmd=command, dockerfile_expose=last.expose,
                       dockerfile_user_line=last.user_line, dockerfile_from_line=last.from_line), errors


# ----------------------------------------------------------------------------------------------
# lines -> instructions


def _instructions(text: str) -> tuple[list[_Instruction], list[ParseError]]:
    """Logical instructions with their lines; unknown keywords are reported and skipped."""
    lines = text.lstrip("\ufeff").splitlines()
    escape, i = _directives(lines)
    out: list[_Instruction] = []
    errors: list[ParseError] = []
    while i < len(lines):
        if _is_blank_or_comment(lines[i]):
            i += 1
            continue
        ins, i = _logical(lines, i, escape)
        if ins.keyword not in _INSTRUCTIONS:
            errors.append(ParseError(f"unknown instruction {ins.keyword!r}", ins.line))
            continue
        out.append(ins)
        if ins.keyword in ("RUN", "COPY", "ADD"):
            i = _skip_heredocs(lines, i, ins.args)
    return out, errors


def _directives(lines: list[str]) -> tuple[str, int]:
    """The escape character and the index of the first line after the parser directives."""
    escape, i = "\\", 0
    while i < len(lines):
        match = _DIRECTIVE.match(lines[i].strip())
        if match is None:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        i += 1
    return escape, i


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _logical(lines: list[str], i: int, escape: str) -> tuple[_Instruction, int]:
    """The instruction starting at line index `i`, and the index after it."""
    first = i + 1
    text = ""
    pieces: list[tuple[int, int]] = []
    while i < len(lines):
        body = lines[i].rstrip()
        continued = body.endswith(escape)
        pieces.append((len(text), i + 1))
        text += body[:-1] if continued else body
        i += 1
        if not continued:
            break
        while i < len(lines) and _is_blank_or_comment(lines[i]):
            i += 1
    keyword, args = _split_first(text)
    shift = len(text) - len(args)     # offsets of `args` inside `text`
    arg_pieces = tuple((max(start - shift, 0), line) for start, line in pieces)
    return _Instruction(keyword.upper(), args.rstrip(), first, arg_pieces, escape), i


def _split_first(text: str) -> tuple[str, str]:
    """First word and the rest (left-stripped) of `text`."""
    parts = text.split(None, 1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


def _skip_heredocs(lines: list[str], i: int, args: str) -> int:
    """Index after the bodies of the heredocs (`<<EOF`) the instruction opens."""
    for dash, _, word in _HEREDOC.findall(args):
        while i < len(lines):
            line = lines[i].lstrip("\t") if dash else lines[i]
            i += 1
            if line.rstrip() == word:
                break
    return i


# ----------------------------------------------------------------------------------------------
# instructions -> stage state


def _from(ins: _Instruction, stages: list[_Stage], args: dict[str, str],
          errors: list[ParseError]) -> _Stage | None:
    words = [w for w in ins.args.split() if not w.startswith("--")]
    if not words:
        errors.append(ParseError("FROM without an image", ins.line))
        return None
    image = _VARIABLE.sub(lambda m: args.get(m.group(1) or m.group(2), m.group(0)), words[0])
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
    parent = next((s for s in reversed(stages) if s.name and s.name.lower() == image.lower()), None)
    if parent is None:
        return _Stage(name=name, base=image, from_line=ins.line)
    return replace(parent, name=name, own_cmd=False, from_line=ins.line)


def _apply(stage: _Stage, ins: _Instruction, errors: list[ParseError]) -> _Stage:
    """The stage after one instruction (only those that shape the final container count)."""
    if ins.keyword == "ENV":
        return replace(stage, env=stage.env + tuple(_env(ins, errors)))
    if ins.keyword == "USER":
        return replace(stage, user=ins.args.split()[0] if ins.args.split() else "", user_line=ins.line)
    if ins.keyword == "CMD":
        return replace(stage, cmd=_command(ins.args), own_cmd=True)
    if ins.keyword == "ENTRYPOINT":
        return replace(stage, entrypoint=_command(ins.args), cmd=stage.cmd if stage.own_cmd else "")
    if ins.keyword == "EXPOSE":
        words = _words(ins.args, ins.escape)
        return replace(stage, expose=stage.expose + tuple(_unquote(w, ins.escape) for w, _ in words))
    return stage


def _command(args: str) -> str:
    """Exec form (a JSON array) joined with spaces; shell form as written."""
    if args.startswith("["):
        try:
            words = json.loads(args)
        except ValueError:
            words = None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return " ".join(words)
    return args


def _arg_defaults(ins: _Instruction) -> dict[str, str]:
    """`ARG A=1 B` -> {"A": "1"}: only ARGs with a default can be substituted statically."""
    out = {}
    for word, _ in _words(ins.args, ins.escape):
        name, sep, value = word.partition("=")
        if sep:
            out[name] = _unquote(value, ins.escape)
    return out


def _env(ins: _Instruction, errors: list[ParseError]) -> list[EnvVar]:
    """`ENV A=1 B="x y"` (each variable on the line where it is written) or legacy `ENV A 1`."""
    words = _words(ins.args, ins.escape)
    if not words:
        errors.append(ParseError("ENV without a variable", ins.line))
        return []
    if "=" not in words[0][0]:
        name, value = _split_first(ins.args)
        return [EnvVar(name, _unquote(value.strip(), ins.escape), ins.line)]
    out = []
    for word, offset in words:
        name, sep, value = word.partition("=")
        if not sep or not name:
            errors.append(ParseError(f"ENV expects NAME=value, got {word!r}", ins.line_at(offset)))
            continue
        out.append(EnvVar(name, _unquote(value, ins.escape), ins.line_at(offset)))
    return out


# ----------------------------------------------------------------------------------------------
# shell-like words


def _words(text: str, escape: str = "\\") -> list[tuple[str, int]]:
    """Whitespace-separated words, quotes and escapes kept, with the offset where each starts."""
    words: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start, quote = i, ""
        while i < n and (quote or not text[i].isspace()):
            char = text[i]
            if char == escape and quote != "'" and i + 1 < n:
                i += 2
                continue
            if quote and char == quote:
                quote = ""
            elif not quote and char in "\"'":
                quote = char
            i += 1
        words.append((text[start:i], start))
    return words


def _unquote(word: str, escape: str = "\\") -> str:
    """Quotes removed and backslash escapes applied, as Docker does for ENV values."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(word):
        char = word[i]
        if char == escape and quote != "'" and i + 1 < len(word):
            nxt = word[i + 1]
            if quote == '"' and nxt not in '"\\$':
                out.append(char)
            out.append(nxt)
            i += 2
            continue
        if quote and char == quote:
            quote = ""
        elif not quote and char in "\"'":
            quote = char
        else:
            out.append(char)
        i += 1
    return "".join(out)
