"""Is this value a secret? Keyword and entropy heuristics shared by extraction and the SEC rules.

The answer is a short description of *why* ("an AWS access key id", "a literal password"), never the
value: findings never print secrets. Facts never hold one either: extraction passes every file's
facts through redact_facts(), which replaces what classify() calls a secret by a fingerprint that
carries classify()'s verdicts (so the SEC rules answer the same on it), and the cache that stores
facts holds no secret the scanned files bind.
"""
from __future__ import annotations

import math
import re
from collections import Counter

# names that hold secrets; names that only describe them (the header that carries a token, the file
# that holds a password, the length of a key) do not
SECRET_NAME = re.compile(r"(?:^|[^a-z])(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|apikey|"
                         r"private[-_]?key|access[-_]?key|secret[-_]?key|credentials?|auth[-_]?key|"
                         r"client[-_]?secret|signing[-_]?key|encryption[-_]?key|dsn)(?:$|[^a-z])", re.I)
NOT_SECRET_NAME = re.compile(r"(?:_|^)(?:file|path|dir|name|names|header|field|url_?name|length|len|ttl|"
                             r"expir\w*|timeout|type|prefix|id_?name|env|var|key_?name|hint|policy|regex|"
                             r"pattern|min|max|algorithm|algo|lifetime|age|reset|endpoint|uri|scope|"
                             r"grant|format|label|message|description)$", re.I)

TOKEN_FORMATS = (
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}\b"), "a GitHub token"),
    (re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}\b"), "a Stripe live key"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    (re.compile(r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\b"), "a SendGrid key"),
    (re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JSON Web Token"),
)

# values people write where the real one goes, and the well-known defaults of local development
# stacks (postgres/postgres, guest/guest): not secrets anyone can leak
_PLACEHOLDER = re.compile(r"^(?:|x+|\*+|\.+|-+|_+|<[^>]*>|\[[^\]]*\]|\{\{.*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$\w+|"
                          r"%\(?\w*\)?s|none|null|nil|false|true|todo|tbd|fixme|redacted|dummy\w*|fake\w*|"
                          r"sample\w*|example\w*|placeholder\w*|change[-_ ]?me\w*|changeit|replace[-_ ]?me\w*|"
                          r"your[-_ ].*|my[-_]?(?:secret|password|token|key)\w*|(?:test|dev|local|demo)"
                          r"[-_]?\w{0,12}|secret|password|passwd|pass|pwd|admin|root|guest|user|default|"
                          r"postgres|mysql|mariadb|redis|mongo|mongodb|rabbitmq|kafka|minio\w*|letmein|qwerty|"
                          r"123\d*|abc\d*|s3cr3t|p@ssw0rd|insecure\w*|not[-_ ]?(?:a[-_ ]?)?secret\w*|unset|"
                          r"empty|\w+[-_ ]?here)$", re.I)
_DEV_WORDS = re.compile(r"example|placeholder|changeme|change[-_]me|dummy|insecure|not[-_]?secret|your[-_]|"
                        r"xxxx|\*\*\*\*|<[a-z_ -]+>", re.I)
# values that name something rather than hold a secret: a file (`set_password.html`, `keys/tls.pem`)
# or a dotted import path (`django.contrib.auth.tokens.PasswordResetTokenGenerator`)
_FILE_NAME = re.compile(r"^[\w./-]*\w\.(?:html?|txt|json|ya?ml|xml|md|csv|pem|crt|cer|key|p12|pfx|jks|ini|cfg|"
                        r"conf|toml|j2|jinja2?|tmpl|tpl|mjml|eml|py|sh)$", re.I)
_IMPORT_PATH = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\.[A-Za-z_]\w*$")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def placeholder(value: str) -> bool:
    v = value.strip().strip("'\"")
    return bool(_PLACEHOLDER.match(v)) or bool(_DEV_WORDS.search(v)) or "${" in v or "$(" in v or "{{" in v


def random_looking(value: str) -> bool:
    """Long, dense and mixed: what generated keys look like (words and sentences do not)."""
    v = value.strip()
    if len(v) < 20 or " " in v or placeholder(v):
        return False
    classes = sum(bool(re.search(p, v)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    return classes >= 2 and entropy(v) >= 3.7 and not re.fullmatch(r"[a-z]+(?:[-_.][a-z]+)+", v)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def names_itself(name: str, value: str) -> bool:
    """The value spells (part of) its own name: an enum member, an event or error code
    (`PASSWORD_CHANGED = "password_changed"`, `JWT_INVALID_TOKEN = "invalid_token"`), not a secret."""
    words = _words(value)
    return len(set(words)) >= 2 and set(words) <= set(_words(name)) and not any(c.isdigit() for c in value)


def reference(value: str) -> bool:
    """The value names a file or a Python object rather than holding a secret."""
    return bool(_FILE_NAME.match(value) or _IMPORT_PATH.match(value) and value.count(".") >= 2)


def secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def classify(name: str, value: str, strict: bool = True) -> str:
    """Why `value` (bound to `name`) is a hard-coded secret, or "" when it is not one.

    strict: a secret-like name with a real-looking value is enough (code, Kubernetes manifests);
    otherwise (compose, .env files for local development) only token formats, passwords in URLs and
    random-looking values under secret-like names count.
    """
    value = value.strip()
    if not value or len(value) > 10_000:
        return ""
    known = redacted_verdict(value, strict) if "svclint-redacted-" in value and not placeholder(value) else None
    if known is not None:
        return known
    for pattern, what in TOKEN_FORMATS:
        if pattern.search(value) and not placeholder(value):
            return what
    m = _URL_PASSWORD.match(value)
    if m:
        pw = m.group("pw")
        if placeholder(pw) or pw == m.group("user"):
            return ""
        return "a password in a connection URL" if strict or random_looking(pw) else ""
    if not secret_name(name) or placeholder(value) or names_itself(name, value) or reference(value):
        return ""
    if random_looking(value):
        return f"a random-looking {_label(name)}"
    if strict and len(value) >= 8 and " " not in value and not value.startswith(("/", "./", "http")) \
            and not re.fullmatch(r"[A-Z][A-Z0-9_]*", value):   # an environment variable's name
        return f"a literal {_label(name)}"
    return ""


def _label(name: str) -> str:
    n = name.lower()
    for word, label in (("password", "password"), ("passwd", "password"), ("pwd", "password"),
                        ("private", "private key"), ("token", "token"), ("api", "API key"),
                        ("access", "access key"), ("dsn", "DSN"), ("credential", "credential")):
        if word in n:
            return label
    return "secret"


# ----------------------------------------------------------------------------------------------
# redaction: facts (and so the cache that stores them) keep a fingerprint in place of a secret

# every reason classify() can give, in a fixed order: a redacted value carries the index of its
# verdicts (strict and lax) so that classifying it again gives the same answer as the value would
_LABELS = ("password", "private key", "token", "API key", "access key", "DSN", "credential", "secret")
REASONS = ("", *dict.fromkeys(what for _, what in TOKEN_FORMATS), "a password in a connection URL",
           *(f"a random-looking {label}" for label in _LABELS), *(f"a literal {label}" for label in _LABELS))
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
REDACTED = re.compile(r"svclint-redacted-([0-9a-z])([0-9a-z])-([0-9a-f]{12})")
# a cheap first look: can this value hold anything classify() reports without a name?
_USERINFO = re.compile(r"^[a-z][a-z0-9+.-]*://(?P<cred>[^:/@\s]+)@", re.I)
_ENDPOINT = re.compile(r"(?:[a-z][a-z0-9+.-]*://[a-z0-9][a-z0-9.-]*(?::\d{1,5})?|[a-z0-9][a-z0-9.-]*:\d{1,5})"
                       r"(?:/[\w.-]*)*", re.I)
_DEFAULTED = re.compile(r"\$\{(\w+)(:?[-=])([^{}]*)\}")
_MAYBE = re.compile(r"://[^@\s]*:[^@\s]*@|AKIA|gh[pousr]_|github_pat_|_live_|xox[abprs]-|AIza|SG\.|PRIVATE KEY|eyJ")


def _verdicts(name: str, value: str) -> tuple[str, str]:
    return classify(name, value, strict=True), classify(name, value, strict=False)


def _token(value: str, strict: str, lax: str) -> str:
    import hashlib
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=6,
                             person=b"svclint-secret").hexdigest()
    return f"svclint-redacted-{_DIGITS[REASONS.index(strict)]}{_DIGITS[REASONS.index(lax)]}-{digest}"


def redact(name: str, value: str) -> str:
    """`value` bound to `name`, with what classify() calls a secret replaced by a fingerprint: the
    password of a connection URL (the rest of the URL stays, resolve reads its host), otherwise the
    whole value. Equal secrets get equal fingerprints; classify() gives the fingerprint the verdicts
    the value had. Values that are not secrets come back unchanged."""
    if not value or REDACTED.search(value):
        return value
    m = _DEFAULTED.fullmatch(value.strip())
    if m:       # ${NAME:-default}: the default is judged as the value of NAME (or of `name`)
        inner = redact(name if name and secret_name(name) else m.group(1), m.group(3))
        return value if inner is m.group(3) else value.replace(m.group(0), f"${{{m.group(1)}{m.group(2)}{inner}}}")
    if not (name and secret_name(name)) and not _MAYBE.search(value):
        return value
    strict, lax = _verdicts(name, value)
    if not strict and not lax:
        return value
    if strict not in REASONS or lax not in REASONS:     # pragma: no cover - a reason not in the table
        strict, lax = (strict and "a literal secret"), (lax and "a literal secret")
    m = _URL_PASSWORD.match(value.strip())
    if m and strict == "a password in a connection URL":
        start = value.index(m.group("pw"), value.index("://") + 3)
        return value[:start] + _token(m.group("pw"), strict, lax) + value[start + len(m.group("pw")):]
    u = _USERINFO.match(value.strip())
    if u:                   # https://key@sentry.example/1: the credential is the user part
        start = value.index(u.group("cred"), value.index("://") + 3)
        return value[:start] + _token(u.group("cred"), strict, lax) + value[start + len(u.group("cred")):]
    if _label(name) == "DSN" and _ENDPOINT.fullmatch(value.strip()):
        return value        # a DSN that is only an address (db:1521/PDB) holds no credential
    return _token(value, strict, lax)


def redacted_verdict(value: str, strict: bool) -> str | None:
    """classify()'s answer for a value redact() replaced (None when `value` holds no fingerprint)."""
    m = REDACTED.search(value)
    if not m:
        return None
    return REASONS[_DIGITS.index(m.group(1) if strict else m.group(2))]


def redact_facts(facts):
    """FileFacts with every secret value replaced (see redact()): a name-value pair (an environment
    variable, a ConfigMap key, a constant, an environment read's default) is judged with its name,
    any other string on its own (token formats, passwords in URLs)."""
    import dataclasses
    return _redact_obj(facts, "", dataclasses)


_VALUE_FIELDS = ("value", "default")


def _redact_obj(obj, name: str, dataclasses):
    if isinstance(obj, str):
        return redact(name, obj)
    if isinstance(obj, tuple):
        if len(obj) == 2 and isinstance(obj[0], str) and isinstance(obj[1], str):
            new = redact(obj[0], obj[1])        # (name, value): env files, ConfigMap data, labels
            return obj if new is obj[1] else (obj[0], new)
        items = [_redact_obj(x, "", dataclasses) for x in obj]
        return obj if all(a is b for a, b in zip(items, obj)) else tuple(items)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        own = getattr(obj, "name", "") if isinstance(getattr(obj, "name", ""), str) else ""
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is None or isinstance(value, (int, float, bool)):
                continue
            new = _redact_obj(value, own if f.name in _VALUE_FIELDS else "", dataclasses)
            if new is not value:
                changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj
