"""extract_compose on small compose files in the shapes real repositories use."""
from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from svclint.extract.compose import extract_compose
from svclint.model import EnvVar, GatewayRoute, Probe, Workload


def run(text: str, path: str = "docker-compose.yml"):
    return extract_compose(path, textwrap.dedent(text).lstrip("\n"))


def one(text: str, path: str = "docker-compose.yml") -> Workload:
    facts, errors = run(text, path)
    assert errors == []
    assert len(facts.workloads) == 1
    return facts.workloads[0]


V3_WITH_ANCHORS = """
version: "3.8"
x-defaults: &defaults
  restart: unless-stopped
  environment: &env
    LOG_LEVEL: info
  labels:
    team: shop
services:
  api:
    <<: *defaults
    build: .
    image: shop/api:latest
    ports:
      - "8000:8000"
    depends_on:
      - db
  worker:
    <<: *defaults
    build:
      context: ../worker
      dockerfile: Dockerfile.dev
    command: ["celery", "-A", "tasks", "worker"]
    environment:
      <<: *env
      BROKER_URL: amqp://rabbit:5672
  db:
    image: postgres:15
"""


def test_services_with_anchors_and_merge_keys():
    facts, errors = run(V3_WITH_ANCHORS, "deploy/docker-compose.yml")
    assert errors == []
    api, worker, db = facts.workloads
    assert (api.name, api.line, api.source, api.kind, api.file) == (
        "api", 9, "compose", "service", "deploy/docker-compose.yml")
    assert api.image == "shop/api:latest"
    assert api.build_context == "deploy"
    assert api.dockerfile == "deploy/Dockerfile"
    assert api.ports == ("8000:8000",)
    assert api.depends_on == ("db",)
    assert api.env == (EnvVar("LOG_LEVEL", "info", 5),)     # merged in from the anchor, its line
    assert api.labels == (("team", "shop"),)
    assert worker.build_context == "worker"
    assert worker.dockerfile == "worker/Dockerfile.dev"
    assert worker.command == "celery -A tasks worker"
    assert worker.env == (EnvVar("BROKER_URL", "amqp://rabbit:5672", 25), EnvVar("LOG_LEVEL", "info", 5))
    assert (db.name, db.line, db.image, db.build_context, db.dockerfile) == ("db", 26, "postgres:15", "", "")


@pytest.mark.parametrize("build, context, dockerfile", [
    ("build: .", ".", "Dockerfile"),
    ("build: ./svc/", "svc", "svc/Dockerfile"),
    ("build: {context: ., dockerfile: docker/local.Dockerfile}", ".", "docker/local.Dockerfile"),
    ("build: {dockerfile: Dockerfile.prod}", ".", "Dockerfile.prod"),
    ("build: {context: ../outside}", "../outside", "../outside/Dockerfile"),
    ("build: https://github.com/org/repo.git#main", "", ""),
    ("build: /abs/path", "", ""),
    ("build: [not, valid]", "", ""),
])
def test_build_context_at_the_root(build, context, dockerfile):
    w = one(f"services:\n  app:\n    {build}\n")
    assert (w.build_context, w.dockerfile) == (context, dockerfile)


def test_build_context_relative_to_a_nested_compose_file():
    w = one("services:\n  app:\n    build:\n      context: ../../src/app\n", "ops/compose/dev.yml")
    assert w.build_context == "src/app"
    assert w.dockerfile == "src/app/Dockerfile"


def test_environment_list_form():
    w = one("""
    services:
      app:
        image: app
        environment:
          - DATABASE_URL=postgres://u:p@db:5432/app
          - EMPTY=
          - FROM_SHELL
          - WITH_EQUALS=a=b
    """)
    assert w.env == (
        EnvVar("DATABASE_URL", "postgres://u:p@db:5432/app", 5),
        EnvVar("EMPTY", "", 6),
        EnvVar("FROM_SHELL", None, 7),
        EnvVar("WITH_EQUALS", "a=b", 8),
    )


def test_environment_map_form_keeps_scalars_as_written():
    w = one("""
    services:
      app:
        image: app
        environment:
          PORT: 8080
          DEBUG: true
          VERBOSE: yes
          VERSION: 1.10
          UNSET:
          "QUOTED": "x"
          NESTED: {a: 1}
    """)
    assert w.env == (
        EnvVar("PORT", "8080", 5),
        EnvVar("DEBUG", "true", 6),
        EnvVar("VERBOSE", "yes", 7),
        EnvVar("VERSION", "1.10", 8),
        EnvVar("UNSET", None, 9),
        EnvVar("QUOTED", "x", 10),
    )


def test_env_file_forms():
    facts, errors = run("""
    services:
      a:
        image: a
        env_file: .env
      b:
        image: b
        env_file:
          - ./common.env
          - ../secrets/b.env
      c:
        image: c
        env_file:
          - path: ./c.env
            required: false
    """, "deploy/compose.yaml")
    assert errors == []
    a, b, c = facts.workloads
    assert a.env_from == ("file/deploy/.env",)
    assert b.env_from == ("file/deploy/common.env", "file/secrets/b.env")
    assert c.env_from == ("file/deploy/c.env",)


def test_ports_short_long_and_expose():
    w = one("""
    services:
      app:
        image: app
        ports:
          - 8080
          - 22:22
          - "127.0.0.1:9000:9000/udp"
          - target: 80
            published: "8081"
            protocol: tcp
          - target: 53
            published: 5353
            host_ip: 0.0.0.0
            protocol: udp
          - target: 9229
        expose:
          - "3000"
    """)
    assert w.ports == ("8080", "22:22", "127.0.0.1:9000:9000/udp", "8081:80", "0.0.0.0:5353:53/udp",
                       "9229", "3000")


@pytest.mark.parametrize("test, probe", [
    ('["CMD", "curl", "-f", "http://localhost:8000/health"]',
     Probe("healthcheck", "http", "/health", "8000", 5)),
    ('["CMD-SHELL", "curl -fsS http://localhost:8080/api/ready?full=1 || exit 1"]',
     Probe("healthcheck", "http", "/api/ready", "8080", 5)),
    ('wget -qO- http://127.0.0.1/_health', Probe("healthcheck", "http", "/_health", "80", 5)),
    ('["CMD", "curl", "-f", "https://localhost"]', Probe("healthcheck", "http", "/", "443", 5)),
    ('curl -f localhost:5000/healthz', Probe("healthcheck", "http", "/healthz", "5000", 5)),
    ('["CMD", "curl", "-f", "http://localhost:${PORT}/health"]',
     Probe("healthcheck", "http", "/health", "${PORT}", 5)),
    ('["CMD", "python", "-c", "import urllib.request as u; u.urlopen(\'http://localhost:8000/ping\')"]',
     Probe("healthcheck", "http", "/ping", "8000", 5)),
    ('["CMD-SHELL", "pg_isready -U postgres"]', Probe("healthcheck", "exec", line=5)),
    ("rabbitmq-diagnostics -q ping", Probe("healthcheck", "exec", line=5)),
    ('["CMD", "redis-cli", "ping"]', Probe("healthcheck", "exec", line=5)),
])
def test_healthcheck_probes(test, probe):
    w = one(f"""
    services:
      app:
        image: app
        healthcheck:
          test: {test}
          interval: 10s
    """)
    assert w.probes == (probe,)


@pytest.mark.parametrize("healthcheck", [
    "{test: [\"NONE\"]}",
    "{disable: true}",
    "{disable: true, test: [\"CMD\", \"curl\", \"http://localhost/h\"]}",
    "{interval: 10s}",
    "[not, a, mapping]",
])
def test_healthcheck_without_probe(healthcheck):
    w = one(f"services:\n  app:\n    image: app\n    healthcheck: {healthcheck}\n")
    assert w.probes == ()


def test_replicas_resources_and_user():
    facts, errors = run("""
    services:
      a:
        image: a
        user: "1000:1000"
        deploy:
          replicas: 3
          resources:
            limits:
              cpus: "0.5"
              memory: 256M
      b:
        image: b
        mem_limit: 512m
        scale: 2
        user: root
      c:
        image: c
        deploy:
          replicas: many
          resources:
            reservations:
              memory: 128M
    """)
    assert errors == []
    a, b, c = facts.workloads
    assert (a.replicas, a.has_resources, a.run_as_non_root) == (3, True, True)
    assert (b.replicas, b.has_resources, b.run_as_non_root) == (2, True, False)
    assert (c.replicas, c.has_resources, c.run_as_non_root) == (None, False, None)


def test_labels_aliases_and_depends_on_forms():
    facts, errors = run("""
    services:
      api:
        image: api
        container_name: shop-api
        hostname: api.local
        labels:
          - "com.example.tier=backend"
          - "com.example.flag"
        networks:
          front:
            aliases: [gateway-api, api]
          back:
        depends_on:
          db:
            condition: service_healthy
          cache:
            condition: service_started
      web:
        image: web
        labels:
          z: "1"
          a: 2
        networks: [front]
        depends_on: [api]
    """)
    assert errors == []
    api, web = facts.workloads
    assert api.labels == (("com.example.flag", ""), ("com.example.tier", "backend"))
    assert api.aliases == ("shop-api", "api.local", "gateway-api")
    assert api.depends_on == ("db", "cache")
    assert web.labels == (("a", "2"), ("z", "1"))
    assert web.aliases == ()
    assert web.depends_on == ("api",)


def test_command_and_entrypoint_forms():
    facts, _ = run("""
    services:
      a:
        image: a
        command: python manage.py runserver 0.0.0.0:8000
      b:
        image: b
        entrypoint: ["/docker-entrypoint.sh"]
        command: ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]
      c:
        image: c
        command: [
          "bash", "-c",
          '
           docker-entrypoint.sh
           --requirepass password
          '
        ]
    """)
    a, b, c = facts.workloads
    assert a.command == "python manage.py runserver 0.0.0.0:8000"
    assert b.command == "/docker-entrypoint.sh gunicorn app:app -b 0.0.0.0:8000"
    assert c.command == "bash -c docker-entrypoint.sh --requirepass password"


def test_traefik_routes_from_labels():
    facts, errors = run("""
    services:
      traefik:
        image: traefik:v2.10
      users:
        build: ./users
        labels:
          - "traefik.enable=true"
          - "traefik.http.routers.users.rule=Host(`shop.local`) && PathPrefix(`/users`)"
          - "traefik.http.services.users.loadbalancer.server.port=8000"
      orders:
        build: ./orders
        deploy:
          labels:
            traefik.http.routers.orders.rule: "PathPrefix(`/orders`, `/carts`) || Path(`/checkout`)"
      legacy:
        image: legacy
        labels:
          traefik.frontend.rule: "PathPrefixStrip:/legacy,/old"
      hidden:
        image: hidden
        labels:
          traefik.enable: "false"
          traefik.http.routers.hidden.rule: PathPrefix(`/hidden`)
      hostonly:
        image: h
        labels:
          traefik.http.routers.h.rule: Host(`h.local`)
    """)
    assert errors == []
    f = "docker-compose.yml"
    assert facts.routes == (
        GatewayRoute("/users", "users", f, 8, "traefik"),
        GatewayRoute("/orders", "orders", f, 14, "traefik"),
        GatewayRoute("/carts", "orders", f, 14, "traefik"),
        GatewayRoute("/checkout", "orders", f, 14, "traefik"),
        GatewayRoute("/legacy", "legacy", f, 18, "traefik"),
        GatewayRoute("/old", "legacy", f, 18, "traefik"),
    )


def test_compose_v1_services_at_top_level():
    facts, errors = run("""
    web:
      build: .
      links:
        - db
    db:
      image: postgres
    logging_defaults:
      driver: json-file
    """)
    assert errors == []
    assert [(w.name, w.line) for w in facts.workloads] == [("web", 1), ("db", 5)]


@pytest.mark.parametrize("text", [
    'version: "3"\n',
    "",
    "# only a comment\n",
    "services:\n",
    'version: "3"\nx-common: &c\n  restart: always\nnetworks:\n  default:\n',
])
def test_files_without_services(text):
    facts, errors = run(text)
    assert facts.workloads == ()
    assert errors == []


def test_odd_shapes_are_skipped_without_raising():
    facts, errors = run("""
    services:
      x-extension:
        image: ignored
      listy: [a, b]
      empty:
      123:
        image: 42
        build: 7
        ports: {not: a list}
        environment: just-a-string
        env_file: {path: 1}
        labels: 5
        depends_on: db
        networks: [front]
        healthcheck: {test: 5}
        command: {a: 1}
        extends:
          file: common.yml
          service: base
    """)
    assert [w.name for w in facts.workloads] == ["empty", "123"]
    empty, numbered = facts.workloads
    assert empty == Workload("empty", "compose", "service", "docker-compose.yml", 5)
    assert numbered.image == "42"
    assert numbered.build_context == "7"
    assert (numbered.ports, numbered.env, numbered.env_from, numbered.labels) == ((), (), (), ())
    assert (numbered.depends_on, numbered.probes, numbered.command) == ((), (), "")
    assert [(e.message, e.line) for e in errors] == [("service 'listy' is not a mapping", 4)]


@pytest.mark.parametrize("text, message, line", [
    ("services:\n  - web\n  - db\n", "`services` is not a mapping", 1),
    ("- just\n- a list\n", "compose file is not a mapping at the top level", 1),
    ("services:\n  web:\n    image: [unclosed\n", "invalid YAML", 4),
    ("services:\n  web:\n  image: x\n   bad: indent\n", "invalid YAML", 4),
    ("services:\n  web:\n    image: \"unterminated\n", "invalid YAML", 4),
])
def test_broken_files_give_parse_errors(text, message, line):
    facts, errors = run(text)
    assert facts.workloads == ()
    assert errors and message in errors[0].message
    assert errors[0].line == line


def test_duplicate_keys_are_reported_and_the_last_wins():
    facts, errors = run("""
    services:
      web:
        image: old
        image: new
    """)
    assert facts.workloads[0].image == "new"
    assert [(e.line, "duplicate key" in e.message) for e in errors] == [(4, True)]


def test_alias_bomb_is_refused_not_expanded():
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]"
             for i in range(8)]
    facts, errors = run("\n".join(rows) + "\nservices:\n  web:\n    image: x\n")
    assert facts.workloads == ()
    assert errors and "alias bomb" in errors[0].message


def test_facts_are_hashable_and_json_round_trip():
    from svclint.model import DeployFacts, from_data, to_data
    facts, _ = run(V3_WITH_ANCHORS)
    hash(facts)
    assert from_data(DeployFacts, to_data(facts)) == facts


_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=12)
_keys = st.sampled_from(["image", "build", "context", "environment", "env_file", "ports", "expose",
                         "healthcheck", "test", "deploy", "replicas", "resources", "limits", "labels",
                         "networks", "aliases", "depends_on", "command", "entrypoint", "user", "path"])
_service = st.dictionaries(_keys, _values | st.dictionaries(_keys, _values, max_size=4), max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), _service | _values, max_size=4))
def test_any_services_shape_never_raises(services):
    text = yaml.safe_dump({"services": services}, allow_unicode=True)
    facts, _ = extract_compose("a/docker-compose.yml", text)
    hash(facts)


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_text_never_raises(text):
    facts, errors = extract_compose("docker-compose.yml", text)
    hash(facts)
    assert all(e.line >= 1 for e in errors)
