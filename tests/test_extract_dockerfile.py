"""extract_dockerfile on Dockerfiles in the shapes real repositories use."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svclint.extract.dockerfile import extract_dockerfile
from svclint.model import EnvVar


def run(text: str):
    return extract_dockerfile("svc/Dockerfile", textwrap.dedent(text).lstrip("\n"))


def test_single_stage_python_service():
    facts, errors = run("""
    FROM python:3.11-slim

    ENV PYTHONUNBUFFERED=1 \\
        PORT=8080
    ENV APP_ENV production
    WORKDIR /app
    COPY requirements.txt .
    RUN pip install -r requirements.txt
    EXPOSE 8080 9090/tcp
    USER app
    CMD ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]
    """)
    assert errors == []
    assert facts.dockerfile_base == "python:3.11-slim"
    assert facts.dockerfile_env == (EnvVar("PYTHONUNBUFFERED", "1", 3), EnvVar("PORT", "8080", 4),
                                    EnvVar("APP_ENV", "production", 5))
    assert facts.dockerfile_expose == ("8080", "9090/tcp")
    assert facts.dockerfile_user == "app"
    assert facts.dockerfile_cmd == "gunicorn -b 0.0.0.0:8080 app:app"


def test_only_the_final_stage_counts_and_it_inherits_from_its_parent_stage():
    facts, errors = run("""
    ARG BUILDPLATFORM=linux/amd64
    ARG PY=3.12
    FROM --platform=$BUILDPLATFORM python:${PY}-alpine AS base
    ENV SHARED=1
    USER nobody

    FROM base AS builder
    ENV BUILD_ONLY=1
    USER root
    RUN pip install --prefix=/install -r requirements.txt

    FROM base
    COPY --from=builder /install /usr/local
    ENV PORT="8080"
    ENTRYPOINT [ "python", "server.py" ]
    """)
    assert errors == []
    assert facts.dockerfile_base == "python:3.12-alpine"
    assert facts.dockerfile_env == (EnvVar("SHARED", "1", 4), EnvVar("PORT", "8080", 14))
    assert facts.dockerfile_user == "nobody"
    assert facts.dockerfile_cmd == "python server.py"


def test_final_stage_from_an_external_image_starts_clean():
    facts, _ = run("""
    FROM golang:1.22 AS build
    ENV CGO_ENABLED=0
    USER builder
    EXPOSE 1234
    CMD ["build"]
    FROM gcr.io/distroless/static
    COPY --from=build /out/server /server
    ENTRYPOINT ["/server"]
    """)
    assert facts.dockerfile_base == "gcr.io/distroless/static"
    assert (facts.dockerfile_env, facts.dockerfile_user, facts.dockerfile_expose) == ((), "", ())
    assert facts.dockerfile_cmd == "/server"


def test_entrypoint_and_cmd_are_joined_and_entrypoint_resets_an_inherited_cmd():
    facts, _ = run("""
    FROM python:3.11 AS base
    CMD ["python", "old.py"]
    FROM base
    ENTRYPOINT ["/entrypoint.sh"]
    """)
    assert facts.dockerfile_cmd == "/entrypoint.sh"
    facts, _ = run("""
    FROM python:3.11
    CMD ["--port", "8000"]
    ENTRYPOINT ["uvicorn", "app:app"]
    """)
    assert facts.dockerfile_cmd == "uvicorn app:app --port 8000"


@pytest.mark.parametrize("instruction, command", [
    ("CMD /var/nameko/run.sh;", "/var/nameko/run.sh;"),
    ('CMD python -m app --host "0.0.0.0"', 'python -m app --host "0.0.0.0"'),
    ("CMD [not json", "[not json"),
    ('ENTRYPOINT ["a", 1]', '["a", 1]'),
    ("CMD [\"celery\", \\\n  \"worker\"]", "celery worker"),
])
def test_shell_and_exec_forms(instruction, command):
    facts, _ = run(f"FROM python:3.11\n{instruction}\n")
    assert facts.dockerfile_cmd == command


def test_env_quotes_escapes_and_lines_across_continuations():
    facts, errors = run("""
    FROM alpine
    ENV A=1 B="x y" C='lit $HOME' \\
        # a comment inside the continuation is dropped
        D=a\\ b \\

        E="say \\"hi\\"" PATH=/app/bin:$PATH
    ENV F "quoted legacy"
    ENV G=
    """)
    assert errors == []
    assert facts.dockerfile_env == (
        EnvVar("A", "1", 2), EnvVar("B", "x y", 2), EnvVar("C", "lit $HOME", 2),
        EnvVar("D", "a b", 4), EnvVar("E", 'say "hi"', 6), EnvVar("PATH", "/app/bin:$PATH", 6),
        EnvVar("F", "quoted legacy", 7), EnvVar("G", "", 8),
    )


def test_parser_directives_and_the_escape_character():
    facts, errors = run("""
    # syntax=docker/dockerfile:1
    # escape=`
    FROM mcr.microsoft.com/windows/servercore
    ENV APPDIR=C:\\app `
        LOG=C:\\logs
    USER ContainerUser
    """)
    assert errors == []
    assert facts.dockerfile_env == (EnvVar("APPDIR", "C:\\app", 4), EnvVar("LOG", "C:\\logs", 5))
    assert facts.dockerfile_user == "ContainerUser"


def test_heredoc_bodies_are_not_read_as_instructions():
    facts, errors = run("""
    FROM python:3.11
    RUN <<EOF
    pip install flask
    USER nobody
    EOF
    COPY <<-CONF /etc/app.conf
    \tENV NOT_AN_ENV=1
    \tCONF
    ENV REAL=1
    """)
    assert errors == []
    assert facts.dockerfile_user == ""
    assert facts.dockerfile_env == (EnvVar("REAL", "1", 9),)


def test_instructions_are_case_insensitive_and_onbuild_is_ignored():
    facts, errors = run("""
    from node:20 as runtime
    onbuild ENV LATER=1
    env NODE_ENV=production
    user node
    expose 3000
    cmd ["node", "server.js"]
    """)
    assert errors == []
    assert facts.dockerfile_base == "node:20"
    assert facts.dockerfile_env == (EnvVar("NODE_ENV", "production", 3),)
    assert (facts.dockerfile_user, facts.dockerfile_expose, facts.dockerfile_cmd) == (
        "node", ("3000",), "node server.js")


def test_arg_and_healthcheck_are_not_environment():
    facts, _ = run("""
    FROM python:3.11
    ARG VERSION=1.0
    HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
    """)
    assert facts.dockerfile_env == ()


@pytest.mark.parametrize("text, message, line", [
    ("RUN echo hi\nFROM alpine\n", "RUN before the first FROM", 1),
    ("FROM alpine\nRUN apk add curl\n    && rm -rf /var/cache\n", "unknown instruction '&&'", 3),
    ("FROM alpine\nENV A=1 B\n", "ENV expects NAME=value", 2),
    ("FROM\n", "FROM without an image", 1),
    ("FROM alpine\nENV\n", "ENV without a variable", 2),
])
def test_broken_dockerfiles_give_parse_errors(text, message, line):
    _, errors = extract_dockerfile("Dockerfile", text)
    assert len(errors) == 1
    assert message in errors[0].message
    assert errors[0].line == line


@pytest.mark.parametrize("text", ["", "# just a comment\n", "\n\n", "\ufeffFROM alpine\n", "FROM alpine \\"])
def test_empty_and_odd_files_do_not_raise(text):
    facts, errors = extract_dockerfile("Dockerfile", text)
    assert errors == []
    assert facts.dockerfile_base in ("", "alpine")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_never_raises(text):
    facts, errors = extract_dockerfile("x/file", text)
    hash(facts)
    assert all(e.line >= 1 for e in errors)
