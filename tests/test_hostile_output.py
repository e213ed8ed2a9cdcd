"""Output injection: a repository whose names and contract fields carry newlines, GitHub workflow
commands, terminal escapes, HTML, Markdown links and headings, run through the real CLI in every
format. What it writes must stay text of that format (see analyzer/report/escape.py), and the real
consumers (Graphviz, Mermaid in Chromium, the marked Markdown renderer, a YAML parser) must read it.
"""
from __future__ import annotations

import json
import re
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers import REPO_ROOT, need, render_mermaid
from svclint.cli import main

CMD = "::error file=x.py,line=1::pwned"
EVIL = f"x\n{CMD}\x1b[31m<script>alert(1)</script>[x](javascript:alert(1))\n# heading\n| a | b |##[error]v1"
MARKED = REPO_ROOT / "tests" / "js" / "node_modules" / "marked" / "lib" / "marked.esm.js"
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?")
# svclint's own annotations: `::level props::message`, the properties in GitHub's escaping
ANNOTATION = re.compile(r"::(error|warning|notice) (file=[^,:\n]*,(line=\d+,col=\d+,)?)?title=[A-Z]+\d+ [a-z-]+::[^\n]*")

OUTPUTS = {
    "text": ["scan", "--format", "text"], "json": ["scan", "--format", "json"],
    "sarif": ["scan", "--format", "sarif"], "github": ["scan", "--format", "github"],
    "gitlab": ["scan", "--format", "gitlab"], "graph-json": ["graph", "--format", "json"],
    "mermaid": ["graph", "--format", "mermaid"], "dot": ["graph", "--format", "dot"],
    "review-md": ["review", "--format", "markdown"], "review-html": ["review", "--format", "html"],
    "diff-text": ["diff", "--format", "text"], "diff-md": ["diff", "--format", "markdown"],
    "networkpolicy": ["generate", "networkpolicy"],
}


def _app(route: str, call: str = "") -> str:
    return ("import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
            f"@app.get({route!r})\ndef handler():\n    return {call or '{}'}\n")


def hostile_repo(root: Path) -> Path:
    compose = {"services": {
        "a-b": {"build": "./ab1", "ports": ["8000:8000"]},
        "a.b": {"build": "./ab2"},
        "a_b": {"build": "./ab3"},
        "Payments": {"build": "./pay"},
        "order_service": {"build": "./ord", "environment": {f"EVIL\n{CMD}": "1"}},
        EVIL: {"image": "nginx:1.27"},
    }}
    files = {
        "docker-compose.yml": yaml.safe_dump(compose),
        # a-b -> a.b -> a_b: three services whose loose names are one
        "ab1/app.py": _app("/x", "requests.get('http://a.b:8000/y', timeout=2).json()"),
        "ab2/app.py": _app("/y", "requests.get('http://a_b:8000/z', timeout=2).json()"),
        "ab3/app.py": _app(f"/z\n{CMD}<script>"),
        "pay/app.py": ("import os\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
                       f"KEY = os.environ[{'EVIL' + chr(10) + CMD + chr(27) + '[2J'!r}]\n\n\n"
                       "@app.post('/pay')\ndef pay():\n    return {}\n"),
        "ord/app.py": ("import requests\nfrom kafka import KafkaProducer\n\n"
                       "producer = KafkaProducer(bootstrap_servers='kafka:9092')\n\n\ndef place():\n"
                       f"    producer.send({'<script>topic' + chr(10) + CMD!r}, b'x')\n"
                       "    requests.get('http://Payments/pay', timeout=1)\n"),
        "ord/service.yaml": yaml.safe_dump({
            "service": {"name": "order_service", "version": "1.0.0",
                        "owner": f"<img src=x onerror=alert(1)>\n{CMD}",
                        "capability": f"[x](javascript:alert(1)) <script>alert(2)</script>\n# heading\n| c |\n{CMD}"},
            "dependencies": [{"name": "Payments", "type": "sync", "criticality": "hard"}],
            "exposes": {"events": [f"<b>ev</b>\n{CMD}##[error]e"], "apis": ["GET /<script>"]}}),
        f"{CMD}.py": "def (:\n",
    }
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every output of the hostile repository, as the bytes svclint wrote (`-o`, so nothing strips them)."""
    base = tmp_path_factory.mktemp("hostile-out")
    root = hostile_repo(base / "repo")
    done = {}
    for name, args in OUTPUTS.items():
        target = base / f"{name}.out"
        extra = [] if args[0] in ("review", "generate", "diff") else ["--no-cache"]
        result = CliRunner().invoke(main, [*args, str(root), *extra, "-o", str(target)], catch_exceptions=False)
        assert result.exit_code in (0, 1), (name, result.output)
        done[name] = target.read_bytes().decode("utf-8")
    return done


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_no_line_is_a_workflow_command_or_a_terminal_escape(name: str, outputs: dict[str, str]) -> None:
    out = outputs[name]
    assert "\x1b" not in out and "\r" not in out
    assert "##[" not in out                              # GitHub's old command form, anywhere in a line
    for line in out.split("\n"):
        if line.lstrip().startswith("::"):
            assert name == "github" and ANNOTATION.fullmatch(line), line


def test_github_annotations_are_one_line_per_finding(outputs: dict[str, str]) -> None:
    findings = json.loads(outputs["json"])["findings"]
    lines = outputs["github"].splitlines()
    assert len(lines) == len(findings) and all(ANNOTATION.fullmatch(line) for line in lines)
    assert not [line for line in lines if re.search("[\x00-\x1f\x7f]", line)]
    assert any("pwned" in line and "%0A" in line for line in lines)   # the name, in GitHub's escaping


def test_text_shows_newlines_and_escapes_escaped(outputs: dict[str, str]) -> None:
    text = outputs["text"]
    assert f"x\\n{CMD}\\x1b[31m" in text                 # the compose service name, on one line
    assert f"\\x3a:error file=x.py,line=1::pwned.py" in text.splitlines()   # a file named like a command
    assert "EVIL\\n::error" in text


def test_json_outputs_keep_the_names_and_sarif_messages_have_no_links(outputs: dict[str, str]) -> None:
    graph = json.loads(outputs["graph-json"])
    assert {"a-b", "a.b", "a_b", EVIL} <= {n["id"] for n in graph["nodes"]}   # exactly as written
    assert EVIL in {f["service"] for f in json.loads(outputs["json"])["findings"]}
    assert json.loads(outputs["gitlab"])
    sarif = json.loads(outputs["sarif"])
    messages = [r["message"]["text"] for r in sarif["runs"][0]["results"]]
    assert not any(re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", m) for m in messages)   # no embedded link
    assert not any(re.search("[\x00-\x1f]", m) for m in messages)
    assert all(" " not in a["location"]["uri"] for a in sarif["runs"][0]["artifacts"])


def _mermaid_nodes(text: str) -> dict[str, str]:
    """Mermaid node id -> the name in its label (`<b>name</b>` for services)."""
    return {m.group(1): m.group(2) for m in re.finditer(r'^\s+(n_\w+)\["<b>(.*?)</b>', text, re.M)}


def test_mermaid_nodes_are_distinct_and_calls_are_not_self_loops(outputs: dict[str, str], tmp_path: Path) -> None:
    text = outputs["mermaid"]
    nodes = _mermaid_nodes(text)
    ids = {name: node for node, name in nodes.items()}
    assert {"a-b", "a.b", "a_b"} <= set(ids) and len({ids["a-b"], ids["a.b"], ids["a_b"]}) == 3
    edges = re.findall(r"^\s+(n_\w+) -\S*\|\"[^\"]*\"\| (n_\w+)$", text, re.M)
    assert (ids["a-b"], ids["a.b"]) in edges and (ids["a.b"], ids["a_b"]) in edges
    assert not [e for e in edges if e[0] == e[1]]
    assert "<script" not in text and "<img" not in text and "%%" not in text
    dom = render_mermaid(text, tmp_path)
    assert '<pre id="status">rendered</pre>' in dom, re.search(r'id="status">([^<]*)', dom)
    svg = dom[dom.index('<div id="out">'):dom.index('<pre id="status">')]
    assert not re.search(r"<(script|img)\b", svg)
    rendered = set(re.findall(r'class="node[^"]*" id="flowchart-(n_\w+)-\d+"', svg))
    assert {ids["a-b"], ids["a.b"], ids["a_b"]} <= rendered


def test_dot_renders_with_graphviz(outputs: dict[str, str]) -> None:
    done = subprocess.run([need("dot", "apt-get install -y graphviz"), "-Tsvg"], input=outputs["dot"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    titles = {unescape(t) for t in re.findall(r"<title>(.*?)</title>", done.stdout)}
    assert {"a-b", "a.b", "a_b", "a-b->a.b", "a.b->a_b"} <= titles
    assert not re.search(r"<(script|img)\b", done.stdout)
    assert "\x1b" not in done.stdout and "##[" not in done.stdout and "\\x1b[31m" in done.stdout


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _unsafe(tags: list[tuple[str, dict]]) -> list:
    return [(t, a) for t, a in tags if t in ("script", "img", "iframe") or
            any(k.startswith("on") or re.match(r"\s*(javascript|data|vbscript):", v or "", re.I) for k, v in a.items())]


def test_markdown_review_renders_as_text(outputs: dict[str, str]) -> None:
    md = outputs["review-md"]
    assert "<script" not in md and "<img" not in md
    node = need("node", "apt-get install -y nodejs")
    assert MARKED.is_file(), f"{MARKED} is missing (npm install --prefix tests/js; .ci/run does it)"
    script = (f"import {{ marked }} from {json.dumps(MARKED.as_uri())};\n"
              "let s = ''; process.stdin.on('data', d => s += d);\n"
              "process.stdin.on('end', () => process.stdout.write(marked.parse(s, {gfm: true})));\n")
    done = subprocess.run([node, "--input-type=module", "-e", script], input=md, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    tags = _tags(done.stdout)
    assert not _unsafe(tags)
    assert all(a.get("href", "").startswith("#") for t, a in tags if t == "a")   # only the review's own anchors
    assert [t for t, _ in tags].count("h1") == 1
    services = json.loads(outputs["graph-json"])["nodes"]
    services = [n for n in services if n["kind"] == "service"]
    # the h2s: Services, Architecture, one per service, the CI/CD requirements; the services table intact
    assert [t for t, _ in tags].count("h2") == len(services) + 3
    table = done.stdout[done.stdout.index("<table>"):done.stdout.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert len(rows) == len(services) + 1 and all(len(re.findall(r"<t[hd]", r)) == 5 for r in rows)


def test_diff_markdown_renders_as_text(outputs: dict[str, str]) -> None:
    md = outputs["diff-md"]
    assert "<script" not in md and "<img" not in md and "<b>" not in md


def test_html_review_has_no_markup_from_the_repository(outputs: dict[str, str]) -> None:
    html = outputs["review-html"]
    assert not _unsafe(_tags(html))
    assert "<script" not in html and "<b>ev" not in html and "&lt;script&gt;" in html
    assert "\x1b" not in html and "pwned\\x1b[31m" in html


def test_generated_network_policies_have_kubernetes_names(outputs: dict[str, str]) -> None:
    docs = [d for d in yaml.safe_load_all(outputs["networkpolicy"]) if d]
    services = [n for n in json.loads(outputs["graph-json"])["nodes"] if n["kind"] == "service"]
    assert len(docs) == len(services)
    names = [d["metadata"]["name"] for d in docs]
    assert len(set(names)) == len(names)
    assert all(DNS_LABEL.fullmatch(n) for n in names), names
    assert {"payments-traffic", "order-service-traffic", "a-b-traffic"} <= set(names)
    for d in docs:
        for value in d["spec"]["podSelector"]["matchLabels"].values():
            assert LABEL_VALUE.fullmatch(value), value
    # valid labels are kept as they are
    selectors = [d["spec"]["podSelector"]["matchLabels"].get("app") for d in docs]
    assert {"Payments", "order_service", "a-b", "a.b", "a_b"} <= set(selectors)


def test_contract_validate_lines_cannot_start_with_a_command(tmp_path: Path) -> None:
    """Text the CLI prints from elsewhere (contract validate, errors) is escaped line by line."""
    folder = tmp_path / "::error file=x.py,line=1::d"
    folder.mkdir()
    (folder / "service.yaml").write_text("service:\n  name: a\n  bogus: 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["contract", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "\\x3a:error file=x.py,line=1::d/service.yaml:3:" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.lstrip().startswith("::")]


NAMES = st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=12, unique=True)


@given(NAMES)
@settings(max_examples=200, deadline=None)
def test_id_mappings_are_injective_and_valid(names: list[str]) -> None:
    from svclint.report.escape import dns_labels, dot_ids, mermaid_ids
    for mapping, valid in ((mermaid_ids(names), re.compile(r"n_\w+", re.A)),
                           (dns_labels(names, "-traffic"), DNS_LABEL),
                           (dot_ids(names), re.compile(r'"([^"\\\x00-\x1f]|\\.)*"'))):
        assert set(mapping) == set(names) and len(set(mapping.values())) == len(names)
        assert all(valid.fullmatch(v) for v in mapping.values()), mapping


def test_plain_names_map_to_themselves() -> None:
    from svclint.report.escape import dns_labels, markdown, mermaid, mermaid_ids, text
    names = ["orders", "cart-redis", "api.stripe.com", "order_service", "Payments"]
    assert mermaid_ids(names)["cart-redis"] == "n_cart_redis"
    assert dns_labels(names, "-traffic") == {"orders": "orders-traffic", "cart-redis": "cart-redis-traffic",
                                             "api.stripe.com": "api-stripe-com-traffic",
                                             "order_service": "order-service-traffic",
                                             "Payments": "payments-traffic"}
    for name in names:
        assert text(name) == markdown(name) == mermaid(name) == name
    # when a valid name and a cleaned one meet, the valid one keeps its label
    assert dns_labels(["payments", "Payments"], "-traffic")["payments"] == "payments-traffic"
