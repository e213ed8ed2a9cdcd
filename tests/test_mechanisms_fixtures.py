"""Resolution mechanisms on the small synthetic repositories in fixtures/mechanisms/ (one per mechanism)."""
from __future__ import annotations

from pathlib import Path

import pytest

from svclint.engine import analyze, run_rules
from svclint.rules import ALL_RULES

MECH = Path(__file__).resolve().parent.parent / "fixtures" / "mechanisms"


@pytest.fixture(scope="module")
def variants():
    return analyze(str(MECH / "k8s-variants"))


def test_versioned_and_canary_workloads_are_one_service(variants):
    services = {s.id: s for s in variants.arch.services}
    assert set(services) == {"productpage", "reviews", "shop-api", "shop-worker"}
    assert {"reviews-v1", "reviews-v2"} <= set(services["reviews"].aliases)
    assert len(services["reviews"].workloads) == 2
    assert "productpage-canary" in services["productpage"].aliases


def test_umbrella_label_does_not_merge_components(variants):
    ids = {s.id for s in variants.arch.services}
    assert "shop" not in ids and {"shop-api", "shop-worker"} <= ids


def test_service_selecting_every_version_routes_to_the_service(variants):
    edges = {(e.source, e.target, e.kind) for e in variants.arch.edges}
    assert ("productpage", "reviews", "call") in edges


def test_rules_see_variant_workloads_as_their_service(variants):
    findings = run_rules(variants, ALL_RULES)
    # probes are reported per workload, under the service the workload runs
    probe = [f for f in findings if f.rule == "OBS002" and "reviews-v2" in f.message]
    assert probe and probe[0].service == "reviews"


def test_consumers_in_other_languages_close_the_flow():
    arch = analyze(str(MECH / "polyglot-flow")).arch
    flows = {(e.source, e.target, e.kind) for e in arch.edges if e.kind in ("publish", "subscribe")}
    assert flows == {("orders", "order.placed", "publish"), ("order.placed", "shipping", "subscribe"),
                     ("order.placed", "mailer", "subscribe")}
    sub = next(e for e in arch.edges if e.target == "shipping")
    assert sub.origin == ("code",) and [ev.file for ev in sub.evidence] == ["shipping/main.go"]


@pytest.fixture(scope="module")
def kustomize():
    return analyze(str(MECH / "kustomize"))


def test_kustomize_patch_is_merged_into_its_base_workload(kustomize):
    orders = next(s for s in kustomize.arch.services if s.id == "orders")
    assert len(orders.workloads) == 1 and orders.workloads[0].startswith("deploy/base/orders.yaml:")
    (w,) = kustomize.arch.workloads_of("orders")
    assert w.replicas == 3 and "DATABASE_URL" in {e.name for e in w.env}
    assert w.probes, "the patch must not drop what only the base sets"


def test_kustomize_generated_configmap_and_overlay_env_wire_the_calls(kustomize):
    edges = {(e.source, e.target, e.kind) for e in kustomize.arch.edges}
    assert ("orders", "payments", "call") in edges            # PAYMENTS_URL from configMapGenerator envs
    assert ("orders", "orders-db", "datastore") in edges      # DATABASE_URL from the overlay's patch
    assert {s.id for s in kustomize.arch.services} == {"orders", "payments"}


def test_kustomize_wiring_rules_see_the_generated_config(kustomize):
    findings = run_rules(kustomize, ALL_RULES)
    assert not [f for f in findings if f.rule.startswith("WIR") or f.rule == "OBS002"], findings


def test_wrappers_in_another_module_take_their_callers_values():
    arch = analyze(str(MECH / "wrappers")).arch
    calls = {(e.source, e.target): [ev.file for ev in e.evidence] for e in arch.edges if e.kind == "call"}
    # get_json(url) called with a literal URL from main.py; PaymentsClient(base_url) built from the env
    assert "shop/app/clients.py" in calls[("shop", "inventory")]
    assert "shop/app/clients.py" in calls[("shop", "payments")]
    targets = {(f, line): t for f, line, _, t, _ in arch.targets}
    assert targets[("shop/app/clients.py", 10)] == "http://payments:8080/charge"


def test_wrapper_facts_are_per_module():
    from svclint.extract import extract_file
    clients = extract_file(str(MECH / "wrappers"), "shop/app/clients.py", "python").python
    assert {w.name for w in clients.wrappers} == {"PaymentsClient", "get_json"}
    main = extract_file(str(MECH / "wrappers"), "shop/app/main.py", "python").python
    assert {(c.callee, c.args) for c in main.project_calls} == {
        ("shop.app.clients.PaymentsClient", (("0", "${PAYMENTS_URL}"),)),
        ("shop.app.clients.get_json", (("0", "http://inventory:8000/items"),))}


def test_constructor_parameter_used_directly_and_enum_members_of_another_module(tmp_path):
    (tmp_path / "worker" / "app").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  worker:\n    build: ./worker\n    environment: [KAFKA=kafka:9092]\n"
        "  kafka:\n    image: bitnami/kafka:3.6\n")
    (tmp_path / "worker" / "app" / "topics.py").write_text(
        "from enum import Enum\n\n\nclass Topics(str, Enum):\n    PAID = 'order-paid'\n")
    (tmp_path / "worker" / "app" / "consumer.py").write_text(
        "import os\n\nfrom aiokafka import AIOKafkaConsumer\n\n\nclass Consumer:\n"
        "    def __init__(self, topic):\n"
        "        self.consumer = AIOKafkaConsumer(topic, bootstrap_servers=os.environ['KAFKA'])\n")
    (tmp_path / "worker" / "app" / "main.py").write_text(
        "from app.consumer import Consumer\nfrom app.topics import Topics\n\n"
        "consumer = Consumer(topic=Topics.PAID.value)\n")
    arch = analyze(str(tmp_path)).arch
    assert ("order-paid", "worker", "subscribe") in {(e.source, e.target, e.kind) for e in arch.edges}


def test_messages_show_a_wrappers_parameter_readably(tmp_path):
    (tmp_path / "api").mkdir()
    (tmp_path / "docker-compose.yml").write_text("services:\n  api:\n    build: ./api\n")
    (tmp_path / "api" / "app.py").write_text(
        "import requests\n\n\ndef user(name):\n    return requests.get(f'http://users:5000/users/{name}')\n")
    analysis = analyze(str(tmp_path))
    (finding,) = [f for f in run_rules(analysis, ALL_RULES) if f.rule == "RES001"]
    assert "http://users:5000/users/{name}" in finding.message and "${" not in finding.message


def test_dataclass_settings_and_django_settings_carry_the_environment():
    arch = analyze(str(MECH / "settings")).arch
    edges = {(e.source, e.target, e.kind) for e in arch.edges}
    assert ("api", "inventory", "call") in edges     # Config.inventory_url from INVENTORY_HOST
    assert ("web", "orders", "call") in edges        # settings.ORDERS_API from settings.py <- ORDERS_API


def test_without_deployment_files_each_server_module_is_a_service_on_its_port():
    arch = analyze(str(MECH / "no-deployment")).arch
    assert {s.id for s in arch.services} == {"users", "orders"}
    assert ("users", "orders", "call") in {(e.source, e.target, e.kind) for e in arch.edges}
    assert arch.service("orders").files == ("services/orders.py",)


def test_localhost_is_not_a_service_when_containers_run_them(tmp_path):
    # with a deployment, localhost inside a container is the container itself (WIR003's concern)
    (tmp_path / "users").mkdir()
    (tmp_path / "docker-compose.yml").write_text("services:\n  users:\n    build: ./users\n")
    (tmp_path / "users" / "app.py").write_text(
        (MECH / "no-deployment" / "services" / "users.py").read_text())
    arch = analyze(str(tmp_path)).arch
    assert not [e for e in arch.edges if e.kind == "call"]


def test_compose_interpolates_images_and_dockerfiles_and_passes_bare_variables_through():
    arch = analyze(str(MECH / "compose-dotenv")).arch
    services = {s.id: s for s in arch.services}
    # the harness file is not the system; the collector is telemetry; valkey is a datastore
    assert set(services) == {"shop", "stock"}
    assert services["shop"].path == "src/shop" and services["stock"].path == "src/stock"
    assert services["shop"].files == ("src/shop/app.py",)
    edges = {(e.source, e.target, e.kind) for e in arch.edges}
    assert ("shop", "stock", "call") in edges           # STOCK_ADDR passed through from .env
    assert ("stock", "cache", "datastore") in edges
    assert not [e for e in arch.edges if e.target == "collector"]
