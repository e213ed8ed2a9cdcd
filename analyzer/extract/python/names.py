"""What the LibCST visitors and the `ast` pre-filter share about names, importable without LibCST."""
from __future__ import annotations

from typing import Mapping

UNKNOWN = "${?}"

ENV_GETTERS = {
    "os.environ.get", "os.getenv", "os.environ.setdefault", "environ.get",
    "decouple.config", "environs.Env", "starlette.config.Config",
}


def qualify(aliases: Mapping[str, str], name: str | None) -> str | None:
    """What a dotted name refers to through a module's imports (`web.get` -> `aiohttp.web.get`), or None."""
    if not name:
        return None
    head, _, rest = name.partition(".")
    if head in aliases:
        base = aliases[head]
        return f"{base}.{rest}" if rest else base
    return None
