"""Facts from a docker-compose file: one `Workload` per service, plus Traefik routes from labels.

Compose files are written by hand in many dialects (v1 with the services at the top level, v2/v3
and the Compose Specification under `services:`, anchors and `<<:` merges, list and map forms of
the same key), so every reader here accepts each form compose accepts and quietly ignores shapes
it does not know. Only a file compose itself would refuse (a `services:` that is not a mapping, a
service that is a list) is reported, as a `ParseError`; nothing here ever raises on bad input.

Paths in the facts are relative to the repository root, because `resolve` matches build contexts
against the directories the Python files live in; compose resolves them against the directory of
the compose file, so that directory is joined in here.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Iterator

from svclint.model import DeployFacts, EnvVar, GatewayRoute, ParseError, Probe, Workload
from svclint.yamlio import YList, YMap, load_all

_V1_SERVICE_KEYS = ("image", "build")
_HTTP_CLIENT = re.compile(r"\b(?:curl|wget|urlopen|requests\.get|httpx\.get|http\.client)\b")
_URL = re.compile(r"(?P<scheme>https?)://(?P<host>\[[^\]]*\]|[^/\s:'\"?#]+)"
                  r"(?::(?P<port>[^/\s'\"?#]+))?(?P<path>/[^\s'\"?#]*)?")
_LOCAL_URL = re.compile(r"(?<![\w.-])(?P<host>localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])"
                        r"(?::(?P<port>[^/\s'\"?#]+))?(?P<path>/[^\s'\"?#]*)?")
_ROUTER_RULE = re.compile(r"^traefik\.http\.routers\.[^.]+\.rule$")
_V1_RULE = re.compile(r"^traefik(?:\.[^.]+)?\.frontend\.rule$")
_PATH_MATCHER = re.compile(r"\b(?:PathPrefix|Path)\s*\(([^)]*)\)")
_QUOTED = re.compile(r"[`\"']([^`\"']*)[`\"']")
_V1_PATHS = re.compile(r"\b(?:PathPrefixStrip|PathPrefix|PathStrip|Path)\s*:\s*([^;]+)")
_YAML11_ONLY_BOOLS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")


@dataclass(frozen=True)
class _Source:
    """What every reader needs to know about the file: where it is and its raw lines."""
    path: str
    dir: str
    lines: tuple[str, ...]


def extract_compose(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """Workloads and gateway routes of one compose file (`path` relative to the repo root).

    `Workload.build_context` and `Workload.dockerfile` are repository-relative paths (the Dockerfile
    joined to its context, `Dockerfile` when none is named) so `resolve` can look their facts up
    directly. YAML problems come back as ParseErrors; duplicate keys keep "duplicate key" in the
    message so the caller can give them a lower severity.
    """
    docs, problems = load_all(text)
    errors = [ParseError(p.message, p.line, p.column) for p in problems]
    src = _Source(path, posixpath.dirname(path), tuple(text.split("\n")))
    workloads: list[Workload] = []
    routes: list[GatewayRoute] = []
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, YMap):
            errors.append(ParseError("compose file is not a mapping at the top level", _line(doc)))
            continue
        for name, spec, line in _services(doc, errors):
            workload = _workload(name, spec, line, src, errors)
            if workload is not None:
                workloads.append(workload)
                routes.extend(_traefik_routes(name, spec, src))
    return DeployFacts(workloads=tuple(workloads), routes=tuple(routes)), errors


def _services(doc: YMap, errors: list[ParseError]) -> list[tuple[str, Any, int]]:
    """(name, spec, line) of every service, from `services:` or, for compose v1, the top level."""
    if "services" in doc:
        services = doc["services"]
        if services is None:
            return []
        if not isinstance(services, YMap):
            errors.append(ParseError("`services` is not a mapping", doc.line_of("services")))
            return []
        return [(_text(k), v, services.line_of(k)) for k, v in services.items()
                if not _text(k).startswith("x-")]
    if "version" in doc:
        return []
    # compose v1: no `services:`; services are the top-level mappings that build or pull an image
    return [(_text(k), v, doc.line_of(k)) for k, v in doc.items()
            if isinstance(v, YMap) and any(key in v for key in _V1_SERVICE_KEYS)]


def _workload(name: str, spec: Any, line: int, src: _Source,
              errors: list[ParseError]) -> Workload | None:
    if spec is None:
        return Workload(name=name, source="compose", kind="service", file=src.path, line=line)
    if not isinstance(spec, YMap):
        errors.append(ParseError(f"service {name!r} is not a mapping", line))
        return None
    context, dockerfile = _build(spec.get("build"), src)
    return Workload(
        name=name, source="compose", kind="service", file=src.path, line=line,
        image=_scalar(spec.get("image")),
        build_context=context,
        dockerfile=dockerfile,
        command=_command(spec),
        env=_env(spec.get("environment"), src),
        env_from=_env_files(spec.get("env_file"), src),
        ports=_ports(spec, src),
        probes=_probes(spec.get("healthcheck"), line),
        replicas=_replicas(spec),
        labels=tuple(sorted({k: v for k, v, _ in _label_items(spec)}.items())),
        aliases=_aliases(name, spec),
        depends_on=_depends_on(spec.get("depends_on")),
        has_resources=_has_resources(spec),
        run_as_non_root=_non_root(spec.get("user")),
        extends=_extends(spec.get("extends"), src),
    )


def _extends(value: Any, src: _Source) -> str:
    """`extends: base` or `extends: {service: base, file: common.yml}` -> "file#service"."""
    if isinstance(value, str):
        return f"{src.path}#{value}"
    if isinstance(value, YMap) and isinstance(value.get("service"), str):
        file = value.get("file")
        path = posixpath.normpath(posixpath.join(src.dir, file)) if isinstance(file, str) else src.path
        return f"{path}#{value['service']}"
    return ""


# ----------------------------------------------------------------------------------------------
# scalars


def _text(value: Any) -> str:
    """A scalar as compose would see it as a string (YAML booleans are lower-case there)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _scalar(value: Any) -> str:
    """`_text` for scalars, "" for mappings and lists where a string was expected."""
    return "" if isinstance(value, (dict, list)) else _text(value)


def _line(value: Any, default: int = 1) -> int:
    return value.line if isinstance(value, (YMap, YList)) else default


def _as_written(value: Any, src: _Source, line: int, key: Any = None) -> str:
    """The source text of a non-string scalar, so `1.10`, `22:22` and `yes` stay as written.

    PyYAML reads YAML 1.1 (`1.10` -> 1.1, `22:22` -> 1342, `yes` -> True) while compose reads YAML
    1.2 and keeps the characters; the token on the value's line is used only when loading it alone
    gives back the same value, so a wrong guess falls back to the plain conversion.
    """
    if isinstance(value, str) or value is None or not 1 <= line <= len(src.lines):
        return _text(value)
    lead = (r"(?:^|[\s{,])[\"']?" + re.escape(_text(key)) + r"[\"']?\s*:\s*") if key is not None \
        else r"^\s*-\s*"
    match = re.search(lead + r"([^\s,\]}#'\"]+)", src.lines[line - 1])
    if match is None:
        return _text(value)
    token = match.group(1)
    docs, problems = load_all(token)
    if problems or len(docs) != 1 or type(docs[0]) is not type(value) or docs[0] != value:
        return _text(value)
    if isinstance(value, bool) and not _YAML11_ONLY_BOOLS.match(token):
        return _text(value)
    return token


def _strings(value: Any) -> list[str]:
    """A string or a list of scalars, as a list of strings (other shapes: nothing)."""
    if isinstance(value, list):
        return [_text(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    if value is None or isinstance(value, dict):
        return []
    return [_text(value)]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# ----------------------------------------------------------------------------------------------
# build, command, environment


def _build(build: Any, src: _Source) -> tuple[str, str]:
    """(context, Dockerfile) as repository paths; ("", "") when nothing is built or it is remote."""
    if isinstance(build, YMap):
        context, dockerfile = build.get("context"), build.get("dockerfile")
    elif build is None or isinstance(build, list):
        return "", ""
    else:
        context, dockerfile = build, None
    context_text = _scalar(context) or "."
    if "://" in context_text or context_text.startswith(("git@", "github.com/")):
        return "", ""
    repo_context = _repo_path(src.dir, context_text)
    if not repo_context:
        return "", ""
    return repo_context, _repo_path(repo_context, _scalar(dockerfile) or "Dockerfile")


def _repo_path(base: str, relative: str) -> str:
    """`relative` joined to the repo directory `base`; "" for absolute paths, which the repo cannot hold."""
    relative = relative.replace("\\", "/")
    if relative.startswith("/"):
        return ""
    return posixpath.normpath(posixpath.join(base, relative))


def _command(spec: YMap) -> str:
    """Entrypoint and command joined, as the container would start (words trimmed of blanks)."""
    words = _strings(spec.get("entrypoint")) + _strings(spec.get("command"))
    return " ".join(w.strip() for w in words if w.strip())


def _env(env: Any, src: _Source) -> tuple[EnvVar, ...]:
    """`environment` in list (`KEY=value`, bare `KEY`) or map form, in file order."""
    out: list[EnvVar] = []
    if isinstance(env, YList):
        for i, item in enumerate(env):
            if not isinstance(item, str) or not item.split("=", 1)[0].strip():
                continue
            key, sep, value = item.partition("=")
            out.append(EnvVar(key.strip(), value if sep else None, env.line_of(i)))
    elif isinstance(env, YMap):
        for key, value in env.items():
            if isinstance(value, (dict, list)):
                continue
            line = env.line_of(key)
            text = None if value is None else _as_written(value, src, line, key)
            out.append(EnvVar(_text(key), text, line))
    return tuple(out)


def _env_files(env_file: Any, src: _Source) -> tuple[str, ...]:
    """`env_file` (string, list, or list of `{path, required}`) as "file/<repo path>"."""
    if isinstance(env_file, dict):
        return ()
    items = env_file if isinstance(env_file, list) else [env_file]
    paths = [item.get("path") if isinstance(item, dict) else item for item in items]
    out = []
    for p in paths:
        text = _scalar(p)
        if text and (repo := _repo_path(src.dir, text)):
            out.append(f"file/{repo}")
    return tuple(out)


# ----------------------------------------------------------------------------------------------
# ports, healthchecks, scale


def _ports(spec: YMap, src: _Source) -> tuple[str, ...]:
    """`ports` (short and long syntax) and `expose`, as short-syntax strings."""
    out: list[str] = []
    for key in ("ports", "expose"):
        items = spec.get(key)
        if not isinstance(items, YList):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict):
                text = _long_port(item)
            elif isinstance(item, list) or item is None:
                text = ""
            else:
                text = _as_written(item, src, items.line_of(i))
            if text:
                out.append(text)
    return tuple(out)


def _long_port(port: dict) -> str:
    """Long-syntax port as `[host_ip:][published:]target[/protocol]`."""
    target = _scalar(port.get("target"))
    if not target:
        return ""
    text = target
    published = _scalar(port.get("published"))
    if published:
        text = f"{published}:{text}"
        host_ip = _scalar(port.get("host_ip"))
        if host_ip:
            text = f"{host_ip}:{text}"
    protocol = _scalar(port.get("protocol")).lower()
    return f"{text}/{protocol}" if protocol and protocol != "tcp" else text


def _probes(healthcheck: Any, service_line: int) -> tuple[Probe, ...]:
    """The healthcheck as a probe: http when it fetches a URL, exec otherwise; none when disabled."""
    if not isinstance(healthcheck, YMap) or healthcheck.get("disable") is True:
        return ()
    test = healthcheck.get("test")
    if not isinstance(test, (str, list)):
        return ()
    words = _strings(test)
    if isinstance(test, list) and words:
        if words[0].upper() == "NONE":
            return ()
        if words[0].upper() in ("CMD", "CMD-SHELL"):
            words = words[1:]
    command = " ".join(words).strip()
    if not command:
        return ()
    return (_probe(command, healthcheck.line_of("test", service_line)),)


def _probe(command: str, line: int) -> Probe:
    if _HTTP_CLIENT.search(command):
        match = _URL.search(command) or _LOCAL_URL.search(command)
        if match is not None:
            https = match.groupdict().get("scheme") == "https"
            return Probe(kind="healthcheck", type="http", path=match["path"] or "/",
                         port=match["port"] or ("443" if https else "80"), line=line)
    return Probe(kind="healthcheck", type="exec", line=line)


def _replicas(spec: YMap) -> int | None:
    deploy = spec.get("deploy")
    replicas = deploy.get("replicas") if isinstance(deploy, dict) else None
    return _int(replicas if replicas is not None else spec.get("scale"))


def _has_resources(spec: YMap) -> bool:
    deploy = spec.get("deploy")
    resources = deploy.get("resources") if isinstance(deploy, dict) else None
    limits = resources.get("limits") if isinstance(resources, dict) else None
    return bool(limits) or spec.get("mem_limit") is not None or spec.get("cpus") is not None


def _non_root(user: Any) -> bool | None:
    """False for `user: root`/`0`, True for another literal user, None when unset or templated."""
    name = _scalar(user).split(":", 1)[0].strip()
    if not name or "$" in name:
        return None
    return name not in ("root", "0")


# ----------------------------------------------------------------------------------------------
# names and labels


def _aliases(name: str, spec: YMap) -> tuple[str, ...]:
    """Other names the service answers to on the compose network."""
    names = _strings(spec.get("container_name")) + _strings(spec.get("hostname"))
    networks = spec.get("networks")
    if isinstance(networks, dict):
        for network in networks.values():
            if isinstance(network, dict):
                names.extend(_strings(network.get("aliases")))
    return tuple(dict.fromkeys(n for n in names if n and n != name))


def _depends_on(depends_on: Any) -> tuple[str, ...]:
    if isinstance(depends_on, dict):
        return tuple(_text(k) for k in depends_on)
    return tuple(_strings(depends_on)) if isinstance(depends_on, list) else ()


def _label_items(spec: YMap) -> Iterator[tuple[str, str, int]]:
    """(key, value, line) of every label, `deploy.labels` (swarm) first so service labels win."""
    deploy = spec.get("deploy")
    sources = [deploy.get("labels") if isinstance(deploy, dict) else None, spec.get("labels")]
    for labels in sources:
        if isinstance(labels, YList):
            for i, item in enumerate(labels):
                if isinstance(item, str) and item:
                    key, _, value = item.partition("=")
                    yield key.strip(), value, labels.line_of(i)
        elif isinstance(labels, YMap):
            for key, value in labels.items():
                if not isinstance(value, (dict, list)):
                    yield _text(key), _text(value), labels.line_of(key)


def _traefik_routes(name: str, spec: Any, src: _Source) -> list[GatewayRoute]:
    """Path routes Traefik sends to this service, from v2+ router rules and v1 frontend rules."""
    if not isinstance(spec, YMap):
        return []
    items = list(_label_items(spec))
    if any(k == "traefik.enable" and v.strip().lower() == "false" for k, v, _ in items):
        return []
    routes: dict[tuple[str, int], GatewayRoute] = {}
    for key, value, line in items:
        for path in _rule_paths(key, value):
            routes.setdefault((path, line), GatewayRoute(path=path, upstream=name, file=src.path,
                                                         line=line, gateway="traefik"))
    return list(routes.values())


def _rule_paths(key: str, rule: str) -> list[str]:
    if _ROUTER_RULE.match(key):
        return [p for args in _PATH_MATCHER.findall(rule) for p in _QUOTED.findall(args) if p]
    if _V1_RULE.match(key):
        return [p.strip() for paths in _V1_PATHS.findall(rule) for p in paths.split(",") if p.strip()]
    return []
