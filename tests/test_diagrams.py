"""`svclint graph --format mermaid|dot` rendered by the real consumers: Graphviz and Mermaid in Chromium."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from svclint.cli import main
from consumers import need, render_mermaid

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"
SERVICES = {"cart", "catalog", "gateway", "notifications", "orders", "payments", "reviews"}
SVG = "{http://www.w3.org/2000/svg}"


def graph(fmt: str, root: Path = SHOP) -> str:
    result = CliRunner().invoke(main, ["graph", str(root), "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0
    return result.stdout


def test_dot_renders_with_graphviz() -> None:
    dot = need("dot", "apt-get install -y graphviz")
    text = graph("dot")
    done = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    svg = ET.fromstring(done.stdout)
    titles = {g.find(f"{SVG}title").text: g for g in svg.iter(f"{SVG}g") if g.get("class") in ("node", "edge")}
    nodes = {t for t, g in titles.items() if g.get("class") == "node"}
    assert SERVICES | {"postgres", "order-placed", "kafka", "api.stripe.com"} <= nodes
    clusters = {g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g") if g.get("class") == "cluster"}
    assert {"cluster_service", "cluster_datastore", "cluster_channel"} <= clusters
    edges = {t: g for t, g in titles.items() if g.get("class") == "edge"}
    assert "orders->payments" in edges
    # sync, async and datastore edges are drawn apart; criticality from the contract colours the edge
    path = lambda t: edges[t].find(f"{SVG}path")  # noqa: E731
    assert path("orders->payments").get("stroke") == "#b91c1c"               # hard
    assert path("gateway->cart").get("stroke") == "#15803d"                   # soft
    assert path("orders->catalog").get("stroke") == "#d97706"                 # undeclared
    assert path("orders->order-placed").get("stroke-dasharray")               # async: dashed
    assert float(path("orders->postgres").get("stroke-width", "1")) > 1       # datastore: bold
    assert path("gateway->orders").get("stroke-dasharray") is None


def test_mermaid_renders_in_chromium(tmp_path: Path) -> None:
    text = graph("mermaid")
    dom = render_mermaid(text, tmp_path)
    status = re.search(r'<pre id="status">([^<]*)</pre>', dom)
    assert status and status.group(1) == "rendered", status.group(1) if status else dom[-2000:]
    # Mermaid draws a bomb and "Syntax error in text" when it fails: no such elements in the SVG
    assert "Syntax error in text" not in dom and not re.search(r'<[^>]*class="error-(icon|text)"', dom)
    rendered = set(re.findall(r'class="node[^"]*" id="flowchart-n_([A-Za-z0-9_]+)-\d+"', dom))
    assert {s for s in SERVICES} <= rendered
    assert {"postgres", "order_placed", "api_stripe_com"} <= rendered
    assert len(re.findall(r'<g class="cluster[^"]*" id="(service|datastore|channel)_group"', dom)) == 3
    # the edge labels carry protocol and criticality
    assert "grpc · hard" in dom and "kafka · soft" in dom


def test_mermaid_parse_errors_are_seen(tmp_path: Path) -> None:
    """The harness itself can fail: broken Mermaid is reported as an error, not as rendered."""
    dom = render_mermaid("flowchart LR\n  a[\"x\" --> ((\n", tmp_path)
    assert '<pre id="status">error:' in dom


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_awkward_names_stay_valid(fmt: str, make_repo, tmp_path: Path) -> None:
    root = make_repo({"docker-compose.yml": "services:\n  api.v2:\n    build: ./api\n  \"db\":\n    image: postgres:16\n",
                      "api/app.py": "import psycopg\n\nconn = psycopg.connect('postgresql://db:5432/x')\n"})
    text = graph(fmt, root)
    if fmt == "dot":
        done = subprocess.run([need("dot", "apt-get install -y graphviz"), "-Tsvg"], input=text,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "api.v2" in done.stdout
    else:
        dom = render_mermaid(text, tmp_path)
        assert '<pre id="status">rendered</pre>' in dom
