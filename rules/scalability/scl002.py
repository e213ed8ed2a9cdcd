"""SCL002 in-process-state."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules.security._code import handlers

_TEMP = ("/tmp", "/var/tmp", "/dev/", "${?}")


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    py = f.python
    if py is None or py.generated:
        return
    serving = handlers(ctx, f)
    service = (ctx.services_of(f.path) or ("",))[0]
    seen: set[tuple[str, str]] = set()
    for c in py.code_facts:
        if c.function not in serving or (c.function, c.detail) in seen:
            continue
        if c.kind == "state-mutation":
            seen.add((c.function, c.detail))
            yield RULE.finding(f"handler {c.function} changes module-level {c.detail}: that state lives in one "
                               f"process, so other replicas and the next restart do not see it", f.path, c.line,
                               c.column, service=service, symbol=f"{c.function}:{c.detail}")
        elif c.kind == "file-write" and not c.detail.startswith(_TEMP) and c.detail not in ("", "${?}"):
            seen.add((c.function, c.detail))
            yield RULE.finding(f"handler {c.function} writes the local file {c.detail.replace('${?}', '…')}: it "
                               f"exists on one replica only and is lost with the container", f.path, c.line,
                               c.column, service=service, symbol=f"{c.function}:{c.detail}")


RULE = Rule(
    id="SCL002", name="in-process-state", area="scalability", severity=Severity.WARNING, scope=FILE,
    summary="Request handler that keeps state in the process (module-level containers, local files)",
    rationale="Checklist, Scalability: 'Stateless services (state in external stores)'. State a handler "
              "stores in a module-level dict/list/set (sessions, carts, counters) or in a local file is seen "
              "only by the replica that handled the request and disappears on restart, so the service "
              "cannot be scaled out or rolled without losing or splitting data. Reported: mutations "
              "(`X[k] = v`, `X.append/update/add/...`, `global X` re-binding) of module-level mutable "
              "containers, and `open(..., 'w'/'a')` of non-temporary paths, inside functions that serve "
              "requests. Names that are per-process by design (caches, memos, locks, metric registries) "
              "and temporary files are not reported. Known limit: state changed in helpers the handler "
              "calls is not followed.",
    fix="Keep the state in a shared store (Redis, the database, object storage) or in the request itself; "
        "use a cache library with TTLs for per-process caches.",
    checklist="Scalability: Stateless services (state in external stores)",
    check=check,
    valid=(
        Example({"svc/app.py": "from flask import Flask\nimport redis\n\napp = Flask(__name__)\n"
                               "store = redis.Redis(host='redis')\n_cache = {}\n\n@app.post('/carts/<cid>')\n"
                               "def add(cid):\n    _cache[cid] = 1\n    store.hset('carts', cid, 1)\n    return 'ok'\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "from flask import Flask, request\n\napp = Flask(__name__)\nSESSIONS = {}\n"
                               "\n@app.post('/login')\ndef login():\n    SESSIONS[request.form['user']] = True\n"
                               "    with open('/srv/data/logins.log', 'a') as fh:\n        fh.write('x')\n"
                               "    return 'ok'\n"}, ("svc/app.py:8", "svc/app.py:9")),
    ),
)
