"""extract_envfile on .env files in the dialect docker compose reads."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svclint.extract.envfile import extract_envfile
from svclint.model import EnvVar


def run(text: str):
    return extract_envfile(".env", textwrap.dedent(text).lstrip("\n"))


def test_plain_export_quoted_and_bare_variables_in_file_order():
    facts, errors = run("""
    # environment file for docker-compose
    REPO=robotshop

    export TAG=2.1.0
    SENTRY_DSN=""
    FILE_UPLOAD_STRATEGY="direct" # pass-thru
    RAW='single $NOT_EXPANDED \\n'
    ESCAPED="line1\\nline2 \\"q\\""
    URL=http://cart:8080/#anchor # comment
    HASH=abc#def
    EMPTY=
    SPACED = padded value
    YAML_STYLE: value
    FROM_SHELL
    REF=${REPO}/app
    """)
    assert errors == []
    assert facts.env_file == (
        ("REPO", "robotshop"), ("TAG", "2.1.0"), ("SENTRY_DSN", ""),
        ("FILE_UPLOAD_STRATEGY", "direct"), ("RAW", "single $NOT_EXPANDED \\n"),
        ("ESCAPED", 'line1\nline2 "q"'), ("URL", "http://cart:8080/#anchor"), ("HASH", "abc#def"),
        ("EMPTY", ""), ("SPACED", "padded value"), ("YAML_STYLE", "value"), ("REF", "${REPO}/app"),
    )
    lines = [(v.name, v.line) for v in facts.dockerfile_env]
    assert lines == [("REPO", 2), ("TAG", 4), ("SENTRY_DSN", 5), ("FILE_UPLOAD_STRATEGY", 6), ("RAW", 7),
                     ("ESCAPED", 8), ("URL", 9), ("HASH", 10), ("EMPTY", 11), ("SPACED", 12),
                     ("YAML_STYLE", 13), ("FROM_SHELL", 14), ("REF", 15)]
    assert EnvVar("FROM_SHELL", None, 14) in facts.dockerfile_env


def test_quoted_values_may_span_lines():
    facts, errors = run('''
    CERT="-----BEGIN-----
    abc
    -----END-----"
    NEXT=1
    ''')
    assert errors == []
    assert facts.env_file == (("CERT", "-----BEGIN-----\nabc\n-----END-----"), ("NEXT", "1"))
    assert [v.line for v in facts.dockerfile_env] == [1, 4]


@pytest.mark.parametrize("text, message, line, pairs", [
    ("A=1\nnot a variable\nB=2\n", "not a KEY=value line", 2, (("A", "1"), ("B", "2"))),
    ("A=1\n=value\n", "not a KEY=value line", 2, (("A", "1"),)),
    ('A="never closed\nB=2\n', "unterminated \" quoted value", 1, (("A", "never closed"), ("B", "2"))),
])
def test_bad_lines_are_reported_and_the_rest_is_read(text, message, line, pairs):
    facts, errors = extract_envfile(".env", text)
    assert [(message in e.message, e.line) for e in errors] == [(True, line)]
    assert facts.env_file == pairs


def test_crlf_and_bom():
    facts, errors = extract_envfile(".env", "\ufeffA=1\r\nB='2'\r\n")
    assert errors == []
    assert facts.env_file == (("A", "1"), ("B", "2"))


def test_empty_file():
    assert extract_envfile(".env", "") == (extract_envfile(".env", "\n\n# c\n")[0], [])


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_never_raises(text):
    facts, errors = extract_envfile("x/file", text)
    hash(facts)
    assert all(e.line >= 1 for e in errors)
