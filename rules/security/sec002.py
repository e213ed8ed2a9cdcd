"""SEC002 tls-verification-disabled."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules.security._code import python_files


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    py = f.python
    if py is None or py.generated:
        return
    service = (ctx.services_of(f.path) or ("",))[0]
    for c in py.code_facts:
        if c.kind == "tls-off":
            yield RULE.finding(f"TLS certificate verification disabled: {c.detail}", f.path, c.line, c.column,
                               service=service, symbol=f"{c.function}:{c.detail}")
    insecure = [c for c in py.code_facts if c.kind == "grpc-insecure"]
    if not insecure:
        return
    secure_elsewhere = any(c.kind == "grpc-secure" for sid in ctx.services_of(f.path)
                           for _, other in python_files(ctx, sid) for c in other.code_facts) or \
        any(c.kind == "grpc-secure" for c in py.code_facts)
    if secure_elsewhere:
        for c in insecure:
            yield RULE.finding(f"{c.detail}: a plaintext gRPC channel in a service that otherwise uses TLS "
                               f"(secure_channel)", f.path, c.line, c.column, service=service,
                               symbol=f"{c.function}:{c.detail}")


RULE = Rule(
    id="SEC002", name="tls-verification-disabled", area="security", severity=Severity.ERROR, scope=FILE,
    summary="TLS verification turned off (verify=False, CERT_NONE), or plaintext gRPC beside TLS",
    rationale="Checklist, Security: 'Service-to-service communication encrypted (mTLS)'. A client that does "
              "not verify the server's certificate encrypts to whoever answers: any machine on the path can "
              "impersonate the peer and read or change the traffic. Found: `verify=False` / `ssl=False` / "
              "`verify_ssl=False` on HTTP calls and clients, `ssl.CERT_NONE`, `check_hostname = False`, "
              "`ssl._create_unverified_context()`, and `grpc.insecure_channel` in a service that uses "
              "`grpc.secure_channel` elsewhere (a service that uses plaintext gRPC throughout is usually "
              "behind a mesh that adds mTLS, and is not reported). Test code is excluded by default.",
    fix="Remove the switch; trust a private CA with `verify='/path/ca.pem'` (requests/httpx) or "
        "`ssl.create_default_context(cafile=...)`; use `grpc.secure_channel` with channel credentials.",
    checklist="Security: Service-to-service communication encrypted (mTLS)",
    check=check,
    valid=(
        Example({"svc/client.py": "import requests\n\ndef get():\n"
                                  "    return requests.get('https://ledger/x', verify='/etc/ca.pem', timeout=3)\n"}),
        Example({"svc/client.py": "import grpc\n\nchannel = grpc.insecure_channel('ledger:50051')\n"},
                note="plaintext gRPC throughout: left to the mesh"),
    ),
    invalid=(
        Example({"svc/client.py": "import ssl\nimport httpx\n\nctx = ssl.create_default_context()\n"
                                  "ctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\n"
                                  "client = httpx.Client(verify=False, timeout=3)\n"},
                ("svc/client.py:5", "svc/client.py:6", "svc/client.py:7")),
        Example({"svc/client.py": "import grpc\n\ncreds = grpc.ssl_channel_credentials()\n"
                                  "secure = grpc.secure_channel('ledger:443', creds)\n"
                                  "audit = grpc.insecure_channel('audit:50051')\n"}, ("svc/client.py:5",)),
    ),
)
