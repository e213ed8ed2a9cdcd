"""Each stage on its own, on hand-built inputs: discover, fold, the Python extractor, resolve, graph,
the engine's handling of unreadable files and suppressions."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from svclint.discover import DEFAULT_EXCLUDES, discover
from svclint.engine import analyze, run_rules
from svclint.extract import yaml_kind
from svclint.extract.python import extract_python
from svclint.graph import build_graph, datastore_users, sync_cycles
from svclint.model import Architecture, CallSite, Edge, Node, PythonFacts, Service
from svclint.rules import ALL_RULES


def py(source: str, path: str = "svc/app.py") -> PythonFacts:
    """Facts of `source`, dedented and without its opening newline (its first code line is line 1)."""
    facts, errors = extract_python(path, textwrap.dedent(source).lstrip("\n").encode())
    assert errors == ()
    assert facts is not None
    return facts


def constants(source: str) -> dict[str, str]:
    return {c.name: c.value for c in py(source).constants}


def calls(source: str, path: str = "svc/app.py") -> list[CallSite]:
    return list(py(source, path).calls)


def call_at(source: str, line: int) -> CallSite:
    found = [c for c in calls(source) if c.line == line]
    assert len(found) == 1, found
    return found[0]


# pseudo-routes the extractor records for resolve to compose paths across modules
PSEUDO = ("PREFIX", "MOUNT")


def routes(source: str, path: str = "svc/app.py") -> set[tuple[str, str, str]]:
    return {(r.method, r.path, r.framework) for r in py(source, path).routes if r.method not in PSEUDO}


def edges(arch: Architecture) -> set[tuple[str, str, str, str]]:
    return {(e.source, e.target, e.kind, e.protocol) for e in arch.edges}


def rule(rule_id: str):
    return next(r for r in ALL_RULES if r.id == rule_id)


# ============================================================================================== discover


def _paths(root: Path, excludes=DEFAULT_EXCLUDES) -> dict[str, str]:
    return {f.path: f.kind for f in discover(str(root), excludes).files}


def test_discover_honours_gitignore(make_repo) -> None:
    root = make_repo({".gitignore": "build/\n*.log.py\nsecret.py\n", "app.py": "", "secret.py": "",
                      "svc/secret.py": "", "build/gen.py": "", "svc/x.log.py": "", "svc/keep.py": ""})
    assert set(_paths(root)) == {"app.py", "svc/keep.py"}


def test_discover_honours_nested_gitignore_below_its_directory_only(make_repo) -> None:
    root = make_repo({
        "svc/.gitignore": "/local.py\ngenerated/\n",
        "svc/local.py": "", "svc/sub/local.py": "", "local.py": "", "svc/generated/x.py": "",
        "other/.gitignore": "*.py\n!main.py\n", "other/main.py": "", "other/x.py": "",
        "svc/app.py": "",
    })
    assert set(_paths(root)) == {"local.py", "svc/sub/local.py", "other/main.py", "svc/app.py"}


def test_discover_default_excludes(make_repo) -> None:
    root = make_repo({
        "svc/app.py": "", "svc/tests/test_app.py": "", "tests/helpers.py": "", "svc/test_x.py": "",
        "svc/x_test.py": "", "svc/conftest.py": "", ".venv/lib/site.py": "", "node_modules/a/b.py": "",
        "svc/__pycache__/app.py": "", "vendor/lib.py": "", "svc/testing/t.py": "",
    })
    assert set(_paths(root)) == {"svc/app.py"}
    everything = _paths(root, ())
    assert {"svc/tests/test_app.py", "tests/helpers.py", "vendor/lib.py"} <= set(everything)


def test_discover_leaves_hidden_directories_out_by_default(make_repo) -> None:
    """Development containers, CI and linters' rule tests live in hidden directories; the system does
    not. The root's own dotfiles (`.env`, read for compose interpolation) still count."""
    root = make_repo({
        "svc/app.py": "", ".devcontainer/docker-compose.yml": "services:\n  app:\n    build: .\n",
        ".semgrep/rules/requests.py": "import requests\nrequests.get('https://foo')\n",
        "svc/.cache/x.py": "", ".env": "A=1\n",
    })
    assert set(_paths(root)) == {"svc/app.py", ".env"}
    assert {".devcontainer/docker-compose.yml", ".semgrep/rules/requests.py"} <= set(_paths(root, ()))


def test_a_root_dockerfile_without_deployment_files_is_named_after_the_repository(tmp_path) -> None:
    root = tmp_path / "Acme Store"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM python:3.12\nCOPY . /app\nCMD [\"python\", \"app.py\"]\n")
    (root / "app.py").write_text("import requests\n")
    assert [s.id for s in analyze(str(root)).arch.services] == ["acme-store"]


def test_discover_extra_excludes(make_repo) -> None:
    root = make_repo({"a/app.py": "", "b/app.py": ""})
    assert set(_paths(root, DEFAULT_EXCLUDES + ("b/",))) == {"a/app.py"}


def test_discover_classifies_by_name_and_sorts(make_repo) -> None:
    root = make_repo({
        "svc/Dockerfile": "FROM python:3.12\n", "svc/Dockerfile.dev": "FROM python:3.12\n",
        "docker-compose.yml": "services:\n  a:\n    image: a\n", "k8s/app.yaml": "apiVersion: v1\nkind: Service\n",
        ".env": "A=1\n", "svc/.env.prod": "B=2\n", "nginx/nginx.conf": "events {}\n",
        "svc/app.py": "", "svc/types.pyi": "", "README.md": "# x\n", "svc/requirements.txt": "requests\n",
        "svc/data.json": "{}",
    })
    found = discover(str(root))
    assert [f.path for f in found.files] == sorted(f.path for f in found.files)
    assert _paths(root) == {
        ".env": "envfile", "docker-compose.yml": "yaml", "k8s/app.yaml": "yaml", "nginx/nginx.conf": "nginx",
        "svc/.env.prod": "envfile", "svc/Dockerfile": "dockerfile", "svc/Dockerfile.dev": "dockerfile",
        "svc/app.py": "python", "svc/types.pyi": "python",
    }


def test_yaml_kind_is_decided_by_content_at_extract_time(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  a:\n    image: nginx\n",
        "deploy/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n",
        "svc/service.yaml": "service:\n  name: svc\n",
        "config/settings.yaml": "debug: true\n",
    })
    kinds = {p: f.kind for p, f in analyze(str(root)).files.items()}
    assert kinds == {"docker-compose.yml": "compose", "deploy/app.yaml": "kubernetes",
                     "svc/service.yaml": "contract", "config/settings.yaml": "yaml"}


def test_yaml_kind_recognises_a_flow_style_contract() -> None:
    assert yaml_kind("users/service.yaml", "service: {name: user-service, version: 1.0.0}\n") == "contract"


# ============================================================================================== fold


def test_fold_fstring_concatenation_and_module_constants() -> None:
    got = constants("""
        HOST = "catalog"
        PORT = 8000
        BASE = f"http://{HOST}:{PORT}"
        PLUS = "http://" + HOST + "/x"
        IMPLICIT = ("http://" "orders")
        ESCAPED = f"{{literal}}/{HOST}"
    """)
    assert got["BASE"] == "http://catalog:8000"
    assert got["PLUS"] == "http://catalog/x"
    assert got["IMPLICIT"] == "http://orders"
    assert got["ESCAPED"] == "{literal}/catalog"


def test_fold_environment_reads() -> None:
    got = constants("""
        import os
        from os import environ, getenv
        A = os.environ.get("A_URL", "http://a:8000")
        B = os.environ["B_URL"]
        C = os.getenv("C_URL")
        D = environ.get("D_URL", default="http://d")
        E = getenv("E_PORT", 5432)
        F = os.environ.get("F_URL") or "http://f"
        G = os.environ.get("G_URL", None)
    """)
    assert got["A"] == "${A_URL:-http://a:8000}"
    assert got["B"] == "${B_URL}"
    assert got["C"] == "${C_URL}"
    assert got["D"] == "${D_URL:-http://d}"
    assert got["E"] == "${E_PORT:-5432}"
    assert got["F"] == "${F_URL:-http://f}"
    assert got["G"] == "${G_URL}"


def test_fold_environment_reads_are_recorded() -> None:
    facts = py("""
        import os
        A = os.environ.get("A_URL", "http://a:8000")
        B = os.environ["B_URL"]
    """)
    assert {(e.name, e.default, e.line) for e in facts.env_reads} == {("A_URL", "http://a:8000", 2),
                                                                      ("B_URL", None, 3)}


def test_fold_percent_format_and_urljoin() -> None:
    got = constants("""
        import os
        from urllib.parse import urljoin
        HOST = os.environ.get("HOST", "pay")
        PCT = "http://%s:%d/charge" % (HOST, 8080)
        PCT1 = "http://%s/x" % HOST
        FMT = "http://{}:{}/v1".format(HOST, 9000)
        NAMED = "http://{host}/v2".format(host=HOST)
        JOINED = urljoin("http://cart:8000/api/", "items")
        ROOTED = urljoin("http://cart:8000/api/", "/health")
    """)
    assert got["PCT"] == "http://${HOST:-pay}:8080/charge"
    assert got["PCT1"] == "http://${HOST:-pay}/x"
    assert got["FMT"] == "http://${HOST:-pay}:9000/v1"
    assert got["NAMED"] == "http://${HOST:-pay}/v2"
    assert got["JOINED"] == "http://cart:8000/api/items"
    assert got["ROOTED"] == "http://cart:8000/health"


def test_fold_unknown_parts_and_imported_names() -> None:
    got = constants("""
        from orders.config import CATALOG
        from . import settings
        import shop.config as cfg
        A = CATALOG + "/products"
        B = f"{settings.BASE}/x"
        C = cfg.URL
    """)
    assert got["A"] == "${ref:orders.config.CATALOG}/products"
    assert got["B"] == "${ref:svc.settings.BASE}/x"
    assert got["C"] == "${ref:shop.config.URL}"
    unknown = calls("""
        import requests
        def f(url):
            return requests.get(url + "/x", timeout=1)
    """)
    assert unknown[0].target == "${param:url}/x"   # resolve fills it from callers in other modules


def test_fold_attribute_of_an_imported_module() -> None:
    got = constants("""
        import config
        import shop.settings
        A = config.CATALOG_URL + "/products"
        B = shop.settings.BASE
    """)
    assert got["A"] == "${ref:config.CATALOG_URL}/products"
    assert got["B"] == "${ref:shop.settings.BASE}"


def test_fold_pydantic_settings_fields() -> None:
    facts = py("""
        from pydantic import Field
        from pydantic_settings import BaseSettings
        import requests

        class Settings(BaseSettings):
            catalog_url: str = "http://catalog:8000"
            database_url: str
            psp_key: str = Field("test", env="PSP_API_KEY")
            timeout: float = 3.0

        settings = Settings()

        def get():
            return requests.get(f"{settings.catalog_url}/products", timeout=settings.timeout)
    """)
    got = {c.name: c.value for c in facts.constants}
    assert got["Settings.catalog_url"] == "${CATALOG_URL:-http://catalog:8000}"
    assert got["Settings.database_url"] == "${DATABASE_URL}"
    assert got["Settings.psp_key"] == "${PSP_API_KEY:-test}"
    assert got["settings.catalog_url"] == "${CATALOG_URL:-http://catalog:8000}"
    (call,) = facts.calls
    assert call.target == "${CATALOG_URL:-http://catalog:8000}/products"
    assert call.timeout is True


def test_fold_settings_env_prefix() -> None:
    got = constants("""
        from pydantic_settings import BaseSettings, SettingsConfigDict

        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="ORDERS_")
            catalog_url: str = "http://catalog:8000"
    """)
    assert got["Settings.catalog_url"] == "${ORDERS_CATALOG_URL:-http://catalog:8000}"


# ============================================================================================== calls: HTTP


HTTP = """
import requests
import httpx
import aiohttp
import urllib.request
from urllib.request import urlopen, Request

session = requests.Session()
client = httpx.Client(base_url="http://orders:8000", timeout=2.5)
default_client = httpx.Client(base_url="http://cart:8000")
no_timeout = httpx.Client(base_url="http://cart:8000", timeout=None)

def sync_calls():
    requests.get("http://catalog:8000/a")
    requests.post("http://catalog:8000/b", timeout=4)
    session.get("http://catalog:8000/c")
    session.put("http://catalog:8000/d", timeout=(1, 5))
    client.get("/orders")
    default_client.post("/carts")
    no_timeout.get("/x")

async def async_calls():
    async with aiohttp.ClientSession() as s:
        async with s.get("http://reviews:8000/r") as resp:
            pass
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as s2:
        await s2.post("http://reviews:8000/q")

def stdlib():
    urllib.request.urlopen("http://payments:8080/u")
    urlopen("http://payments:8080/v", timeout=3)
    urlopen(Request("http://payments:8080/w"))
"""


@pytest.mark.parametrize(("line", "library", "operation", "target", "timeout", "value"), [
    (13, "requests", "get", "http://catalog:8000/a", False, None),
    (14, "requests", "post", "http://catalog:8000/b", True, 4.0),
    (15, "requests", "get", "http://catalog:8000/c", False, None),          # Session without timeout
    (16, "requests", "put", "http://catalog:8000/d", True, 5.0),            # (connect, read)
    (17, "httpx", "get", "http://orders:8000/orders", True, 2.5),           # base_url + client timeout
    (18, "httpx", "post", "http://cart:8000/carts", True, None),            # httpx's 5 s default counts
    (19, "httpx", "get", "http://cart:8000/x", False, None),                # timeout=None switches it off
    (23, "aiohttp", "get", "http://reviews:8000/r", True, None),            # aiohttp's default counts
    (26, "aiohttp", "post", "http://reviews:8000/q", True, 3.0),            # ClientTimeout(total=3)
    (29, "urllib", "urlopen", "http://payments:8080/u", False, None),
    (30, "urllib", "urlopen", "http://payments:8080/v", True, 3.0),
    (31, "urllib", "urlopen", "http://payments:8080/w", False, None),       # through a Request object
])
def test_http_clients(line, library, operation, target, timeout, value) -> None:
    call = call_at(HTTP, line)
    assert (call.kind, call.library, call.operation, call.target) == ("http", library, operation, target)
    assert call.timeout is timeout
    assert call.timeout_value == value


def test_http_call_context() -> None:
    by_line = {c.line: c for c in calls(HTTP)}
    assert len(by_line) == 12
    assert by_line[13].function == "sync_calls" and not by_line[13].in_async
    assert by_line[23].function == "async_calls" and by_line[23].in_async
    assert by_line[13].column == 4


def test_http_retry_decorator_and_try() -> None:
    call = calls("""
        import backoff
        import requests

        @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=3)
        def f():
            try:
                return requests.get("http://a/x", timeout=1)
            except requests.RequestException:
                return None
    """)[0]
    assert call.retry and call.backoff and call.in_try


def test_tenacity_exponential_wait_is_backoff() -> None:
    call = calls("""
        import requests
        from tenacity import retry, wait_exponential

        @retry(wait=wait_exponential(multiplier=1, max=10))
        def f():
            return requests.get("http://a/x", timeout=1)
    """)[0]
    assert call.retry and call.backoff


# ============================================================================================== calls: gRPC


GRPC = """
import grpc
from shop.gen import payments_pb2_grpc
from shop.gen.cart_pb2_grpc import CartServiceStub

channel = grpc.insecure_channel("payments:50051")
stub = payments_pb2_grpc.PaymentServiceStub(channel)

def charge(req):
    return stub.Charge(req, timeout=2.0)

def refund(req):
    return stub.Refund(req)

class CartClient:
    def __init__(self, target):
        self._stub = CartServiceStub(grpc.insecure_channel(target))

    def get(self, req):
        return self._stub.GetCart(req)
"""


@pytest.mark.parametrize(("line", "operation", "stub", "target", "timeout"), [
    (9, "Charge", "PaymentServiceStub", "payments:50051", True),
    (12, "Refund", "PaymentServiceStub", "payments:50051", False),
    (19, "GetCart", "CartServiceStub", "${?}", False),
])
def test_grpc_stubs(line, operation, stub, target, timeout) -> None:
    call = call_at(GRPC, line)
    assert (call.kind, call.library, call.operation, call.stub, call.target) == ("grpc", "grpc", operation,
                                                                                  stub, target)
    assert call.timeout is timeout


# ============================================================================================== calls: messaging


KAFKA = """
import json
from kafka import KafkaProducer, KafkaConsumer
from confluent_kafka import Producer
from aiokafka import AIOKafkaProducer, AIOKafkaConsumer

TOPIC = "order-placed"
producer = KafkaProducer(bootstrap_servers="kafka:9092")
consumer = KafkaConsumer("payments", "refunds", bootstrap_servers=["kafka:9092"])
late = KafkaConsumer(bootstrap_servers="kafka:9092")
late.subscribe(["audit"])
confluent = Producer({"bootstrap.servers": "broker:29092"})

def publish(o):
    producer.send(TOPIC, json.dumps(o).encode())
    confluent.produce("invoices", value=b"x")

async def run():
    ap = AIOKafkaProducer(bootstrap_servers="kafka:9092")
    await ap.send_and_wait("shipped", b"x")
    ac = AIOKafkaConsumer("returns", bootstrap_servers="kafka:9092")
"""


def test_kafka_clients() -> None:
    found = calls(KAFKA)
    assert all(c.timeout is None for c in found)   # a send is queued; nothing to say about a timeout
    got = {(c.line, c.library, c.kind, c.channel, c.target) for c in found}
    assert got == {
        (8, "kafka-python", "consume", "payments", "kafka://kafka:9092"),
        (8, "kafka-python", "consume", "refunds", "kafka://kafka:9092"),
        (10, "kafka-python", "consume", "audit", "kafka://kafka:9092"),
        (14, "kafka-python", "publish", "order-placed", "kafka://kafka:9092"),   # topic from a constant
        (15, "confluent-kafka", "publish", "invoices", "kafka://broker:29092"),  # bootstrap.servers in the dict
        (19, "aiokafka", "publish", "shipped", "kafka://kafka:9092"),
        (20, "aiokafka", "consume", "returns", "kafka://kafka:9092"),
    }


def test_pika_and_celery() -> None:
    source = """
        import pika
        from celery import Celery
        from tasks import send_email

        conn = pika.BlockingConnection(pika.ConnectionParameters(host="rabbitmq"))
        channel = conn.channel()
        app = Celery("worker", broker="amqp://rabbitmq//")

        def pub(body):
            channel.basic_publish(exchange="", routing_key="emails", body=body)

        def sub(cb):
            channel.basic_consume(queue="invoices", on_message_callback=cb)

        def later(user):
            send_email.delay(user)
            send_email.apply_async((user,), queue="mail")

        @app.task
        def cleanup():
            pass
    """
    facts = py(source)
    got = {(c.line, c.library, c.kind, c.channel, c.target, c.stub, c.timeout) for c in facts.calls}
    assert got == {
        (10, "pika", "publish", "emails", "amqp://rabbitmq", "", False),
        (13, "pika", "consume", "invoices", "amqp://rabbitmq", "", None),
        (16, "celery", "publish", "celery", "", "send_email", None),      # Celery's default queue
        (17, "celery", "publish", "mail", "", "send_email", None),
    }
    assert facts.celery_tasks == ("cleanup",)


def test_nameko_rpc_events_and_entrypoints() -> None:
    facts = py("""
        from nameko.rpc import rpc, RpcProxy
        from nameko.events import EventDispatcher, event_handler


        class OrdersService:
            name = "orders"
            payments_rpc = RpcProxy("payments")
            dispatch = EventDispatcher()

            @rpc
            def create(self, order):
                self.payments_rpc.charge(order)
                self.dispatch("order_created", order)
                return order

            @event_handler("payments", "payment_received")
            def on_paid(self, payload):
                pass
    """)
    got = {(c.line, c.kind, c.operation, c.channel, c.stub, c.timeout) for c in facts.calls}
    assert got == {
        (12, "rpc", "charge", "", "payments", False),
        (13, "publish", "dispatch", "order_created", "orders", False),
        (16, "consume", "event_handler", "payment_received", "payments", None),
    }
    assert all(c.library == "nameko" for c in facts.calls)
    assert facts.nameko_name == "orders"
    assert {(r.method, r.path, r.framework) for r in facts.routes if r.method not in PSEUDO} == {("RPC", "orders.create", "nameko")}


# ============================================================================================== calls: datastores


def test_datastore_clients() -> None:
    source = """
        import os
        import psycopg2
        import redis
        from pymongo import MongoClient
        from sqlalchemy import create_engine

        engine = create_engine("postgresql+psycopg2://app:pw@postgres:5432/shop")
        local = create_engine(os.environ.get("DATABASE_URL", "sqlite:///local.db"))
        conn = psycopg2.connect(host="pg", dbname="orders", connect_timeout=3)
        mongo = MongoClient("mongodb://mongo:27017/reviews")
        cache = redis.Redis(host="cache", port=6379)
        from_url = redis.Redis.from_url("redis://cart-redis:6379/0")
    """
    got = {c.line: (c.kind, c.library, c.target, c.timeout) for c in calls(source)}
    assert got == {
        7: ("db", "sqlalchemy", "postgresql+psycopg2://app:pw@postgres:5432/shop", False),
        8: ("db", "sqlalchemy", "${DATABASE_URL:-sqlite:///local.db}", False),
        9: ("db", "psycopg2", "postgres://pg/orders", True),
        10: ("db", "pymongo", "mongodb://mongo:27017/reviews", False),
        11: ("db", "redis", "redis://cache:6379", False),
        12: ("db", "redis", "redis://cart-redis:6379/0", False),
    }


def test_psycopg2_keyword_dsn() -> None:
    (call,) = calls('import psycopg2\nconn = psycopg2.connect("dbname=orders host=pg user=app")\n')
    assert call.target in ("postgres://pg/orders", "postgres://pg")


# ============================================================================================== routes


def test_fastapi_routes_with_router_prefix() -> None:
    assert routes("""
        from fastapi import FastAPI, APIRouter

        app = FastAPI()
        router = APIRouter(prefix="/orders")

        @app.get("/health")
        def health():
            return {}

        @router.get("/{order_id}")
        def get_order(order_id: int):
            pass

        @router.post("")
        def create():
            pass

        @app.api_route("/any", methods=["GET", "HEAD"])
        def any_():
            pass

        app.include_router(router)
    """) == {("GET", "/health", "fastapi"), ("GET", "/orders/{order_id}", "fastapi"),
             ("POST", "/orders", "fastapi"), ("GET", "/any", "fastapi"), ("HEAD", "/any", "fastapi")}


def test_flask_routes_with_methods() -> None:
    facts = py("""
        from flask import Flask, Blueprint
        app = Flask(__name__)
        bp = Blueprint("items", __name__, url_prefix="/items")

        @app.route("/products/<int:pid>", methods=["GET", "PUT"])
        def product(pid):
            pass

        @app.route("/ping")
        def ping():
            pass

        @bp.post("/")
        def add():
            pass

        app.add_url_rule("/legacy", view_func=ping, methods=["POST"])
    """)
    assert {(r.method, r.path, r.framework) for r in facts.routes if r.method not in PSEUDO} == {
        ("GET", "/products/<int:pid>", "flask"), ("PUT", "/products/<int:pid>", "flask"),
        ("GET", "/ping", "flask"), ("POST", "/items/", "flask"), ("POST", "/legacy", "flask")}
    assert {(r.path, r.line, r.handler) for r in facts.routes if r.method == "GET"} == {
        ("/products/<int:pid>", 5, "product"), ("/ping", 9, "ping")}
    assert facts.frameworks == ("flask",)


def test_aiohttp_routes() -> None:
    facts = py("""
        from aiohttp import web

        routes = web.RouteTableDef()

        @routes.get("/reviews/{pid}")
        async def list_reviews(request):
            pass

        async def healthz(request):
            return web.Response(text="ok")

        def make_app():
            app = web.Application()
            app.router.add_get("/healthz", healthz)
            app.router.add_post("/reviews", list_reviews)
            app.router.add_route("DELETE", "/reviews/{id}", list_reviews)
            app.add_routes(routes)
            return app

        if __name__ == "__main__":
            web.run_app(make_app())
    """)
    assert {(r.method, r.path, r.framework) for r in facts.routes if r.method not in PSEUDO} == {
        ("GET", "/reviews/{pid}", "aiohttp"), ("GET", "/healthz", "aiohttp"),
        ("POST", "/reviews", "aiohttp"), ("DELETE", "/reviews/{id}", "aiohttp")}
    assert facts.is_main


def test_django_urls() -> None:
    got = routes("""
        from django.urls import path, include, re_path
        from . import views

        urlpatterns = [
            path("health/", views.health),
            path("orders/<int:pk>/", views.OrderDetail.as_view()),
            path("api/", include("api.urls")),
            re_path(r"^legacy/(?P<slug>[-\\w]+)/$", views.legacy),
        ]
    """, path="shop/urls.py")
    assert got == {("*", "health/", "django"), ("*", "orders/<int:pk>/", "django"),
                   ("INCLUDE", "api/", "django"), ("*", "legacy/{slug}/", "django")}


def test_grpc_servicer_registration() -> None:
    facts = py("""
        import grpc
        from concurrent import futures
        from pay import payments_pb2_grpc
        from grpc_health.v1 import health_pb2_grpc, health

        class PaymentService(payments_pb2_grpc.PaymentServiceServicer):
            def Charge(self, request, context):
                pass

        def serve():
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            payments_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentService(), server)
            health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
            server.add_insecure_port("[::]:50051")
            server.start()
    """, path="pay/server.py")
    assert facts.grpc_servicers == ("PaymentService",)
    assert facts.grpc_health is True
    assert "grpc" in facts.frameworks


def test_generated_grpc_modules_are_read_for_their_services_only() -> None:
    facts, errors = extract_python("gen/payments_pb2_grpc.py", textwrap.dedent("""
        # Generated by the gRPC Python protocol compiler plugin. DO NOT EDIT!
        import grpc
        class PaymentServiceStub(object):
            def __init__(self, channel):
                self.Charge = channel.unary_unary('/shop.payments.PaymentService/Charge')
    """).encode())
    assert errors == ()
    assert facts.generated and facts.grpc_services == ("shop.payments.PaymentService",)
    assert facts.calls == ()


# ============================================================================================== resolve


def test_resolve_env_from_compose_list_and_map_forms(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": """
            services:
              a:
                build: ./a
                environment:
                  - B_URL=http://b:8000
                  - DB_URL=postgresql://u:p@db:5432/a
              b:
                build: ./b
                environment:
                  CACHE_HOST: cache
              db:
                image: postgres:16
              cache:
                image: redis:7-alpine
        """,
        # the code's defaults point at localhost: only the deployment's values lead anywhere
        "a/app.py": """
            import os
            import requests
            from sqlalchemy import create_engine

            B = os.environ.get("B_URL", "http://localhost:9000")
            engine = create_engine(os.environ.get("DB_URL", "sqlite:///dev.db"))

            def f():
                return requests.get(f"{B}/items", timeout=2)
        """,
        "b/app.py": """
            import os
            import redis
            r = redis.Redis(host=os.getenv("CACHE_HOST", "localhost"), port=6379)
        """,
    }, dedent=True)
    arch = analyze(str(root)).arch
    env = {sid: dict(values) for sid, values in arch.env}
    # the URL's password is a fingerprint (secrets never leave extraction); its host is read
    assert env["a"]["B_URL"] == "http://b:8000" and set(env["a"]) == {"B_URL", "DB_URL"}
    assert re.fullmatch(r"postgresql://u:svclint-redacted-\w\w-[0-9a-f]{12}@db:5432/a", env["a"]["DB_URL"])
    assert env["b"] == {"CACHE_HOST": "cache"}
    by_key = {(e.source, e.target, e.kind, e.protocol): e for e in arch.edges}
    assert set(by_key) == {("a", "b", "call", "http"), ("a", "db", "datastore", "postgres"),
                           ("b", "cache", "datastore", "redis")}
    # each edge is backed by the code that makes it, not only by the configuration
    assert ("a/app.py", 9) in {(ev.file, ev.line) for ev in by_key["a", "b", "call", "http"].evidence}
    assert "code" in by_key["a", "db", "datastore", "postgres"].origin
    assert "code" in by_key["b", "cache", "datastore", "redis"].origin


K8S_FRONT = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: front-config
data:
  ORDERS_URL: http://orders-api:8000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: front
spec:
  selector:
    matchLabels: {app: front}
  template:
    metadata:
      labels: {app: front}
    spec:
      containers:
        - name: front
          image: registry.example.com/front:1.0
          envFrom:
            - configMapRef: {name: front-config}
          env:
            - name: CART_HOST
              value: cart
"""
K8S_ORDERS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-backend
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: orders
          image: registry.example.com/orders:1.0
---
apiVersion: v1
kind: Service
metadata:
  name: orders-api
spec:
  selector: {app: orders}
  ports: [{port: 8000}]
"""


def test_resolve_k8s_env_configmap_and_service_selector(make_repo) -> None:
    root = make_repo({
        "k8s/front.yaml": K8S_FRONT, "k8s/orders.yaml": K8S_ORDERS,
        "front/app.py": "import os\nimport requests\n\n"
                        "ORDERS = os.environ.get('ORDERS_URL', 'http://localhost:8000')\n\n"
                        "def f():\n    return requests.get(ORDERS + '/orders', timeout=2)\n",
        "orders/app.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/orders')\n"
                         "def orders():\n    return []\n",
    })
    arch = analyze(str(root)).arch
    assert {s.id: s.path for s in arch.services} == {"front": "front", "orders-backend": "orders"}
    env = {sid: dict(values) for sid, values in arch.env}
    assert env["front"] == {"ORDERS_URL": "http://orders-api:8000", "CART_HOST": "cart"}
    # the k8s Service orders-api selects the orders-backend workload
    assert edges(arch) == {("front", "orders-backend", "call", "http")}
    (edge,) = arch.edges
    assert ("front/app.py", 7) in {(ev.file, ev.line) for ev in edge.evidence}


def test_resolve_third_party_images_are_datastores_and_brokers(make_repo) -> None:
    root = make_repo({"docker-compose.yml": """
        services:
          api:
            build: ./api
          pg:
            image: postgres:16
          cache:
            image: docker.io/library/redis:7-alpine
          mq:
            image: rabbitmq:3-management
          events:
            image: bitnami/kafka:3.7
          docs:
            image: mongo:7
          tracing:
            image: jaegertracing/all-in-one:1.57
          custom-db:
            build: ./custom-db
            image: postgres
        """, "api/app.py": "x = 1\n", "custom-db/init.py": "x = 1\n"}, dedent=True)
    arch = analyze(str(root)).arch
    assert {s.id for s in arch.services} == {"api", "custom-db"}   # built from the repository: a service
    nodes = {n.id: (n.kind, n.type) for n in arch.nodes}
    assert nodes == {"pg": ("datastore", "postgres"), "cache": ("datastore", "redis"),
                     "mq": ("broker", "rabbitmq"), "events": ("broker", "kafka"),
                     "docs": ("datastore", "mongodb")}


def test_resolve_grpc_stub_falls_back_to_the_servicer(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  orders:\n    build: ./orders\n  pay:\n    build: ./pay\n",
        "orders/client.py": """
            import os
            import grpc
            from gen import pay_pb2_grpc

            stub = pay_pb2_grpc.PayStub(grpc.insecure_channel(os.environ["PAY_ADDR"]))

            def charge(req):
                return stub.Charge(req, timeout=1)
        """,
        "pay/server.py": """
            import grpc
            from gen import pay_pb2_grpc

            class Pay(pay_pb2_grpc.PayServicer):
                pass

            def serve():
                server = grpc.server(None)
                pay_pb2_grpc.add_PayServicer_to_server(Pay(), server)
        """,
    }, dedent=True)
    arch = analyze(str(root)).arch
    assert edges(arch) == {("orders", "pay", "call", "grpc")}
    assert arch.service("pay").grpc == ("Pay",)


TOPIC_COMPOSE = """
services:
  orders:
    build: ./orders
  notify:
    build: ./notify
  kafka:
    image: bitnami/kafka:3.7
"""


def test_resolve_publish_channel_subscribe_through_topic_constants(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": TOPIC_COMPOSE,
        "orders/orders/topics.py": 'ORDER_PLACED = "order-placed"\n',
        "orders/orders/events.py": """
            from kafka import KafkaProducer
            from orders.topics import ORDER_PLACED

            producer = KafkaProducer(bootstrap_servers="kafka:9092")

            def publish(order):
                producer.send(ORDER_PLACED, order)
        """,
        "notify/notify/topics.py": 'ORDER_PLACED = "order-placed"\n',
        "notify/notify/worker.py": """
            from kafka import KafkaConsumer
            from .topics import ORDER_PLACED

            consumer = KafkaConsumer(ORDER_PLACED, bootstrap_servers="kafka:9092")
        """,
    }, dedent=True)
    arch = analyze(str(root)).arch
    assert edges(arch) == {("orders", "order-placed", "publish", "kafka"),
                           ("order-placed", "notify", "subscribe", "kafka")}
    nodes = {n.id: n for n in arch.nodes}
    assert nodes["order-placed"].kind == "channel" and nodes["order-placed"].broker == "kafka"
    assert arch.service("orders").events == ("order-placed",)


def test_resolve_topic_constant_from_a_shared_library(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": TOPIC_COMPOSE,
        "libs/events/topics.py": 'ORDER_PLACED = "order-placed"\n',
        "orders/events.py": "from kafka import KafkaProducer\nfrom libs.events.topics import ORDER_PLACED\n"
                            "producer = KafkaProducer(bootstrap_servers='kafka:9092')\n\n"
                            "def publish(order):\n    producer.send(ORDER_PLACED, order)\n",
        "notify/worker.py": "from kafka import KafkaConsumer\nfrom libs.events.topics import ORDER_PLACED\n"
                            "consumer = KafkaConsumer(ORDER_PLACED, bootstrap_servers='kafka:9092')\n",
    })
    arch = analyze(str(root)).arch
    assert edges(arch) == {("orders", "order-placed", "publish", "kafka"),
                           ("order-placed", "notify", "subscribe", "kafka")}


def test_resolve_attributes_files_to_services(make_repo) -> None:
    root = make_repo({"docker-compose.yml": "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n",
                      "a/app.py": "x = 1\n", "a/pkg/mod.py": "x = 1\n", "b/app.py": "x = 1\n",
                      "scripts/tool.py": "x = 1\n"})
    arch = analyze(str(root)).arch
    assert arch.services_of("a/pkg/mod.py") == ("a",)
    assert arch.services_of("b/app.py") == ("b",)
    assert arch.services_of("scripts/tool.py") == ()


# ============================================================================================== graph


def _arch(edge_list: list[tuple[str, str, str]], stores: tuple[str, ...] = ("db", "cache"),
          services: tuple[str, ...] = ("a", "b", "c", "d")) -> Architecture:
    nodes = tuple(Node(s, "datastore", "postgres") for s in stores) + (Node("topic", "channel", broker="kafka"),)
    return Architecture(services=tuple(Service(s, s) for s in services), nodes=nodes,
                        edges=tuple(Edge(s, t, k, "http") for s, t, k in edge_list))


def test_sync_cycles() -> None:
    g = build_graph(_arch([("b", "c", "call"), ("c", "a", "call"), ("a", "b", "call"), ("c", "d", "call"),
                           ("d", "c", "call"), ("a", "topic", "publish"), ("topic", "d", "subscribe"),
                           ("d", "db", "datastore")]))
    assert sync_cycles(g) == [["a", "b", "c"], ["c", "d"]]


def test_sync_cycles_ignore_async_flows_and_datastores() -> None:
    g = build_graph(_arch([("a", "b", "call"), ("b", "topic", "publish"), ("topic", "a", "subscribe"),
                           ("b", "db", "datastore"), ("a", "db", "datastore")]))
    assert sync_cycles(g) == []


def test_datastore_users() -> None:
    g = build_graph(_arch([("a", "db", "datastore"), ("b", "db", "datastore"), ("b", "db", "datastore"),
                           ("c", "cache", "datastore"), ("a", "b", "call")]))
    assert datastore_users(g) == {"cache": ["c"], "db": ["a", "b"]}


# ============================================================================================== engine


BROKEN = {
    "docker-compose.yml": "services:\n  svc:\n    build: ./svc\n",
    "svc/broken.py": "import os\n\ndef broken(:\n    pass\n",
    "svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y')\n",
}


def test_syntax_error_is_a_finding_and_the_rest_is_analysed(scan_files) -> None:
    analysis, findings = scan_files(BROKEN, dedent=False)
    assert analysis.files["svc/broken.py"].python is None
    assert analysis.files["svc/broken.py"].errors
    errors = [f for f in findings if f.rule == "E001"]
    assert [(f.file, f.severity.value) for f in errors] == [("svc/broken.py", "error")]
    assert "syntax error" in errors[0].message
    assert ("RES001", "svc/app.py", 4) in {(f.rule, f.file, f.line) for f in findings}
    assert analysis.arch.services_of("svc/app.py") == ("svc",)


def test_syntax_error_finding_has_the_line_of_the_error(scan_files) -> None:
    _, findings = scan_files(BROKEN, rules=[rule("E001")], dedent=False)
    assert [(f.file, f.line) for f in findings] == [("svc/broken.py", 3)]


def test_bad_yaml_is_a_finding_with_its_line(scan_files) -> None:
    _, findings = scan_files({"k8s/app.yaml": "apiVersion: v1\nkind: Service\nmetadata: [a, b\n",
                              "svc/app.py": "x = 1\n"}, rules=[rule("E001")], dedent=False)
    assert [(f.rule, f.file, f.line) for f in findings] == [("E001", "k8s/app.yaml", 4)]


SUPPRESSED = "import requests\n\ndef f():\n    return requests.get('http://x/y'){comment}\n"


@pytest.mark.parametrize(("comment", "kept"), [
    ("", True),
    ("  # svclint: ignore[RES001] the batch job may wait", False),
    ("  # svclint: ignore[RES] resilience is handled by the mesh", False),
    ("  # svclint: ignore[RES001]", True),               # no reason: not honoured
    ("  # svclint: ignore[OBS001] unrelated", True),     # another rule
])
def test_suppression_comment_needs_a_reason(scan_files, comment: str, kept: bool) -> None:
    _, findings = scan_files({"svc/app.py": SUPPRESSED.format(comment=comment)}, rules=[rule("RES001")],
                             dedent=False)
    assert bool(findings) is kept


def test_file_level_suppression(scan_files) -> None:
    source = "# svclint: ignore-file[RES001] load-test helper\n" + SUPPRESSED.format(comment="")
    _, findings = scan_files({"svc/app.py": source}, rules=[rule("RES001")], dedent=False)
    assert findings == []


def test_a_suppression_on_another_line_does_not_apply(scan_files) -> None:
    source = "import requests  # svclint: ignore[RES001] wrong line\n\ndef f():\n" \
             "    return requests.get('http://x/y')\n"
    _, findings = scan_files({"svc/app.py": source}, rules=[rule("RES001")], dedent=False)
    assert [(f.rule, f.line) for f in findings] == [("RES001", 4)]


def test_a_failing_rule_becomes_a_finding(make_repo) -> None:
    from dataclasses import replace

    def boom(ctx):
        raise RuntimeError("boom")
        yield  # pragma: no cover

    bad = replace(rule("SVC003"), check=boom)
    analysis = analyze(str(make_repo({"svc/app.py": "x = 1\n"})))
    (finding,) = run_rules(analysis, [bad])
    assert finding.rule == "SVC003" and "RuntimeError: boom" in finding.message
    with pytest.raises(RuntimeError):
        run_rules(analysis, [bad], debug=True)


def test_findings_are_sorted_and_unique(pipeline, shop) -> None:
    _, findings = pipeline(shop)
    assert findings == sorted(set(findings), key=lambda f: f.sort_key())


def test_health_check_middleware_around_the_application_is_a_health_endpoint(tmp_path) -> None:
    """`application = health_check(application, "/health/")` (an ASGI middleware, as saleor has): the
    service answers on that path though no route declares it. Inside a function a path is just a value."""
    root = tmp_path / "shop"
    (root / "api").mkdir(parents=True)
    (root / "api" / "Dockerfile").write_text("FROM python:3.12\nCMD [\"uvicorn\", \"api.asgi:application\"]\n")
    (root / "api" / "asgi.py").write_text(
        "from django.core.asgi import get_asgi_application\nfrom .health import health_check\n\n"
        "application = get_asgi_application()\napplication = health_check(application, \"/health/\")\n")
    (root / "api" / "client.py").write_text("def ping(session):\n    return session.get('/healthz')\n")
    (root / "docker-compose.yml").write_text("services:\n  api:\n    build: ./api\n")
    arch = analyze(str(root)).arch
    assert [s.health_endpoints for s in arch.services] == [("/health/",)]
    facts = py("import api.health\napp = api.health.wrap(object(), path='/readyz')\n")
    assert [(r.method, r.path, r.framework, r.handler) for r in facts.routes] == [
        ("GET", "/readyz", "middleware", "api.health.wrap")]
