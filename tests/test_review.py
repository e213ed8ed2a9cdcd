"""`svclint review` (Markdown and HTML), the ORM model facts behind its database schema, and `svclint init`.

The Mermaid blocks of the Markdown render with the real mermaid package in Chromium; the HTML opens in
headless Chromium and is screenshotted (set SVCLINT_SCREENSHOT_DIR to keep the PNG and look at it).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from svclint.cli import main
from svclint.extract.python import extract_python
from svclint.model import PythonFacts, from_data, to_data
from consumers import dump_dom, render_mermaid, screenshot

REPO_ROOT = Path(__file__).resolve().parent.parent
SHOP = REPO_ROOT / "fixtures" / "shop"
SERVICES = ("cart", "catalog", "gateway", "notifications", "orders", "payments", "reviews")


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def shop_md() -> str:
    result = invoke("review", str(SHOP))
    assert result.exit_code == 0
    return result.stdout


def _section(md: str, service: str) -> str:
    return md.split(f"\n## {service}\n", 1)[1].split("\n## ", 1)[0]


# ---------------------------------------------------------------------------------------------- models


def models_of(source: str):  # noqa: ANN201
    facts, errors = extract_python("app/models.py", source.encode())
    assert errors == ()
    return facts.models


def test_sqlalchemy_declarative_models() -> None:
    models = models_of((SHOP / "services/orders/orders/models.py").read_text())
    assert [(m.name, m.table, m.framework, m.line) for m in models] == \
        [("Order", "orders", "sqlalchemy", 12), ("OrderLine", "order_lines", "sqlalchemy", 44)]
    cols = {c.name: c for c in models[1].columns}
    assert cols["id"].primary_key and cols["id"].type == "Integer"
    assert cols["order_id"].foreign_key == "orders.id"
    assert "order" not in cols and "lines" not in {c.name for c in models[0].columns}   # relationships
    assert {c.name: c.nullable for c in models[0].columns}["payment_id"] is True


def test_flask_sqlalchemy_and_classic_columns() -> None:
    models = models_of("from flask_sqlalchemy import SQLAlchemy\nfrom sqlalchemy import Column, Integer, String\n"
                       "db = SQLAlchemy()\n\nclass User(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
                       "    team_id = db.Column(db.Integer, db.ForeignKey('teams.id'), nullable=False)\n\n"
                       "class Team(Base):\n    __tablename__ = 'teams'\n    id = Column(Integer, primary_key=True)\n"
                       "    name = Column('team_name', String(80), unique=True)\n\n"
                       "class NotAModel:\n    x = 1\n")
    assert [(m.name, m.table, m.framework) for m in models] == [("User", "user", "flask-sqlalchemy"),
                                                                ("Team", "teams", "sqlalchemy")]
    assert models[0].columns[1].foreign_key == "teams.id" and models[0].columns[1].nullable is False
    assert models[1].columns[1].name == "team_name" and models[1].columns[1].unique


def test_django_models() -> None:
    models = models_of("from django.db import models\n\nclass Stamped(models.Model):\n"
                       "    created = models.DateTimeField(auto_now_add=True)\n    class Meta:\n        abstract = True\n\n"
                       "class Author(Stamped):\n    name = models.CharField(max_length=100, unique=True)\n\n"
                       "class Book(models.Model):\n    author = models.ForeignKey(Author, on_delete=models.CASCADE)\n"
                       "    tags = models.ManyToManyField('Tag')\n    class Meta:\n        db_table = 'books'\n")
    assert [(m.name, m.table, m.framework) for m in models] == [("Author", "app_author", "django"),
                                                                ("Book", "books", "django")]
    book = {c.name: c for c in models[1].columns}
    assert book["id"].primary_key and book["id"].type == "AutoField"     # Django's implicit key
    assert book["author"].foreign_key == "Author" and book["tags"].type == "ManyToManyField"


def test_table_objects_have_their_columns() -> None:
    models = models_of("from sqlalchemy import Column, Integer, MetaData, String, Table\nmetadata = MetaData()\n"
                       "users = Table('users', metadata, Column('id', Integer, primary_key=True), Column('name', String))\n")
    assert [(m.table, [(c.name, c.type, c.primary_key) for c in m.columns]) for m in models] == \
        [("users", [("id", "Integer", True), ("name", "String", False)])]


def test_models_round_trip() -> None:
    facts, _ = extract_python("app/models.py", (SHOP / "services/orders/orders/models.py").read_bytes())
    assert from_data(PythonFacts, json.loads(json.dumps(to_data(facts)))) == facts


# ---------------------------------------------------------------------------------------------- Markdown


def test_review_has_every_part_for_every_service(shop_md: str) -> None:
    assert shop_md.startswith("# Architecture review: shop\n")
    for sid in SERVICES:
        part = _section(shop_md, sid)
        for heading in ("### Boundary", "### Scorecard", "### Inferred contract", "### Database schema",
                        "### Deployment configuration", "### CI/CD requirements"):
            assert heading in part, (sid, heading)
    orders = _section(shop_md, "orders")
    assert "- **Capability:** Order placement and order history" in orders
    assert "postgres (postgres) — **shared with catalog**" in orders
    assert "- **Upstream:** gateway calls it (http)" in orders
    assert "notifications (consumes order-placed (kafka))" in orders
    assert "**Independently deployable:** **no** — shares a datastore" in orders
    assert "| Data Management | Database per service (no shared databases) | ❌ missing | `SVC002`" in orders
    assert "| Resilience Patterns | Timeout on all network calls | ❌ missing | `RES001` grpc Charge" in orders
    assert "| Can be deployed independently | ❌ missing |" in orders
    payments = _section(shop_md, "payments")
    assert "**Independently deployable:** yes" in payments
    assert "| Timeout on all network calls | ✅ met |" in payments
    assert "| Database per service (no shared databases) | ➖ n/a |" in payments   # no datastore
    assert "| k8s/orders.yaml:1 | Deployment | registry.example.com/shop/orders:1.4.0 | 2 | liveness /health, " \
           "readiness /ready | limits set | not set |" in orders
    assert "`svclint diff` against `services/orders/service.yaml`" in orders
    assert "No SQLAlchemy or Django models in its code." in _section(shop_md, "cart")


def test_inferred_contracts_are_valid_contracts(shop_md: str) -> None:
    schema = json.loads((REPO_ROOT / "analyzer" / "schemas" / "contract.schema.json").read_text())
    for sid in SERVICES:
        block = _section(shop_md, sid).split("### Inferred contract", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
        doc = yaml.safe_load(block)
        jsonschema.validate(doc, schema)
        assert doc["service"]["name"] == sid
    orders = yaml.safe_load(_section(shop_md, "orders").split("```yaml\n", 1)[1].split("```", 1)[0])
    assert {(d["name"], d["type"], d["criticality"]) for d in orders["dependencies"]} == \
        {("payments", "sync", "hard"), ("notifications", "async", "soft"), ("catalog", "sync", "hard")}
    assert orders["exposes"]["events"] == ["order-placed"]


def test_er_diagram_of_the_orders_schema(shop_md: str) -> None:
    orders = _section(shop_md, "orders")
    er = orders.split("```mermaid\nerDiagram\n", 1)[1].split("```", 1)[0]
    assert "  orders {\n    Integer id PK\n" in er
    assert "    int order_id FK\n" in er
    assert '  order_lines }o--|| orders : "order_id"' in er


def test_every_mermaid_block_of_the_review_renders(shop_md: str, tmp_path: Path) -> None:
    blocks = re.findall(r"```mermaid\n(.*?)```", shop_md, re.S)
    assert len(blocks) == 3          # the architecture, the catalog and orders schemas
    for i, block in enumerate(blocks):
        work = tmp_path / str(i)
        work.mkdir()
        dom = render_mermaid(block, work)
        assert '<pre id="status">rendered</pre>' in dom, (block, re.search(r'id="status">([^<]*)', dom))
        if block.startswith("erDiagram"):
            assert re.search(r'id="[^"]*entity-order_lines|entity-products', dom), dom[-1500:]


def test_review_of_a_repository_without_contracts(make_repo) -> None:
    root = make_repo({"docker-compose.yml": "services:\n  api:\n    build: ./api\n",
                      "api/app.py": "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/items')\n"
                                    "def items():\n    return []\n"})
    result = invoke("review", str(root))
    assert result.exit_code == 0
    assert "- **Capability:** — (no contract states it)" in result.stdout
    assert "| Contract declared, valid and true to the code | ❌ missing | no contract" in result.stdout
    assert "Add a contract (`service.yaml`)" in result.stdout


def test_review_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["review", str(tmp_path / "nope")])
    assert result.exit_code == 2


# ---------------------------------------------------------------------------------------------- HTML


def test_html_review_is_self_contained_and_renders(tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    result = invoke("review", str(SHOP), "--format", "html", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    html = out.read_text(encoding="utf-8")
    # one file: no scripts, stylesheets, images or fonts from elsewhere
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"url\((?!#)|@import|src=", html)
    dom = dump_dom(out, budget_ms=2000)
    for sid in SERVICES:
        assert f'<g class="node" data-id="{sid}">' in dom
        assert f'id="svc-{sid}"' in dom
    png = tmp_path / "review.png"
    screenshot(out, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    keep = os.environ.get("SVCLINT_SCREENSHOT_DIR")
    if keep:
        shutil.copy(png, Path(keep) / "review.png")


# ---------------------------------------------------------------------------------------------- init


def test_init_writes_starter_files_and_never_clobbers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "updated pyproject.toml (added [tool.svclint])",
        "kept    .pre-commit-config.yaml (exists; add a svclint hook to it by hand)",
        "created .github/workflows/svclint.yml"]
    import tomllib
    config = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["svclint"]
    assert config == {"select": [], "ignore": [], "fail-on": "warning", "exclude": []}
    from svclint.config import load_config
    from svclint.rules import ALL_RULES
    assert load_config(str(tmp_path), None, ALL_RULES).fail_on.value == "warning"   # the real loader accepts it
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    again = invoke("init", str(tmp_path))
    assert again.exit_code == 0 and all(line.startswith("kept") for line in again.stdout.splitlines())
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_init_workflow_runs_the_real_scans_and_uploads_sarif(make_repo, tmp_path: Path) -> None:
    root = make_repo({"svc/app.py": "import requests\n\ndef f():\n    return requests.get('http://x/y')\n"})
    assert invoke("init", str(root)).stdout.splitlines()[0] == "created svclint.toml"
    from svclint.config import load_config
    from svclint.rules import ALL_RULES
    assert load_config(str(root), None, ALL_RULES).select == ()
    workflow = yaml.safe_load((root / ".github/workflows/svclint.yml").read_text())
    steps = workflow["jobs"]["svclint"]["steps"]
    assert workflow["permissions"]["security-events"] == "write"
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    scans = [s["run"].split("#")[0].split() for s in steps if s.get("run", "").startswith("svclint scan")]
    assert len(scans) == 2
    codes = []
    for argv in scans:     # the workflow's own commands, run as CI would run them
        done = subprocess.run([sys.executable, "-m", "svclint", *argv[1:]], cwd=root, capture_output=True,
                              text=True, timeout=120)
        codes.append(done.returncode)
        if "github" in argv:
            assert done.stdout.startswith("::error file=svc/app.py,line=4,")
    assert codes == [0, 1]       # SARIF step never fails the job; the annotation step does
    sarif = json.loads((root / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["ruleId"] == "RES001"


def test_init_pre_commit_config_runs_with_real_pre_commit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "home"), "NO_COLOR": "1",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("PRE_COMMIT", None)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert invoke("init", str(root)).exit_code == 0
    assert shutil.which("svclint", path=env["PATH"]), "svclint is not installed beside this python"
    (root / "svc").mkdir()
    (root / "svc" / "app.py").write_text("import requests\n\ndef f():\n    return requests.get('http://x/y')\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    run = lambda: subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"],  # noqa: E731
                                 cwd=root, env=env, capture_output=True, text=True, timeout=300)
    bad = run()
    assert bad.returncode == 1 and "RES001" in bad.stdout, bad.stdout + bad.stderr
    (root / "svc" / "app.py").write_text("import requests\n\ndef f():\n    return requests.get('http://x/y', timeout=2)\n")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    good = run()
    assert good.returncode == 0, good.stdout + good.stderr
