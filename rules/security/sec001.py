"""SEC001 hard-coded-secret."""
from __future__ import annotations

import posixpath
import re
from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.secrets import classify

# test data, examples and documentation hold sample credentials on purpose
_SAMPLE_DIR = re.compile(r"(?:^|/)(?:tests?|testing|fixtures?|examples?|samples?|docs?|mocks?)(?:/|$)", re.I)
_SAMPLE_FILE = re.compile(r"(?:^|[._-])(?:example|sample|template|dist|defaults?|test|tests)(?:[._-]|$)", re.I)


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    if _SAMPLE_DIR.search(posixpath.dirname(f.path)) or _SAMPLE_FILE.search(posixpath.basename(f.path)):
        return
    service = (ctx.services_of(f.path) or ("",))[0]
    if f.python is not None and not f.python.generated:
        for s in f.python.secrets:
            where = f" in {s.name}" if s.name else ""
            yield RULE.finding(f"hard-coded secret{where}: {s.reason} (value not shown)", f.path, s.line, s.column,
                               service=service, symbol=f"{s.name}:{s.reason}")
        for e in f.python.env_reads:
            reason = classify(e.name, e.default or "", strict=True) if e.default else ""
            if reason:
                yield RULE.finding(f"hard-coded secret as the default of {e.name}: {reason} (value not shown)",
                                   f.path, e.line, e.column, service=service, symbol=f"default:{e.name}")
    if f.deploy is None:
        return
    if f.kind == "compose":
        for w in f.deploy.workloads:
            for env in w.env:
                reason = classify(env.name, env.value or "", strict=False) if env.value else ""
                if reason:
                    yield RULE.finding(f"compose service {w.name} sets {env.name} to {reason} (value not shown)",
                                       f.path, env.line, service=w.name, symbol=f"{w.name}:{env.name}")
    elif f.kind in ("dockerfile", "envfile"):
        strict = f.kind == "dockerfile"   # an ENV is baked into every copy of the image
        for env in f.deploy.dockerfile_env:
            reason = classify(env.name, env.value or "", strict=strict) if env.value else ""
            if reason:
                what = "ENV" if strict else "variable"
                yield RULE.finding(f"{what} {env.name} holds {reason} (value not shown)", f.path, env.line,
                                   service=service, symbol=f"{env.name}")
    for name, key, line, reason in f.deploy.secret_data:
        yield RULE.finding(f"Secret {name} commits key {key} in plain text: {reason} (value not shown)",
                           f.path, line, symbol=f"{name}:{key}")


RULE = Rule(
    id="SEC001", name="hard-coded-secret", area="security", severity=Severity.ERROR, scope=FILE,
    summary="Secret written into code, compose files, Dockerfiles or committed Kubernetes Secrets",
    rationale="Checklist, Security: 'Secrets managed externally (not in code or config files)'. A secret "
              "in the repository is readable by everyone with read access, forever (history keeps it), "
              "and is the same in every environment. Detection combines known token formats (AWS, GitHub, "
              "Stripe, Slack, Google, SendGrid keys, private keys, JWTs), passwords inside connection URLs, "
              "and secret-like names (password, token, api_key, secret, ...) bound to a literal. The finding "
              "names the variable and the place, never the value. Not reported: placeholders (changeme, "
              "<...>, ${VAR}, $(VAR), example/dummy values), the well-known defaults of local stacks "
              "(postgres, guest, password equal to the user name), files and directories of tests, "
              "fixtures, examples and docs, and `*.example`/`*.sample`/`*.template` env files. In compose "
              "files and .env files, which usually carry local development settings, only token formats and "
              "random-looking values count; in code, Dockerfile ENV and committed Secret manifests any "
              "real-looking value under a secret-like name does. Kubernetes env values are SEC009's.",
    fix="Read the secret from the environment or a secret manager at runtime (os.environ, a mounted "
        "Secret, Vault), keep only a placeholder in the repository, and rotate the leaked value.",
    checklist="Security: Secrets managed externally (not in code or config files)",
    check=check,
    valid=(
        Example({"svc/settings.py": "import os\n\nAPI_KEY = os.environ['API_KEY']\n"
                                    "DB_PASSWORD = os.getenv('DB_PASSWORD', 'changeme')\nTOKEN_HEADER = 'X-Auth-Token'\n"}),
        Example({"docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                                       "      POSTGRES_PASSWORD: postgres\n  api:\n    build: ./api\n"
                                       "    environment:\n      DATABASE_URL: postgresql://app:${DB_PASSWORD}@db/app\n"},
                note="a local stack's default password and an interpolated one"),
        Example({"svc/fixtures/users.py": "PASSWORD = 'hunter2hunter2'\n"}, note="fixture data"),
    ),
    invalid=(
        Example({"svc/settings.py": "import os\n\nSTRIPE_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'\n"
                                    "SECRET_KEY = os.getenv('SECRET_KEY', 'k3y-pr0d-9f8a7b6c5d')\n"},
                ("svc/settings.py:3", "svc/settings.py:4")),
        Example({"svc/db.py": "import psycopg2\n\ndef connect():\n"
                              "    return psycopg2.connect(host='db', user='app', password='Wint3r-Is-C0ming')\n"},
                ("svc/db.py:4",)),
        Example({"k8s/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n"
                                    "  username: app\n  password: Wint3r-Is-C0ming\n"}, ("k8s/secret.yaml:6",)),
    ),
)
