"""Resolution mechanisms on small synthetic repositories: each test is one general mechanism."""
from __future__ import annotations

from svclint.engine import analyze, run_rules
from svclint.extract.python import extract_python
from svclint.rules import ALL_RULES


def edges(root) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.kind) for e in analyze(str(root)).arch.edges}


def services(root) -> dict:
    return {s.id: s for s in analyze(str(root)).arch.services}


WEB_WORKER_BEAT = """services:
  web:
    build: .
    command: gunicorn app.wsgi
    environment: [BROKER_URL=amqp://guest:guest@rabbit//]
  worker:
    build: .
    command: {worker}
    environment: [BROKER_URL=amqp://guest:guest@rabbit//]
  beat:
    build: .
    command: celery -A app beat
  flower:
    build: .
    command: /start-flower
  rabbit:
    image: rabbitmq:3
"""
TASKS = """import requests
from celery import shared_task

@shared_task
def notify(user):
    requests.post("https://hooks.example.com/x", json=user)
"""
VIEWS = """from flask import Flask
from app.tasks import notify
app = Flask(__name__)

@app.post("/signup")
def signup():
    notify.delay({"u": 1})
    return "ok"
"""


def _celery_repo(make_repo, worker: str, extra: dict | None = None):
    return make_repo({"docker-compose.yml": WEB_WORKER_BEAT.format(worker=worker), "app/tasks.py": TASKS,
                      "app/views.py": VIEWS, **(extra or {})})


def test_one_codebase_split_by_process_role(make_repo) -> None:
    root = _celery_repo(make_repo, "celery -A app worker -l info")
    found = edges(root)
    assert ("web", "celery", "publish") in found
    assert ("celery", "worker", "subscribe") in found
    # the task body runs in the worker, the view in web; beat and flower run neither
    assert ("worker", "hooks.example.com", "call") in found
    assert ("web", "hooks.example.com", "call") not in found
    assert not {e for e in found if e[0] in ("beat", "flower")}
    svcs = services(root)
    assert svcs["web"].http == ("POST /signup",)
    assert svcs["worker"].http == () and svcs["worker"].role == "worker"
    assert svcs["flower"].role == "monitor" and svcs["beat"].role == "beat"


def test_role_from_launcher_script_name_and_worker_queues(make_repo) -> None:
    root = _celery_repo(make_repo, "/start-celeryworker -Q high,low")
    found = edges(root)
    assert ("high", "worker", "subscribe") in found and ("low", "worker", "subscribe") in found


def test_configured_default_queue_names_the_channel(make_repo) -> None:
    root = _celery_repo(make_repo, "celery -A app worker",
                        {"app/config.py": "class Config:\n    CELERY_TASK_DEFAULT_QUEUE = 'jobs'\n"})
    found = edges(root)
    assert ("web", "jobs", "publish") in found and ("jobs", "worker", "subscribe") in found


def test_redis_broker_is_typed_redis(make_repo) -> None:
    compose = WEB_WORKER_BEAT.format(worker="celery -A app worker").replace(
        "amqp://guest:guest@rabbit//", "redis://cache:6379/0").replace("rabbitmq:3", "redis:7")
    root = make_repo({"docker-compose.yml": compose, "app/tasks.py": TASKS, "app/views.py": VIEWS})
    arch = analyze(str(root)).arch
    publish = next(e for e in arch.edges if e.kind == "publish")
    assert publish.protocol == "redis"


def test_finding_attributed_to_the_process_that_runs_the_code(make_repo) -> None:
    root = _celery_repo(make_repo, "celery -A app worker")
    res001 = [f for f in run_rules(analyze(str(root)), ALL_RULES) if f.rule == "RES001"]
    assert [(f.file, f.service) for f in res001] == [("app/tasks.py", "worker")]


def test_load_generator_host_from_dockerfile_entrypoint(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  front:\n    build: ./front\n  load:\n    build: ./load\n"
                              "    environment: [FRONT_ADDR=front:8080]\n",
        "front/app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "load/Dockerfile": 'FROM python:3.12\nENTRYPOINT locust --host="http://${FRONT_ADDR}" --headless\n',
        "load/locustfile.py": "from locust import FastHttpUser, task\n\nclass U(FastHttpUser):\n"
                              "    @task\n    def index(self):\n        self.client.get('/')\n",
    })
    assert ("load", "front", "call") in edges(root)


def test_load_generator_host_from_shell_script(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  web:\n    build: ./web\n  load:\n    build: ./load\n"
                              "    environment: [HOST=http://web:8080]\n",
        "web/app.py": "from flask import Flask\napp = Flask(__name__)\n",
        "load/entrypoint.sh": '#!/bin/sh\nexec locust -f load.py --host "$HOST" --headless\n',
        "load/load.py": "from locust import HttpUser\n\nclass U(HttpUser):\n    def t(self):\n"
                        "        self.client.get('/api')\n",
    })
    assert ("load", "web", "call") in edges(root)


def test_nested_compose_file_is_a_development_variant(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
        "api/docker-compose.yml": "services:\n  api-dev:\n    build: .\n",
        "api/app.py": "x = 1\n",
    })
    assert set(services(root)) == {"api"}


def test_build_from_a_datastore_image_is_that_datastore(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n    depends_on: [db]\n  db:\n    build: ./db\n",
        "db/Dockerfile": "FROM mysql:8\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
        "api/app.py": "x = 1\n",
    })
    arch = analyze(str(root)).arch
    assert {s.id for s in arch.services} == {"api"}
    assert any(n.id == "db" and n.kind == "datastore" and n.type == "mysql" for n in arch.nodes)
    # depends_on a datastore is evidence of use
    assert ("api", "db", "datastore") in {(e.source, e.target, e.kind) for e in arch.edges}


def test_cors_allow_list_is_not_a_dependency(make_repo) -> None:
    root = make_repo({
        "docker-compose.yml": "services:\n  ui:\n    image: acme/ui\n    environment:\n"
                              "      ALLOWED_ORIGINS: http://api:8000\n      API_URL: http://api:8000\n"
                              "  api:\n    build: ./api\n",
        "api/app.py": "x = 1\n",
    })
    found = edges(root)
    assert ("ui", "api", "call") in found          # API_URL is one
    assert len([e for e in found if e[:2] == ("ui", "api")]) == 1


def _calls(src: str):
    facts, errors = extract_python("svc/app.py", src.encode())
    assert errors == ()
    return facts.calls


def test_local_names_self_attributes_and_enum_values_fold() -> None:
    calls = _calls("""import os, httpx
from enum import Enum
from kafka import KafkaProducer

class Topic(str, Enum):
    PLACED = "order-placed"

class Client:
    def __init__(self):
        self._base = os.getenv("CATALOG_URL", "http://catalog:8000")
    def get(self):
        return httpx.get(self._base + "/items")

def f():
    url = os.environ["PAY_URL"]
    return httpx.post(url)

producer = KafkaProducer(bootstrap_servers="kafka:9092")

def g():
    producer.send(Topic.PLACED.value, b"")
""")
    got = {(c.kind, c.target, c.channel) for c in calls}
    assert ("http", "${CATALOG_URL:-http://catalog:8000}/items", "") in got
    assert ("http", "${PAY_URL}", "") in got
    assert ("publish", "kafka://kafka:9092", "order-placed") in got


def test_self_rebinding_does_not_recurse() -> None:
    calls = _calls("def f(select):\n    q = select(1)\n    q = q.where(2)\n    return q\n")
    assert calls == ()


def _http(make_repo, files: dict) -> tuple[str, ...]:
    root = make_repo({"docker-compose.yml": "services:\n  api:\n    build: ./api\n", **files})
    return services(root)["api"].http


def test_fastapi_routes_composed_across_modules(make_repo) -> None:
    got = _http(make_repo, {
        "api/app/main.py": "from fastapi import FastAPI\nfrom app.users import views\nfrom app import users\n"
                           "app = FastAPI()\napp.include_router(users.router, prefix='/api/v1')\n"
                           "\n@app.get('/health')\ndef health():\n    return {}\n",
        "api/app/users/__init__.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/users')\n",
        "api/app/users/views.py": "from . import router\n\n@router.get('/{user_id}')\ndef get(user_id: int):\n"
                                 "    return {}\n",
    })
    assert set(got) == {"GET /health", "GET /api/v1/users/{user_id}"}


def test_flask_blueprint_mounted_with_prefix(make_repo) -> None:
    got = _http(make_repo, {
        "api/app.py": "from flask import Flask\nfrom orders import bp\napp = Flask(__name__)\n"
                      "app.register_blueprint(bp, url_prefix='/orders')\n",
        "api/orders.py": "from flask import Blueprint\nbp = Blueprint('orders', __name__)\n\n"
                         "@bp.route('/<int:order_id>', methods=['GET', 'DELETE'])\ndef one(order_id):\n    return ''\n",
    })
    assert set(got) == {"GET /orders/{order_id}", "DELETE /orders/{order_id}"}


def test_django_include_chain(make_repo) -> None:
    got = _http(make_repo, {
        "api/config/urls.py": "from django.urls import include, path\nurlpatterns = [\n"
                              "    path('api/', include(('shop.api.urls', 'api'))),\n]\n",
        "api/shop/api/urls.py": "from django.urls import include, path\nurlpatterns = [\n"
                                "    path('users/', include('shop.users.urls')),\n]\n",
        "api/shop/users/urls.py": "from django.urls import path\nfrom . import views\nurlpatterns = [\n"
                                  "    path('<int:user_id>/', views.detail),\n]\n",
    })
    assert got == ("* /api/users/{user_id}/",)


def test_one_level_of_project_wrappers() -> None:
    calls = _calls("""import os, requests
from kafka import KafkaProducer

BASE = os.getenv("CATALOG_URL", "http://catalog:8000")
producer = KafkaProducer(bootstrap_servers="kafka:9092")

def fetch(url, timeout=2):
    return requests.get(url, timeout=timeout)

def emit(topic, payload):
    producer.send(topic, payload)

def items():
    fetch(BASE + "/items")
    fetch(url=os.environ["PAY_URL"])
    emit("order-placed", b"")

class Client:
    def _call(self, path):
        return requests.post(f"http://inventory:8080{path}", timeout=1)

    def reserve(self):
        return self._call("/reserve")

def unused(u):
    return requests.get(u, timeout=1)
""")
    got = {(c.line, c.target, c.channel) for c in calls}
    assert got == {(8, "${CATALOG_URL:-http://catalog:8000}/items", ""), (8, "${PAY_URL}", ""),
                   (11, "kafka://kafka:9092", "order-placed"), (20, "http://inventory:8080/reserve", ""),
                   (26, "${param:u}", "")}   # no caller in this module: left for callers elsewhere


def test_injected_clients_known_by_annotation_and_base_class() -> None:
    calls = _calls("""from aiokafka import AIOKafkaProducer

class Base:
    def __init__(self, producer):
        self.producer: AIOKafkaProducer = producer

class UserEvents(Base):
    async def created(self, user):
        await self.producer.send("user-created", user)
""")
    assert [(c.kind, c.channel) for c in calls] == [("publish", "user-created")]


def test_compose_extends_merges_and_base_files_are_not_deployments(make_repo) -> None:
    root = make_repo({
        "common.yml": "services:\n  py-base:\n    build: ./api\n    environment: [CATALOG_URL=http://catalog:8000]\n"
                      "    healthcheck:\n      test: [CMD, curl, -f, http://localhost:8000/health]\n",
        "docker-compose.yml": "services:\n  api:\n    extends: {file: common.yml, service: py-base}\n"
                              "    environment: [LOG_LEVEL=info]\n  catalog:\n    build: ./catalog\n"
                              "    healthcheck: {test: [CMD, 'true']}\n",
        "api/app.py": "import os, requests\nfrom flask import Flask\napp = Flask(__name__)\n\n"
                      "@app.get('/health')\ndef health():\n    return 'ok'\n\n"
                      "def f():\n    return requests.get(os.environ['CATALOG_URL'] + '/x', timeout=2)\n",
        "catalog/app.py": "x = 1\n",
    })
    analysis = analyze(str(root))
    assert {s.id for s in analysis.arch.services} == {"api", "catalog"}    # py-base is a template
    assert ("api", "catalog", "call") in {(e.source, e.target, e.kind) for e in analysis.arch.edges}
    findings = run_rules(analysis, ALL_RULES)
    # the healthcheck api inherits counts; the env var it inherits is set
    assert not [f for f in findings if f.service == "api" and f.rule in ("OBS002", "WIR001")]
