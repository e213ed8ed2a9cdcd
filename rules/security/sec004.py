"""SEC004 jwt-not-verified."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    py = f.python
    if py is None or py.generated:
        return
    service = (ctx.services_of(f.path) or ("",))[0]
    for c in py.code_facts:
        if c.kind == "jwt-unverified":
            yield RULE.finding(f"JWT decoded without verifying its signature: {c.detail}", f.path, c.line, c.column,
                               service=service, symbol=f"{c.function}:{c.detail}")


RULE = Rule(
    id="SEC004", name="jwt-not-verified", area="security", severity=Severity.ERROR, scope=FILE,
    summary='JWT decoded without signature verification or with algorithm "none"',
    rationale="Checklist, Security: 'Authentication/authorization at service boundaries'. A token whose "
              "signature is not checked is just JSON the caller wrote: anyone can claim any user or role. "
              "Found: PyJWT `jwt.decode(..., options={'verify_signature': False})` or `verify=False` (PyJWT 1), "
              "`algorithms=['none']`, and python-jose `jwt.get_unverified_claims`. Reading only the header "
              "(`get_unverified_header`, to pick a key) is fine and not reported.",
    fix="Decode with the key and an explicit algorithm list: `jwt.decode(token, key, algorithms=['RS256'], "
        "audience=...)`.",
    checklist="Security: Authentication/authorization at service boundaries",
    check=check,
    valid=(
        Example({"svc/auth.py": "import jwt\n\ndef user(token, key):\n"
                                "    kid = jwt.get_unverified_header(token)['kid']\n"
                                "    return jwt.decode(token, key, algorithms=['RS256'], audience='shop')\n"}),
    ),
    invalid=(
        Example({"svc/auth.py": "import jwt\n\ndef user(token):\n"
                                "    claims = jwt.decode(token, options={'verify_signature': False})\n"
                                "    return claims['sub']\n\ndef legacy(token, key):\n"
                                "    return jwt.decode(token, key, algorithms=['HS256', 'none'])\n"},
                ("svc/auth.py:4", "svc/auth.py:8")),
    ),
)
