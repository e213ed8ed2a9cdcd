"""extract: one file in, `FileFacts` out. No cross-file knowledge, never raises on bad input."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import replace

from ..discover import read_regular
from ..model import DeployFacts, FileFacts, ParseError
from ..secrets import redact_facts
from .suppress import find_suppressions

MAX_BYTES = 5 * 1024 * 1024

_K8S = re.compile(r"^\s*apiVersion\s*:", re.M)
_KIND = re.compile(r"^\s*kind\s*:", re.M)
_COMPOSE_NAME = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$|\.compose\.ya?ml$", re.I)
_SERVICES = re.compile(r"^services\s*:", re.M)
_CONTRACT = re.compile(r"^service\s*:", re.M)
_ALERT_GROUPS = re.compile(r"^groups\s*:", re.M)
_ALERT = re.compile(r"^[\s-]*alert\s*:\s*['\"]?([\w.:-]+)", re.M)
_TEMPLATE = re.compile(r"\{\{-?\s|\{%-?\s")


def yaml_kind(path: str, text: str) -> str:
    """Which extractor a YAML file needs, judged from its name and a glance at its text."""
    name = path.rsplit("/", 1)[-1]
    if _COMPOSE_NAME.search(name) and _SERVICES.search(text):
        return "compose"
    if re.search(r"^apiVersion\s*:\s*skaffold/", text, re.M):
        return "skaffold"
    if re.search(r"^apiVersion\s*:\s*backstage\.io/", text, re.M):
        return "catalog"
    if _CONTRACT.search(text) and re.search(r"\bname\s*:", text):
        return "contract"
    if name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        return "kustomization"
    if _K8S.search(text) and _KIND.search(text):
        return "kubernetes"
    if "static_resources" in text and "clusters" in text:
        return "envoy"
    if _ALERT_GROUPS.search(text) and _ALERT.search(text):
        return "alerts"
    if _SERVICES.search(text) and re.search(r"^\s+(image|build)\s*:", text, re.M):
        return "compose"
    return "yaml"


_JSON_KEY = re.compile(r'"(apiVersion|kind|services)"\s*:')


def _json_kind(path: str, text: str) -> str:
    """A JSON deployment file is read as the YAML it is a subset of: a compose file by its name and
    `services`, otherwise a Kubernetes manifest when it states `apiVersion` and `kind`."""
    keys = set(_JSON_KEY.findall(text))
    name = path.rsplit("/", 1)[-1]
    if "services" in keys and re.search(r"compose([.-][\w.-]+)?\.json$", name, re.I):
        return "compose"
    return "kubernetes" if {"apiVersion", "kind"} <= keys else "json"


def read_source(root: str, path: str, kind: str,
                max_bytes: int = MAX_BYTES) -> tuple[bytes | None, str, FileFacts | None]:
    """(content, digest, None), or (None, digest, facts saying why) for a file that cannot be read or
    is over the size limit."""
    full = os.path.join(root, *path.split("/"))
    try:
        data = read_regular(full, max_bytes + 1)
    except OSError as exc:
        return None, "", FileFacts(path, kind, skipped=f"cannot read: {exc.strerror or exc}")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if len(data) > max_bytes:
        return None, digest, FileFacts(path, kind, digest=digest,
                                       skipped=f"larger than the size limit of {max_bytes} bytes (--max-file-size)")
    return data, digest, None


def extract_file(root: str, path: str, kind: str, max_bytes: int = MAX_BYTES, prefilter: bool = True) -> FileFacts:
    """Read and extract one file; every failure becomes a ParseError or a skip reason."""
    data, digest, early = read_source(root, path, kind, max_bytes)
    if early is not None or data is None:
        return early or FileFacts(path, kind, skipped="cannot read")
    return extract_bytes(path, kind, data, digest, prefilter)


def extract_bytes(path: str, kind: str, data: bytes, digest: str = "", prefilter: bool = True) -> FileFacts:
    """`prefilter`: Python modules that provably hold nothing but imports (and what the cheap reader
    reproduces exactly) are read with `ast` instead of LibCST (see python/prefilter.py)."""
    try:
        # secrets never leave extraction: facts (and the cache that stores them) hold fingerprints
        return redact_facts(_extract_bytes(path, kind, data, digest, prefilter))
    except MemoryError:
        return FileFacts(path, kind, digest, errors=(ParseError(
            "reading this file needs more memory than the limit (--parse-memory); it is not analysed", 1),))
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - the last guard: one file never stops a scan
        return FileFacts(path, kind, digest, errors=(ParseError(
            f"internal error while reading this file ({type(exc).__name__}: {exc}); please report it", 1),))


def _extract_bytes(path: str, kind: str, data: bytes, digest: str, prefilter: bool = True) -> FileFacts:
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    if kind == "python":
        from .python import extract_python
        facts, errors = extract_python(path, data, prefilter)
        text = data.decode("utf-8", "replace")
        # generated code is read only for the gRPC services it defines: reported as skipped, never
        # counted as analysed (its findings are the generator's, and a marker must not hide others)
        skipped = _generated_reason(data) if facts is not None and facts.generated else ""
        return FileFacts(path, kind, digest, lines, errors, python=facts, skipped=skipped,
                         suppressions=find_suppressions(text, "python"))
    if b"\0" in data:
        return FileFacts(path, kind, digest, lines, (ParseError("file contains NUL bytes; not a text file", 1),))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return FileFacts(path, kind, digest, lines, (ParseError(f"not valid UTF-8: {exc.reason}", line),))
    suppressions = find_suppressions(text, "yaml" if path.endswith((".yml", ".yaml")) else "")
    if kind == "source":
        from .foreign import extract_foreign
        return FileFacts(path, kind, digest, lines, messages=extract_foreign(text))
    if kind == "helm-template":
        return FileFacts(path, kind, digest, lines, skipped="Helm template (not YAML until rendered)",
                         suppressions=suppressions)
    if kind == "json":
        kind = _json_kind(path, text)
        if kind == "json":
            return FileFacts(path, "json", digest, lines, skipped="JSON of no kind svclint reads",
                             suppressions=suppressions)
    if kind == "yaml":
        kind = yaml_kind(path, text)
        if kind == "yaml":
            return FileFacts(path, "yaml", digest, lines, skipped="YAML of no kind svclint reads",
                             suppressions=suppressions)
    deploy, contracts, errors = _dispatch(path, kind, text)
    if errors and _TEMPLATE.search(text) and kind not in ("dockerfile", "envfile", "nginx"):
        return FileFacts(path, kind, digest, lines, skipped="template (Helm/Jinja), not plain YAML",
                         suppressions=suppressions)
    return FileFacts(path, kind, digest, lines, tuple(errors), deploy=deploy, contracts=tuple(contracts),
                     suppressions=suppressions)


def _generated_reason(data: bytes) -> str:
    from .python.source import generated_marker
    marker = generated_marker(data)
    return f"generated: {marker[0]} at line {marker[1]}" if marker else ""


def _dispatch(path: str, kind: str, text: str) -> tuple[DeployFacts | None, list, list[ParseError]]:
    if kind == "compose":
        from .compose import extract_compose
        facts, errors = extract_compose(path, text)
        return facts, [], list(errors)
    if kind == "kubernetes":
        from .kubernetes import extract_kubernetes
        facts, errors = extract_kubernetes(path, text)
        if re.search(r"^kind\s*:\s*PrometheusRule\b", text, re.M):
            facts = replace(facts, alert_rules=tuple(_ALERT.findall(text)))
        return facts, [], list(errors)
    if kind == "alerts":
        # a Prometheus rule file (groups -> rules -> alert): only the alert names matter
        return DeployFacts(alert_rules=tuple(_ALERT.findall(text))), [], []
    if kind == "dockerfile":
        from .dockerfile import extract_dockerfile
        facts, errors = extract_dockerfile(path, text)
        return facts, [], list(errors)
    if kind == "envfile":
        from .envfile import extract_envfile
        facts, errors = extract_envfile(path, text)
        return facts, [], list(errors)
    if kind == "kustomization":
        from .kubernetes import extract_kustomization
        facts, errors = extract_kustomization(path, text)
        return facts, [], list(errors)
    if kind == "skaffold":
        from .skaffold import extract_skaffold
        facts, errors = extract_skaffold(path, text)
        return facts, [], list(errors)
    if kind == "envoy":
        from .gateway import extract_envoy
        facts, errors = extract_envoy(path, text)
        return facts, [], list(errors)
    if kind == "shell":
        # only the command lines that name a target host matter (load generators: `locust --host X`)
        lines = [ln.strip() for ln in text.splitlines() if re.search(r"(--host\b|\s-H\s)", ln)
                 and not ln.lstrip().startswith("#")]
        return DeployFacts(dockerfile_cmd="\n".join(lines)), [], []
    if kind == "nginx":
        from .gateway import extract_nginx, is_nginx
        if not is_nginx(text):
            return None, [], []
        facts, errors = extract_nginx(path, text)
        return facts, [], list(errors)
    if kind in ("contract", "catalog"):
        from .contracts import extract_contracts
        contracts, errors = extract_contracts(path, text, kind)
        return None, contracts, list(errors)
    return None, [], []
