"""Golden end to end: fixtures/shop through the real CLI equals tests/golden/*.json.

Set SVCLINT_UPDATE_GOLDEN=1 to rewrite the golden files from the current output (then review the
diff: the tests below that do not read the golden files say what must be in it).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from svclint.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("SVCLINT_UPDATE_GOLDEN") == "1"

# fixtures/shop/README.md, "Deliberate mistakes": (rule, file, line), and nothing else
DELIBERATE = {
    ("RES001", "services/gateway/gateway/main.py", 91),
    ("RES001", "services/orders/orders/clients.py", 40),
    ("SVC002", "services/catalog/catalog/db.py", 10),
    ("SVC002", "services/orders/orders/db.py", 9),
    ("CON003", "services/orders/orders/clients.py", 18),
    ("OBS001", "services/notifications/notifications/worker.py", 1),
    ("OBS002", "docker-compose.yml", 78),
    ("OBS002", "k8s/notifications.yaml", 2),    # the Deployment's document starts on line 2 (line 1 is a comment)
    ("SVC001", "services/reviews/reviews/main.py", 9),
    ("OBS003", "k8s/reviews.yaml", 30),         # the readinessProbe whose path (line 32) is /ready
    ("SEC006", "k8s/catalog.yaml", 1),          # catalog's Dockerfile has no USER, its pod no runAsNonRoot
    ("SEC003", "services/gateway/gateway/main.py", 99),   # public POST /api/orders, no authentication
    ("RES005", "services/gateway/gateway/main.py", 80),     # gateway -> catalog, no circuit breaker
    ("RES005", "services/gateway/gateway/main.py", 102),    # gateway -> orders
    ("RES005", "services/orders/orders/clients.py", 18),    # orders -> catalog
    ("RES005", "services/orders/orders/clients.py", 40),    # orders -> payments
}
SERVICES = {"cart", "catalog", "gateway", "notifications", "orders", "payments", "reviews"}


def _cli(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Any]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def scan_doc(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    code, doc = _cli(["scan", str(shop), "--format", "json"], tmp_path, monkeypatch)
    assert code == 1  # the shop has findings at or above the default --fail-on
    return doc


@pytest.fixture
def graph_doc(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    code, doc = _cli(["graph", str(shop), "--format", "json"], tmp_path, monkeypatch)
    assert code == 0
    return doc


def _check_golden(name: str, doc: dict) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run with SVCLINT_UPDATE_GOLDEN=1 and review it"
    assert doc == json.loads(path.read_text(encoding="utf-8"))


def test_scan_matches_golden(scan_doc: dict) -> None:
    _check_golden("shop.scan.json", scan_doc)


def test_graph_matches_golden(graph_doc: dict) -> None:
    _check_golden("shop.graph.json", graph_doc)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("which", ["scan_doc", "graph_doc"])
def test_no_absolute_path_leaks(which: str, shop: Path, request: pytest.FixtureRequest) -> None:
    doc = request.getfixturevalue(which)
    leaks = [s for s in _strings(doc) if str(shop) in s or str(shop.parent) in s or "\\" in s]
    assert leaks == []
    paths = [f["file"] for f in doc.get("findings", ())] + \
        [n["path"] for n in doc.get("nodes", ()) if n.get("path")] + \
        [ev["file"] for e in doc.get("edges", ()) for ev in e["evidence"]]
    assert paths
    assert all(not p.startswith("/") and (shop / p).exists() for p in paths), paths


def test_deliberate_mistakes_are_found_and_nothing_else(scan_doc: dict) -> None:
    found = {(f["rule"], f["file"], f["line"]) for f in scan_doc["findings"]}
    assert found == DELIBERATE
    assert len(scan_doc["findings"]) == len(DELIBERATE)
    by_service = {(f["rule"], f["service"]) for f in scan_doc["findings"]}
    assert by_service == {("RES001", "gateway"), ("RES001", "orders"), ("SVC002", "catalog"),
                          ("SVC002", "orders"), ("CON003", "orders"), ("OBS001", "notifications"),
                          ("OBS002", "notifications"), ("SVC001", "reviews"), ("OBS003", "reviews"),
                          ("SEC006", "catalog"), ("SEC003", "gateway"), ("RES005", "gateway"), ("RES005", "orders")}
    summary = scan_doc["summary"]
    assert summary["services"] == len(SERVICES)
    assert summary["findings"] == len(DELIBERATE)
    assert summary["by_severity"] == {"error": 10, "warning": 6}


def test_graph_has_the_shop_architecture(graph_doc: dict) -> None:
    kinds = {n["id"]: n["kind"] for n in graph_doc["nodes"]}
    assert {i for i, k in kinds.items() if k == "service"} == SERVICES
    # third-party images are datastores and brokers, never services
    assert kinds["postgres"] == "datastore" and kinds["redis"] == "datastore"
    assert kinds["cart-redis"] == "datastore" and kinds["mongo"] == "datastore"
    assert kinds["kafka"] == "broker"
    assert kinds["order-placed"] == "channel"
    edges = {(e["source"], e["target"], e["kind"], e["protocol"]) for e in graph_doc["edges"]}
    expected = {
        ("gateway", "catalog", "call", "http"),
        ("gateway", "orders", "call", "http"),
        ("gateway", "cart", "call", "http"),
        ("orders", "catalog", "call", "http"),
        ("orders", "payments", "call", "grpc"),
        ("orders", "order-placed", "publish", "kafka"),
        ("order-placed", "notifications", "subscribe", "kafka"),
        ("catalog", "postgres", "datastore", "postgres"),
        ("orders", "postgres", "datastore", "postgres"),
        ("catalog", "redis", "datastore", "redis"),
        ("cart", "cart-redis", "datastore", "redis"),
        ("reviews", "mongo", "datastore", "mongodb"),
    }
    assert expected <= edges
    # and no other call between services, datastore edge, or message flow
    between = {e for e in edges if e[0] in SERVICES and e[1] in SERVICES}
    assert between == {e for e in expected if e[2] == "call"}
    assert {e for e in edges if e[2] != "call"} == {e for e in expected if e[2] != "call"}
    services = {n["id"]: n for n in graph_doc["nodes"] if n["kind"] == "service"}
    assert services["payments"]["exposes"]["grpc"] == ["shop.payments.PaymentService"]
    assert services["orders"]["exposes"]["events"] == ["order-placed"]
    assert services["gateway"]["path"] == "services/gateway"
    assert graph_doc["schema"] == "svclint.graph/1"


# ---------------------------------------------------------------------------------------------- other formats
# each output format on the shop, as text (regenerated with the same SVCLINT_UPDATE_GOLDEN=1)

FORMAT_GOLDENS = [
    (["scan", "--format", "sarif"], "shop.scan.sarif.json"),
    (["scan", "--format", "gitlab"], "shop.scan.gitlab.json"),
    (["scan", "--format", "github"], "shop.scan.github.txt"),
    (["graph", "--format", "mermaid"], "shop.graph.mmd"),
    (["graph", "--format", "dot"], "shop.graph.dot"),
    (["review", "--format", "markdown"], "shop.review.md"),
]


@pytest.mark.parametrize("args,name", FORMAT_GOLDENS, ids=[n for _, n in FORMAT_GOLDENS])
def test_format_matches_golden(args: list[str], name: str, shop: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [args[0], str(shop), *args[1:]], catch_exceptions=False)
    assert result.exit_code in (0, 1)
    path = GOLDEN / name
    if UPDATE:
        path.write_text(result.stdout, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing; run with SVCLINT_UPDATE_GOLDEN=1 and review it"
    assert result.stdout == path.read_text(encoding="utf-8")
