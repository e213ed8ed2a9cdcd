"""Escaping for everything svclint writes, one function per kind of output.

A scanned repository is untrusted (svclint runs on pull requests): service, variable, route, topic and
file names and contract fields are its text, and must reach each output as text of that output, never
as its markup. Every renderer embeds repository text through one of these functions; names that are
already plain (letters, digits, `-`, `_`, `.`, `/`) come out exactly as they went in.

* `text`: terminals and CI logs. Control characters (ESC, newlines, bidi overrides...) are shown
  escaped (`\\x1b`, `\\n`), and CI log commands are defused: GitHub Actions runs a line whose first
  non-blank characters are `::` as a workflow command, and `##[` (GitHub) or `##vso[` (Azure) anywhere.
* `github_data` / `github_property`: GitHub's own escaping of a workflow command, over `text`.
* `markdown`, `markdown_code`, `markdown_block`, `markdown_link`, `markdown_anchor`: GitHub-flavoured
  Markdown; `html`: HTML text and attributes; `sarif_text`: SARIF plain-text messages.
* `mermaid` (labels, with Mermaid's entity codes) and `mermaid_ids`; `dot` (quoted strings) and
  `dot_ids`. Node ids are an injective mapping: names that would share an id get a hash suffix.
* `dns_labels`, `label_value`, `label_key`: Kubernetes names and labels (DNS-1123).
* `yaml_dump`: YAML whose every line starts with YAML, never with repository text.
"""
from __future__ import annotations

import hashlib
import html as _html
import re
from typing import Any, Callable, Iterable
from urllib.parse import quote

import yaml

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LOG_COMMAND = re.compile(r"##(vso)?\[")
_LINE_COMMAND = re.compile(r"^(\s*):(?=:)")


def _visible(ch: str) -> str:
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def text(value: object, line_start: bool = False, keep: str = "") -> str:
    """Plain text for a terminal or CI log, on one line; `line_start` when it begins the line.
    `keep`: control characters the caller escapes its own way."""
    out = _CONTROL.sub(lambda m: m.group() if m.group() in keep else _visible(m.group()), str(value))
    out = _LOG_COMMAND.sub(lambda m: f"##{m.group(1) or ''}\\x5b", out)
    return _LINE_COMMAND.sub(r"\1\\x3a", out) if line_start else out


def lines(value: str) -> str:
    """Multi-line text built elsewhere: each line made safe as a line of its own (`text`)."""
    return "\n".join(text(line, line_start=True) for line in value.split("\n"))


def github_data(value: object) -> str:
    """The message of a GitHub workflow command (`::error ...::message`); line breaks in GitHub's
    escaping (the annotation shows them), other control characters shown escaped."""
    return text(value, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: object) -> str:
    """A property value of a GitHub workflow command (`file=`, `title=`)."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def sarif_text(value: object) -> str:
    """A SARIF plain-text message: brackets escaped, so no embedded link (`[text](target)`) is formed."""
    return text(value).replace("[", "\\[").replace("]", "\\]")


def uri_path(path: str) -> str:
    """A relative path as a URI reference (SARIF `artifactLocation.uri`): percent-encoded past `/`."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def json_text(dumped: str) -> str:
    """JSON as `json.dumps` wrote it (control characters already escaped), with `##[` written
    `##\\u005b`: in a CI log it would be a GitHub command anywhere in a line, and in JSON it can only
    be inside a string."""
    return _LOG_COMMAND.sub(lambda m: f"##{m.group(1) or ''}\\u005b", dumped)


# ---------------------------------------------------------------------------------------------- HTML

def html(value: object) -> str:
    """HTML text or attribute value (quotes escaped too)."""
    return _html.escape(text(value), quote=True)


def html_block(value: str) -> str:
    """Multi-line text for a <pre>: HTML-escaped, each line as `lines` makes it."""
    return _html.escape(lines(value), quote=True)


_SAFE_SCHEMES = ("http", "https", "mailto")


def safe_url(url: str) -> str | None:
    """The URL when it is a fragment, a relative path or an http(s)/mailto URL; else None
    (javascript:, data:, vbscript: ... never become a link)."""
    url = url.strip()
    if _CONTROL.search(url):
        return None
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    if scheme and scheme.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return url


# ------------------------------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"[\\`*\[\]|#<>&]")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MD_LINE_START = re.compile(r"^(\s*)([-+=>~]|\d+[.)])")


def markdown(value: object) -> str:
    """Inline Markdown text: no HTML, link, image, code span, emphasis by `*`, table cell break or
    heading; one line (newlines shown as `\\n`); a leading list, quote or rule marker escaped."""
    out = _MD_SPECIAL.sub(lambda m: _MD_ENTITY.get(m.group(), "\\" + m.group()), text(value))
    return _MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", out)


def markdown_code(value: object, in_table: bool = False) -> str:
    """A code span holding the text verbatim; text with `<` or `&` as an HTML <code> element of
    escaped text instead (it renders the same, and no raw HTML is written)."""
    body = text(value)
    if re.search(r"[<>&]", body):
        return f"<code>{markdown(body)}</code>"
    fence = "`" * (max((len(r) for r in re.findall(r"`+", body)), default=0) + 1)
    if body.startswith("`") or body.endswith("`") or (body.startswith(" ") and body.endswith(" ") and body.strip()):
        body = f" {body} "
    return fence + (body.replace("|", "\\|") if in_table else body) + fence


def markdown_block(content: str, lang: str = "", markup: bool = False) -> list[str]:
    """A fenced code block no line of `content` can close. Content with `<` or `&` becomes an HTML
    <pre> of escaped text, unless `markup` says it is already escaped for `lang` (Mermaid)."""
    content = content.rstrip("\n")
    if not markup and re.search(r"[<>&]", content):
        return [f"<pre><code>{html_block(content)}</code></pre>"]
    longest = max((len(r) for r in re.findall(r"^\s*(`{3,})", content, re.M)), default=2)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, *lines(content).split("\n"), fence]


def markdown_anchor(value: object) -> str:
    """The fragment GitHub gives a heading of this text: lower case, punctuation dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", text(value).lower()).replace(" ", "-")


def markdown_link(label: object, target: str) -> str:
    """`[label](target)` when the target is safe (see `safe_url`) and the label is plain (renderers
    differ on escapes inside link text), else the label as escaped text."""
    url, shown = safe_url(target), markdown(label)
    if url is None or re.search(r"[\s()<>]", url) or shown != text(label):
        return shown
    return f"[{shown}]({url})"


# ----------------------------------------------------------------------------------- diagrams: ids

def unique_ids(names: Iterable[str], slug: Callable[[str], str], keeps: Callable[[str, str], bool],
               join: Callable[[str, str], str]) -> dict[str, str]:
    """name -> id, injective and deterministic: `slug(name)` where no other name has the same slug;
    where several do, the one `keeps(name, slug)` says it is exactly keeps it, the others get
    `join(slug, hash of the name)`, the hash lengthened until the id is free."""
    names = sorted(set(names))
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(slug(name), []).append(name)
    out: dict[str, str] = {}
    for s, group in groups.items():
        keeper = group[0] if len(group) == 1 else next((n for n in group if keeps(n, s)), None)
        if keeper is not None:
            out[keeper] = s
    used = set(out.values())
    for name in names:
        if name in out:
            continue
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
        n = 6
        while (candidate := join(slug(name), digest[:n] if n <= len(digest) else f"{digest}{n}")) in used:
            n += 1
        out[name] = candidate
        used.add(candidate)
    return out


def mermaid_ids(names: Iterable[str]) -> dict[str, str]:
    """Mermaid node ids: `n_` and the name with every other character than [A-Za-z0-9_] as `_`."""
    return unique_ids(names, lambda n: "n_" + re.sub(r"[^A-Za-z0-9_]", "_", n),
                      lambda n, s: s == "n_" + n, lambda s, h: f"{s}_{h}")


_MERMAID = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;", "|": "#124;",
            "%": "#37;"}
_MERMAID_SPECIAL = re.compile("[" + re.escape("".join(_MERMAID)) + "]")


def mermaid(value: object) -> str:
    """Text inside a quoted Mermaid label: markup, quotes, `%%` directives and markdown strings as
    Mermaid entity codes, control characters shown escaped."""
    return _MERMAID_SPECIAL.sub(lambda m: _MERMAID[m.group()], text(value))


def dot(value: object) -> str:
    """A quoted DOT string (id or label) of the text: backslashes, quotes shown as such, one line."""
    return '"' + text(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_label(*parts: object) -> str:
    """A quoted DOT label of several lines, one per part."""
    return '"' + "\\n".join(dot(p)[1:-1] for p in parts) + '"'


def dot_ids(names: Iterable[str]) -> dict[str, str]:
    """Quoted DOT node ids: the name itself, unless two names would be shown as the same."""
    return unique_ids(names, dot, lambda n, s: not _CONTROL.search(n),
                      lambda s, h: s[:-1] + f' #{h}"')


# -------------------------------------------------------------------------------------- Kubernetes

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?")
_LABEL_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


def _dns(name: str, room: int) -> str:
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", name.lower())).strip("-")
    return base[:room].rstrip("-") or "x"


def dns_labels(names: Iterable[str], suffix: str = "") -> dict[str, str]:
    """name -> a DNS-1123 label `<name><suffix>` (lower case, [a-z0-9-], at most 63 characters,
    alphanumeric at both ends), unique over `names`: one that would share its label with another,
    and is not exactly it, gets a short hash before the suffix."""
    room = 63 - len(suffix)
    return unique_ids(names, lambda n: _dns(n, room) + suffix, lambda n, s: n + suffix == s,
                      lambda s, h: _dns(s[: len(s) - len(suffix)], room - len(h) - 1) + f"-{h}{suffix}")


def _hashed(value: str, clean: str, room: int) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return (clean[: room - 9].rstrip("-_.") + "-" + digest).lstrip("-_.")


def label_value(value: str) -> str:
    """A valid Kubernetes label value: the value itself when valid, else a cleaned form with a hash."""
    if _LABEL_VALUE.fullmatch(value):
        return value
    clean = re.sub(r"^[-_.]+", "", re.sub(r"[^A-Za-z0-9_.-]", "-", value))
    return _hashed(value, clean, 63)


def label_key(key: str) -> str:
    """A valid label key (`[prefix/]name`): the key itself when valid, else a cleaned name with a hash."""
    prefix, _, name = key.rpartition("/")
    if (not prefix or _LABEL_PREFIX.fullmatch(prefix)) and name and _LABEL_VALUE.fullmatch(name):
        return key
    return label_value(key.replace("/", "-")) if key else "x"


def dns_label(name: str) -> str:
    """A namespace (or other single name) as a DNS-1123 label: itself when valid, else cleaned."""
    return name if _DNS_LABEL.fullmatch(name) else _dns(name, 63)


# -------------------------------------------------------------------------------------------- YAML

class _Dumper(yaml.SafeDumper):
    """Safe YAML where repository text never begins a line: no line folding, and strings with line
    breaks or control characters, or that could read as a CI log command, double-quoted."""

    def ignore_aliases(self, data: Any) -> bool:   # repeated values written out, not as &anchors
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    quoted = _CONTROL.search(value) or _LOG_COMMAND.search(value) or _LINE_COMMAND.search(value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if quoted else None)


_Dumper.add_representer(str, _represent_str)


def yaml_dump(data: Any, many: bool = False, **options: Any) -> str:
    """`yaml.safe_dump` (or `safe_dump_all` with `many`) through the dumper above. `##[` can only be
    inside a double-quoted string there, where it is written `##\\x5b`."""
    options = {"width": 1 << 30, "allow_unicode": False, **options}
    dumped = (yaml.dump_all if many else yaml.dump)(data, Dumper=_Dumper, **options)
    return _LOG_COMMAND.sub(lambda m: f"##{m.group(1) or ''}\\x5b", dumped)
