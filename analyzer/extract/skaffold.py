"""Facts from a skaffold config: which image is built from which directory.

Skaffold is often the only place a Kubernetes repository says that image `cartservice` comes from
`src/cartservice`, which is what lets `resolve` tie a Deployment's image to the Python code. Every
document of the stream is read (skaffold v2+ puts several configs in one file with `---`), and the
artifacts of profiles count too, since a profile can build images the default pipeline does not.
"""
from __future__ import annotations

import posixpath
from typing import Any, Iterator

from svclint.model import DeployFacts, ParseError
from svclint.yamlio import load_all


def extract_skaffold(path: str, text: str) -> tuple[DeployFacts, list[ParseError]]:
    """(image, context) of every build artifact, contexts relative to the repository root.

    Contexts are resolved against the skaffold file's directory (skaffold's default context is
    "."), in order of first appearance and without repeats.
    """
    docs, problems = load_all(text)
    errors = [ParseError(p.message, p.line, p.column) for p in problems]
    base = posixpath.dirname(path)
    artifacts: dict[tuple[str, str], None] = {}
    for doc in docs:
        for artifact in _artifacts(doc):
            image = artifact.get("image")
            if not isinstance(image, str) or not image:
                continue
            context = artifact.get("context")
            context = context if isinstance(context, str) and context else "."
            if context.startswith("/"):
                continue
            artifacts[(image, posixpath.normpath(posixpath.join(base, context)))] = None
    return DeployFacts(skaffold_artifacts=tuple(artifacts)), errors


def _artifacts(doc: Any) -> Iterator[dict]:
    """Artifact mappings under `build:` of the config and of each of its profiles."""
    if not isinstance(doc, dict):
        return
    profiles = doc.get("profiles")
    configs = [doc] + (list(profiles) if isinstance(profiles, list) else [])
    for config in configs:
        build = config.get("build") if isinstance(config, dict) else None
        artifacts = build.get("artifacts") if isinstance(build, dict) else None
        if isinstance(artifacts, list):
            yield from (a for a in artifacts if isinstance(a, dict))
