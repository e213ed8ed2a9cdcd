"""Facts from a `.env` / compose `env_file`: the variables it sets, in file order.

The format is the one docker compose reads (its dotenv dialect): `KEY=value`, `export KEY=value`,
`KEY: value`, comments, single quotes (literal), double quotes (with `\\n`, `\\t`, `\\"` escapes),
quoted values spanning several lines, and an unquoted value's ` # comment` cut off. `${VAR}`
references are kept as written: `resolve` substitutes them with knowledge of the whole repository.
"""
from __future__ import annotations

import re

from svclint.model import DeployFacts, EnvVar, ParseError

_ASSIGNMENT = re.compile(r"^(?:export\s+)?(?P<key>[A-Za-z0-9_.\-]+)\s*(?:(?P<sep>=|:(?=\s|$))(?P<rest>.*))?$")
_INLINE_COMMENT = re.compile(r"\s#")
_DOUBLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def extract_envfile(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """Variables of one env file.

    `DeployFacts.env_file` holds (name, value) in file order for every variable given a value.
    `DeployFacts.dockerfile_env` is reused to carry the same variables as `EnvVar`s with their line
    numbers, so findings can point at them; a bare `KEY` (passed through from the shell, value
    unknown) appears only there, with value None.
    """
    lines = text.lstrip("\ufeff").splitlines()
    variables: list[EnvVar] = []
    errors: list[ParseError] = []
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if match is None:
            errors.append(ParseError(f"not a KEY=value line: {line[:60]!r}", number))
            continue
        if match["sep"] is None:
            variables.append(EnvVar(match["key"], None, number))
            continue
        value, i, error = _value(match["rest"].lstrip(), lines, i)
        if error:
            errors.append(ParseError(error, number))
        variables.append(EnvVar(match["key"], value, number))
    pairs = tuple((v.name, v.value) for v in variables if v.value is not None)
    return DeployFacts(env_file=pairs, dockerfile_env=tuple(variables)), errors


def _value(rest: str, lines: list[str], i: int) -> tuple[str, int, str]:
    """(value, index of the next line, error) for the text after `=`; quotes may span lines."""
    if not rest or rest[0] not in "'\"":
        match = _INLINE_COMMENT.search(rest)
        return (rest[:match.start()] if match else rest).rstrip(), i, ""
    quote, body, j = rest[0], rest[1:], i
    while True:
        end = _closing(body, quote)
        if end >= 0:
            inner = body[:end]
            return (inner if quote == "'" else _unescape(inner)), j, ""
        if j >= len(lines):
            return rest[1:].rstrip(), i, f"unterminated {quote} quoted value"
        body += "\n" + lines[j]
        j += 1


def _closing(body: str, quote: str) -> int:
    """Index of the quote that closes `body`, -1 when none (double quotes honour backslashes)."""
    k = 0
    while k < len(body):
        if quote == '"' and body[k] == "\\":
            k += 2
            continue
        if body[k] == quote:
            return k
        k += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _DOUBLE_ESCAPES.get(m.group(1), m.group(0)), text, flags=re.S)
