"""Is this value a secret? Keyword and entropy heuristics shared by extraction and the SEC rules.

The answer is a short description of *why* ("an AWS access key id", "a literal password"), never the
value: findings never print secrets. Facts do keep the literal values that code and deployment files
bind (resolve folds URLs out of them, and the rules classify environment values), so the cache that
stores facts holds what the scanned files hold: it lives outside the repository, owner-only, in the
user cache folder (see cache.py).
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
