"""Gateway configuration (nginx, Envoy) -> `GatewayRoute`s: a gateway's routes are edges to the
services behind it, even when no code of the gateway exists in the repository.

nginx is read with a small tolerant tokenizer (nginx configs are not YAML, and `.template` files
carry envsubst placeholders), never by running nginx. Upstreams are kept as written: `${VAR}`
placeholders stay for `resolve` to fill in from the deployment, nginx `$variables` are replaced only
when a `set` for them is visible in an enclosing block.

Conventions: an nginx route's line is its `*_pass` directive's; a route outside any `location`
(the `stream` module) has path ""; an Envoy route's line is its `cluster:` key's, its upstream the
"host:port" of each endpoint of that cluster, or the cluster name when the file defines no endpoints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from svclint.extract.kubernetes import yaml_errors
from svclint.model import DeployFacts, GatewayRoute, ParseError
from svclint.yamlio import line_of, load_all, mappings

PASS_DIRECTIVES = frozenset({"proxy_pass", "grpc_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass"})
# blocks whose contents are not directives (map tables, MIME types) or hold no routes
_OPAQUE_BLOCKS = frozenset({"upstream", "map", "types", "geo", "split_clients", "match", "charset_map"})
_MODIFIERS = ("^~", "~*", "~", "=")
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_MAX_SUBSTITUTIONS = 5
_MAX_DEPTH = 100              # real configs nest a handful of blocks; deeper is hostile input
_NGINX_SHAPE = re.compile(
    r"^\s*(?:(?:http|server|location|upstream|stream|events)\b[^;{}\n]*\{|\w+_pass\s)", re.M)


@dataclass(frozen=True)
class _Token:
    kind: str                     # word | { | } | ;
    text: str
    line: int


@dataclass(frozen=True)
class _Directive:
    name: str
    args: tuple[str, ...]
    line: int
    block: tuple[_Directive, ...] | None = None


# ----------------------------------------------------------------------------------------------
# nginx


def is_nginx(text: str) -> bool:
    """Whether a `*.conf` file looks like nginx at all: Apache, fluentd and supervisord use the
    same extension, and reading them as nginx would only produce spurious parse errors."""
    return _NGINX_SHAPE.search(text) is not None


def extract_nginx(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """Routes of an nginx config; what cannot be read is reported and skipped, never raised."""
    tokens, errors = _tokenize(text)
    directives = _parse(tokens, errors, truncated=bool(errors))
    upstreams = _upstreams(directives)
    routes = list(_nginx_routes(directives, path, "", {}, upstreams))
    return DeployFacts(routes=tuple(routes)), errors


def _tokenize(text: str) -> tuple[list[_Token], list[ParseError]]:
    tokens: list[_Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch == "{" and tokens and tokens[-1].text.endswith("_by_lua_block"):
            end = _lua_block_end(text, i)
            tokens += [_Token("{", "{", line), _Token("}", "}", line + text.count("\n", i, end))]
            line += text.count("\n", i, end + 1)
            i = end + 1
        elif ch in "{};":
            tokens.append(_Token(ch, ch, line))
            i += 1
        elif ch in "\"'":
            end = _string_end(text, i)
            if end < 0:
                return tokens, [ParseError("unterminated quoted string in nginx config", line)]
            tokens.append(_Token("word", _unescape(text[i + 1:end]), line))
            line += text.count("\n", i, end)
            i = end + 1
        else:
            end = _word_end(text, i)
            tokens.append(_Token("word", text[i:end], line))
            i = end
    return tokens, []


def _string_end(text: str, start: int) -> int:
    """Index of the quote closing the string opened at `start`; -1 when it never closes."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i
        else:
            i += 1
    return -1


def _lua_block_end(text: str, start: int) -> int:
    """Index of the `}` closing a `*_by_lua_block {`: Lua code is not nginx syntax (its strings and
    `--` comments may hold braces and semicolons), so it is skipped, as nginx's Lua module does."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = _string_end(text, i)
            i = len(text) if end < 0 else end + 1
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0:
            return i
        i += 1
    return len(text) - 1


def _unescape(raw: str) -> str:
    """nginx resolves only escaped quotes and backslashes; `\\.` in a regex location stays as it is."""
    return re.sub(r"\\([\"'\\])", r"\1", raw)


def _word_end(text: str, start: int) -> int:
    """End of a bare word: `${VAR}` keeps its braces, as nginx itself reads them."""
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "$" and text.startswith("{", i + 1):
            close = text.find("}", i)
            i = len(text) if close < 0 else close + 1
        elif ch.isspace() or ch in "{};":
            return i
        else:
            i += 1
    return i


def _parse(tokens: list[_Token], errors: list[ParseError], truncated: bool = False) -> tuple[_Directive, ...]:
    """Tokens -> directive tree. Unbalanced braces and missing semicolons, which nginx would refuse,
    are reported and repaired the likeliest way, so the routes around them are still read."""
    stack: list[tuple[list[str], int, list[_Directive]]] = [([], 0, [])]
    words: list[str] = []
    first = 0
    for tok in tokens:
        if tok.kind == "word":
            first = first if words else tok.line
            words.append(tok.text)
        elif tok.kind == ";":
            if words:
                stack[-1][2].append(_Directive(words[0], tuple(words[1:]), first))
            words = []
        elif tok.kind == "{":
            if len(stack) > _MAX_DEPTH:
                errors.append(ParseError("nginx blocks nested too deeply; rest of the file not read", tok.line))
                truncated = True
                break
            stack.append((words, first if words else tok.line, []))
            words = []
        elif len(stack) == 1:
            errors.append(ParseError("unexpected '}' in nginx config", tok.line))
        else:
            if words:
                errors.append(ParseError("missing ';' before '}' in nginx config", tok.line))
                stack[-1][2].append(_Directive(words[0], tuple(words[1:]), first))
            _close(stack)
            words = []
    if words and not truncated:
        errors.append(ParseError("missing ';' at end of nginx config", first))
    while len(stack) > 1:
        if not truncated:
            errors.append(ParseError("unclosed '{' in nginx config", stack[-1][1]))
        _close(stack)
    return tuple(stack[0][2])


def _close(stack: list[tuple[list[str], int, list[_Directive]]]) -> None:
    head, line, children = stack.pop()
    name, args = (head[0], tuple(head[1:])) if head else ("", ())
    stack[-1][2].append(_Directive(name, args, line, tuple(children)))


def _blocks(directives: tuple[_Directive, ...]) -> Iterator[_Directive]:
    for d in directives:
        yield d
        if d.block is not None:
            yield from _blocks(d.block)


def _upstreams(directives: tuple[_Directive, ...]) -> dict[str, tuple[str, ...]]:
    """`upstream NAME { server host:port ...; }` blocks, wherever they are (http or stream)."""
    found: dict[str, tuple[str, ...]] = {}
    for d in _blocks(directives):
        if d.name == "upstream" and d.args and d.block is not None:
            found.setdefault(d.args[0], tuple(s.args[0] for s in d.block if s.name == "server" and s.args))
    return found


def _nginx_routes(block: tuple[_Directive, ...], path: str, location: str, sets: dict[str, str],
                  upstreams: dict[str, tuple[str, ...]]) -> Iterator[GatewayRoute]:
    sets = {**sets, **{d.args[0][1:]: d.args[1] for d in block
                       if d.name == "set" and len(d.args) >= 2 and d.args[0].startswith("$")}}
    for d in block:
        if d.name in PASS_DIRECTIVES and d.args and d.block is None:
            target = _substitute(d.args[0], sets)
            for upstream in _expand(target, upstreams):
                yield GatewayRoute(path=location, upstream=upstream, file=path, line=d.line)
        elif d.block is not None and d.name not in _OPAQUE_BLOCKS:
            inner = _location_path(d.args) if d.name == "location" else location
            yield from _nginx_routes(d.block, path, inner, sets, upstreams)


def _location_path(args: tuple[str, ...]) -> str:
    """The location's path without its modifier, whether written apart (`= /x`) or attached (`=/x`)."""
    if len(args) >= 2 and args[0] in _MODIFIERS:
        return args[1]
    arg = args[0] if args else ""
    for modifier in _MODIFIERS:
        if arg.startswith(modifier) and len(arg) > len(modifier):
            return arg[len(modifier):]
    return arg


def _substitute(value: str, sets: dict[str, str]) -> str:
    """Replace nginx variables that a visible `set` defines; others (and envsubst's) stay as written."""
    for _ in range(_MAX_SUBSTITUTIONS):
        new = _VARIABLE.sub(lambda m: sets.get(m.group(1) or m.group(2), m.group(0)), value)
        if new == value:
            break
        value = new
    return value


def _expand(target: str, upstreams: dict[str, tuple[str, ...]]) -> list[str]:
    """A pass target naming an `upstream` block becomes one target per server of that block."""
    scheme, sep, rest = target.partition("://")
    if not sep:
        scheme, rest = "", target
    host, slash, uri = rest.partition("/")
    servers = upstreams.get(host)
    if not servers:
        return [target]
    prefix = f"{scheme}://" if scheme else ""
    return [f"{prefix}{server}{slash}{uri}" for server in servers]


# ----------------------------------------------------------------------------------------------
# Envoy


def is_envoy(docs: list[Any]) -> bool:
    """Whether a loaded YAML/JSON stream is an Envoy bootstrap config."""
    return any(isinstance(d, dict) and (isinstance(d.get("static_resources"), dict)
                                        or isinstance(d.get("dynamic_resources"), dict)) for d in docs)


def extract_envoy(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """Routes of an Envoy config: each route's prefix to the endpoints of the cluster it targets."""
    docs, problems = load_all(text)
    routes: list[GatewayRoute] = []
    for doc in docs:
        if isinstance(doc, dict):
            routes.extend(_envoy_routes(doc, path))
    return DeployFacts(routes=tuple(routes)), yaml_errors(problems, text)


def _envoy_routes(doc: dict, path: str) -> Iterator[GatewayRoute]:
    maps = list(mappings(doc))
    clusters: dict[str, tuple[str, ...]] = {}
    for m in maps:
        if isinstance(m.get("name"), str) and ("load_assignment" in m or "hosts" in m):
            clusters.setdefault(m["name"], _endpoints(m))
    for m in maps:
        for vhost in _maps(m.get("virtual_hosts")):
            for route in _maps(vhost.get("routes")):
                yield from _route(route, clusters, path)


def _route(route: dict, clusters: dict[str, tuple[str, ...]], path: str) -> Iterator[GatewayRoute]:
    prefix = _match_path(_map(route.get("match")))
    action = _map(route.get("route"))
    targets: list[tuple[str, int]] = []
    if isinstance(action.get("cluster"), str):
        targets.append((action["cluster"], line_of(action, "cluster")))
    weighted = _map(action.get("weighted_clusters")).get("clusters")
    for i, item in enumerate(_list(weighted)):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            targets.append((item["name"], line_of(weighted, i)))
    for cluster, line in targets:
        for upstream in clusters.get(cluster) or (cluster,):
            yield GatewayRoute(path=prefix, upstream=upstream, file=path, line=line)


def _match_path(match: dict) -> str:
    for key in ("prefix", "path", "path_separated_prefix"):
        if isinstance(match.get(key), str):
            return match[key]
    regex = _map(match.get("safe_regex")).get("regex", match.get("regex"))
    return regex if isinstance(regex, str) else ""


def _endpoints(cluster: dict) -> tuple[str, ...]:
    """"host:port" of each endpoint: v3 `load_assignment` or the older v2 `hosts` list."""
    addresses = [_map(_map(lb.get("endpoint")).get("address"))
                 for group in _maps(_map(cluster.get("load_assignment")).get("endpoints"))
                 for lb in _maps(group.get("lb_endpoints"))]
    addresses += _maps(cluster.get("hosts"))
    out = []
    for address in addresses:
        socket = _map(address.get("socket_address"))
        if isinstance(socket.get("address"), str):
            port = socket.get("port_value", socket.get("named_port"))
            out.append(socket["address"] if port is None else f"{socket['address']}:{port}")
    return tuple(out)



def _map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _maps(value: Any) -> list[dict]:
    return [x for x in _list(value) if isinstance(x, dict)]
