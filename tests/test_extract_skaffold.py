"""extract_skaffold on skaffold configs in the shapes real repositories use."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svclint.extract.skaffold import extract_skaffold

MULTI_DOC = """
apiVersion: skaffold/v4beta6
kind: Config
metadata:
  name: app
build:
  artifacts:
  - image: emailservice
    context: src/emailservice
  - image: cartservice
    context: src/cartservice/src
    docker:
      dockerfile: Dockerfile
  - image: frontend
  tagPolicy:
    gitCommit: {}
profiles:
- name: gcb
  build:
    googleCloudBuild: {}
- name: dev
  build:
    artifacts:
    - image: frontend
    - image: debugger
      context: ../tools/debugger
- name: odd
  build: [not, a, mapping]
---
apiVersion: skaffold/v4beta6
kind: Config
metadata:
  name: loadgenerator
requires:
- configs: [app]
build:
  artifacts:
  - image: loadgenerator
    context: src/loadgenerator
"""


def test_artifacts_of_every_document_and_profile_relative_to_the_file():
    facts, errors = extract_skaffold("deploy/skaffold.yaml", textwrap.dedent(MULTI_DOC).lstrip("\n"))
    assert errors == []
    assert facts.skaffold_artifacts == (
        ("emailservice", "deploy/src/emailservice"),
        ("cartservice", "deploy/src/cartservice/src"),
        ("frontend", "deploy"),
        ("debugger", "tools/debugger"),
        ("loadgenerator", "deploy/src/loadgenerator"),
    )


def test_default_context_at_the_root_is_dot():
    facts, _ = extract_skaffold("skaffold.yaml", "build:\n  artifacts:\n  - image: api\n    context: ./\n"
                                                 "  - image: web\n")
    assert facts.skaffold_artifacts == (("api", "."), ("web", "."))


@pytest.mark.parametrize("text", [
    "", "apiVersion: skaffold/v2beta29\nkind: Config\n", "- a\n- b\n", "build: 5\n",
    "build:\n  artifacts: {image: x}\n",
    "build:\n  artifacts:\n  - just-a-string\n  - image: 7\n  - {context: x}\n",
    "build:\n  artifacts:\n  - image: abs\n    context: /opt/x\n",
])
def test_odd_shapes_give_nothing(text):
    facts, errors = extract_skaffold("skaffold.yaml", text)
    assert facts.skaffold_artifacts == ()
    assert errors == []


def test_broken_yaml_is_a_parse_error():
    facts, errors = extract_skaffold("skaffold.yaml", "build:\n  artifacts:\n  - image: [x\n")
    assert facts.skaffold_artifacts == ()
    assert len(errors) == 1 and "invalid YAML" in errors[0].message and errors[0].line == 4


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_never_raises(text):
    facts, errors = extract_skaffold("x/file", text)
    hash(facts)
    assert all(e.line >= 1 for e in errors)
