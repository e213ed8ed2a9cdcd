"""Security and scalability facts from Python (one pass), the secret heuristics, and the promise that
no secret value is ever kept in facts or printed in a finding."""
from __future__ import annotations

import pytest

from svclint.extract.python import extract_python
from svclint.model import PythonFacts, from_data, to_data
from svclint.rules.security import SEC001, SEC009
from svclint.secrets import classify, entropy

SECRETS = ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", "Tr0ub4dor&3xyz", "AKIAIOSFODNN7QWERTYU", "Wint3r-Is-C0ming")

MODULE = f'''import os, ssl, jwt, grpc, requests
from flask import Flask, request
from marshmallow import Schema

app = Flask(__name__)
STRIPE = "{SECRETS[0]}"
DB_PASSWORD = "{SECRETS[1]}"
aws = {{"aws_access_key_id": "{SECRETS[2]}"}}
PASSWORD = "changeme"
TOKEN_HEADER = "X-Auth-Token"
SESSIONS = {{}}
_cache = {{}}


@app.post("/x")
def x():
    data = request.get_json()
    SESSIONS[data["id"]] = data
    _cache["k"] = 1
    s = requests.Session()
    r = requests.get("https://y", verify=False, timeout=2, headers={{"a": "b"}})
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    claims = jwt.decode(data["t"], options={{"verify_signature": False}})
    with open("/srv/out.txt", "w") as fh:
        fh.write("x")
    with open("/tmp/scratch", "w") as fh:
        fh.write("x")
    return "ok"


@app.post("/y")
def y():
    return OrderSchema().load(request.get_json())
'''


def _facts() -> PythonFacts:
    facts, errors = extract_python("svc/app.py", MODULE.encode())
    assert errors == () and facts is not None
    return facts


def test_secret_literals_are_found_and_their_values_never_kept() -> None:
    facts = _facts()
    assert [(s.name, s.reason, s.line) for s in facts.secrets] == [
        ("STRIPE", "a Stripe live key", 6), ("DB_PASSWORD", "a literal password", 7),
        ("aws_access_key_id", "an AWS access key id", 8)]
    # (module constants keep their folded values for resolve; the secret facts keep none)
    text = repr(facts.secrets) + repr(facts.code_facts)
    assert not any(secret in text for secret in SECRETS)
    assert from_data(PythonFacts, to_data(facts)) == facts


def test_code_facts_of_one_pass() -> None:
    got = {(c.kind, c.line, c.detail, c.function) for c in _facts().code_facts}
    assert {("body-read", 17, "request.get_json()", "x"), ("state-mutation", 18, "SESSIONS", "x"),
            ("client-created", 20, "requests.Session", "x"), ("call-credentials", 21, "headers", "x"),
            ("tls-off", 21, "verify=False on requests.get()", "x"), ("tls-off", 23, "check_hostname = False", "x"),
            ("jwt-unverified", 24, "options verify_signature False", "x"),
            ("file-write", 25, "/srv/out.txt", "x"), ("file-write", 27, "/tmp/scratch", "x")} <= got
    assert ("validation", 34, "y") in {(k, ln, f) for k, ln, _, f in got}   # Schema().load(...)
    assert not any(k == "validation" and f == "x" for k, _, _, f in got)
    assert not any(c.detail == "_cache" for c in _facts().code_facts)   # per-process caches are not state


def test_findings_never_print_the_secret(scan_files) -> None:
    deploy = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n"
              "      containers:\n        - name: api\n          image: registry.example.com/api:1\n"
              f"          env:\n            - name: API_TOKEN\n              value: {SECRETS[3]}\n")
    compose = f"services:\n  api:\n    build: ./svc\n    environment:\n      STRIPE_KEY: {SECRETS[0]}\n"
    _, findings = scan_files({"svc/app.py": MODULE, "k8s/api.yaml": deploy, "docker-compose.yml": compose,
                              "svc/Dockerfile": f"FROM python:3.12\nENV DB_PASSWORD={SECRETS[1]}\n"},
                             rules=[SEC001, SEC009], dedent=False)
    where = {(f.rule, f.file, f.line) for f in findings}
    assert {("SEC001", "svc/app.py", 6), ("SEC001", "svc/app.py", 7), ("SEC001", "svc/app.py", 8),
            ("SEC009", "k8s/api.yaml", 11), ("SEC001", "docker-compose.yml", 5),
            ("SEC001", "svc/Dockerfile", 2)} <= where
    assert not any(secret in f.message for f in findings for secret in SECRETS)


@pytest.mark.parametrize(("name", "value", "strict", "flagged"), [
    ("PASSWORD", "changeme", True, False), ("PASSWORD", "${DB_PASSWORD}", True, False),
    ("PASSWORD", "$(DB_PASSWORD)", True, False), ("API_KEY", "<your-api-key>", True, False),
    ("POSTGRES_PASSWORD", "postgres", False, False), ("SECRET_KEY", "django-insecure-abc123def456", True, False),
    ("PASSWORD_FILE", "/run/secrets/db", True, False), ("TOKEN_HEADER", "X-Auth-Token", True, False),
    ("DB_PASSWORD", "Tr0ub4dor&3xyz", True, True), ("DB_PASSWORD", "Tr0ub4dor&3xyz", False, False),
    ("API_KEY", "f3a9C1d7E5b2a8F6c4D0e9B7a5C3d1E8", False, True),
    ("DATABASE_URL", "postgresql://app:s3cr3tPassw0rd@db/app", True, True),
    ("DATABASE_URL", "postgresql://app:app@db/app", True, False),
    ("DATABASE_URL", "postgresql://app:${PW}@db/app", True, False),
    ("ANYTHING", "AKIAIOSFODNN7QWERTYU", False, True),
    # names, codes, files and classes under secret-like names (seen in saleor): not secrets
    ("PASSWORD_CHANGED", "password_changed", True, False), ("JWT_INVALID_TOKEN", "invalid_token", True, False),
    ("SECRET_MULTILINE", "SecretMultiline", True, False),
    ("ACCOUNT_SET_PASSWORD_REQUESTED", "account_set_password_requested", True, False),
    ("SET_STAFF_PASSWORD_DEFAULT_TEMPLATE", "set_password.html", True, False),
    ("TOKEN_GENERATOR_CLASS", "django.contrib.auth.tokens.PasswordResetTokenGenerator", True, False),
    ("TLS_PRIVATE_KEY", "certs/server.key", True, False),
    # ... while a secret that happens to share a word with its name still counts
    ("ADMIN_PASSWORD", "admin_password_2024", True, True), ("API_TOKEN", "token.Zx81kQ0pLm", True, True),
    ("DB_PASSWORD", "passwordPassword", True, True),
])
def test_classify(name: str, value: str, strict: bool, flagged: bool) -> None:
    assert bool(classify(name, value, strict)) is flagged


def test_entropy() -> None:
    assert entropy("aaaa") == 0 and entropy("abcd") == 2
