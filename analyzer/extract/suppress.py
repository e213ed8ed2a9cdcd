"""Suppressions, read from the text of a file (comments in Python, YAML, Dockerfiles; YAML annotations).

    x = requests.get(url)  # svclint: ignore[RES001] the batch job may wait
    # svclint: ignore[RES001] a comment alone on its line covers the next statement
    # svclint: ignore-file[OBS004] generated module

In Python a comment covers the whole statement it ends (or stands above), so one at the end of a call
written over several lines covers the call.

In YAML a comment on the line of a key (or alone on the line above it) covers the whole object that
key starts — a compose service, a list item, a whole Kubernetes document when it stands above
`apiVersion:` — and so does an annotation or label on the object:

    metadata:
      annotations:
        svclint.io/ignore: "OBS002 probes come from the mesh"     # the whole document
    services:
      web:
        labels: ["svclint.io/ignore=OBS002 the mesh probes it"]   # the compose service `web`

Several rules go in one bracket, separated by commas (`ignore[RES001,OBS002] reason`); an id prefix
(`RES`) covers the rules it starts. A reason is required: a suppression without one (or naming no
rule) is still recorded so the engine reports it (E003) instead of silently honouring it.
"""
from __future__ import annotations

import io
import re
import tokenize

from ..model import Suppression

_PATTERN = re.compile(r"#\s*svclint:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?[ \t]*(.*)$")
_ANNOTATION = "svclint.io/ignore"


def _codes(text: str) -> tuple[str, ...]:
    return tuple(sorted({c.upper() for c in re.split(r"[,\s]+", text) if c}))


def _parse(comment: str) -> tuple[str, tuple[str, ...], str] | None:
    m = _PATTERN.search(comment)
    if not m:
        return None
    return m.group(1), _codes(m.group(2) or ""), m.group(3).strip()


def find_suppressions(text: str, lang: str = "") -> tuple[Suppression, ...]:
    """Every suppression in `text`. `lang` "python": only real comments count (tokenize), "yaml": a
    comment covers the object it stands on, and annotations count; else any `#` comment."""
    if "svclint" not in text:
        return ()
    yaml = lang == "yaml"
    lines = text.splitlines()
    statements: dict[int, tuple[int, int]] = {}
    comments = _python_comments(text, statements) if lang == "python" else None
    if comments is None:
        comments = _line_comments(lines)
    found: list[Suppression] = []
    spans = _yaml_spans(text) if yaml else None
    for number, column, comment in comments:
        parsed = _parse(comment)
        if parsed is None:
            continue
        form, codes, reason = parsed
        if form == "ignore-file":
            found.append(Suppression(number, codes, reason, form="file"))
            continue
        alone = not lines[number - 1][:column].strip()
        target = _next_code_line(lines, number, yaml) if alone else number
        if spans is not None:
            end = spans[0].get(target, target)
            found.append(Suppression(number, codes, reason, target, end, "object" if end > target else "line"))
        else:
            start, end = statements.get(target, (target, target))
            found.append(Suppression(number, codes, reason, start, end))
    if spans is not None:
        found.extend(spans[1])
    return tuple(sorted(set(found), key=lambda s: (s.line, s.form, s.codes)))


_NOT_CODE = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
             tokenize.ENCODING, tokenize.ENDMARKER)


def _python_comments(text: str, statements: dict[int, tuple[int, int]]) -> list[tuple[int, int, str]] | None:
    """(line, column, text) of each real comment (not text in strings); None when tokenizing fails.

    Fills `statements`: each line of a statement that spans several lines -> (first, last) line, so a
    comment at the end of a multi-line call covers the whole call."""
    out = []
    start = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and "svclint" in tok.string:
                out.append((tok.start[0], tok.start[1], tok.string))
            elif tok.type not in _NOT_CODE and not start:
                start = tok.start[0]
            elif tok.type == tokenize.NEWLINE and start:
                if tok.start[0] > start:
                    statements.update({n: (start, tok.start[0]) for n in range(start, tok.start[0] + 1)})
                start = 0
    except (tokenize.TokenError, IndentationError, SyntaxError):
        statements.clear()
        return None
    return out


def _line_comments(lines: list[str]) -> list[tuple[int, int, str]]:
    out = []
    for number, line in enumerate(lines, start=1):
        if "svclint" not in line:
            continue
        for m in re.finditer(r"(?:^|(?<=\s))#", line):
            if _PATTERN.match(line, m.start()):
                out.append((number, m.start(), line[m.start():]))
                break
    return out


def _next_code_line(lines: list[str], number: int, yaml: bool) -> int:
    """The first line after `number` that is neither blank nor a comment (`number` when none)."""
    for i in range(number, len(lines)):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#") and not (yaml and stripped == "---"):
            return i + 1
    return number


# ---------------------------------------------------------------------------------------------- YAML objects


def _yaml_spans(text: str) -> tuple[dict[int, int], list[Suppression]] | None:
    """(line where an object starts -> its last line, annotation suppressions); None when not YAML."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from ..yamlio import _Loader

    spans: dict[int, int] = {}
    annotations: list[Suppression] = []
    ends: dict[int, int] = {}

    def end_of(node) -> int:
        key = id(node)
        if key in ends:
            return ends[key]
        ends[key] = node.start_mark.line + 1       # guards shared (aliased) nodes against loops
        if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
            m = node.end_mark
            last = m.line if m.column == 0 and m.line > node.start_mark.line else m.line + 1
        elif isinstance(node, MappingNode):
            last = max([end_of(v) for _, v in node.value] + [node.start_mark.line + 1])
        else:
            last = max([end_of(v) for v in node.value] + [node.start_mark.line + 1])
        ends[key] = last
        return last

    def mark(start: int, end: int) -> None:
        if end > spans.get(start, start):
            spans[start] = end

    def annotation(value: str, line: int, obj: tuple[int, int]) -> None:
        codes, _, reason = value.strip().partition(" ")
        annotations.append(Suppression(line, _codes(codes), reason.strip(), obj[0], obj[1], "annotation"))

    seen: set[int] = set()

    def walk(node, obj: tuple[int, int], compose_services: bool) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                start = k.start_mark.line + 1
                end = end_of(v)
                mark(start, end)
                key = k.value if isinstance(k, ScalarNode) else None
                if key == _ANNOTATION and isinstance(v, ScalarNode):
                    annotation(str(v.value), start, obj)
                    continue
                walk(v, (start, end) if compose_services else obj, False)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                mark(item.start_mark.line + 1, end_of(item))
                if isinstance(item, ScalarNode) and str(item.value).startswith(_ANNOTATION + "="):
                    annotation(str(item.value)[len(_ANNOTATION) + 1:], item.start_mark.line + 1, obj)
                walk(item, obj, False)

    try:
        for root in yaml.compose_all(text, Loader=_Loader):
            if root is None:
                continue
            whole = (root.start_mark.line + 1, end_of(root))
            mark(*whole)
            if isinstance(root, MappingNode):
                for k, v in root.value:
                    start, end = k.start_mark.line + 1, end_of(v)
                    mark(start, end)
                    key = k.value if isinstance(k, ScalarNode) else None
                    if key == _ANNOTATION and isinstance(v, ScalarNode):
                        annotation(str(v.value), start, whole)
                    else:
                        walk(v, whole, key == "services")
            else:
                walk(root, whole, False)
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return ({}, []) if not spans else (spans, annotations)
    return spans, annotations
