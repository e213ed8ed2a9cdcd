"""The real programs that consume svclint's outputs: Graphviz `dot`, headless Chromium and the mermaid
package from npm (tests/js, installed by .ci/run). A missing one is a failure with the install step named,
never a skip: these checks are the proof that the outputs work.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MERMAID_JS = REPO_ROOT / "tests" / "js" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def need(program: str, install: str) -> str:
    path = shutil.which(program)
    assert path, f"{program} is not installed ({install}; .ci/run does it)"
    return path


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)  # type: ignore[return-value]
    return need("chromium", "apt-get install -y chromium")


def _run_chromium(args: list[str], workdir: Path) -> subprocess.CompletedProcess:
    profile = Path(tempfile.mkdtemp(prefix="profile-", dir=workdir))
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


def dump_dom(html: Path, budget_ms: int = 20000) -> str:
    """The DOM of a local page after its scripts ran (virtual time lets promises settle)."""
    done = _run_chromium([f"--virtual-time-budget={budget_ms}", "--dump-dom", html.as_uri()], html.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(html: Path, png: Path, size: str = "1280,2400") -> None:
    done = _run_chromium([f"--window-size={size}", "--virtual-time-budget=5000", f"--screenshot={png}",
                          html.as_uri()], html.parent)
    assert done.returncode == 0 and png.is_file() and png.stat().st_size > 0, done.stderr[-2000:]


def render_mermaid(text: str, workdir: Path) -> str:
    """Render Mermaid text with the real mermaid package in Chromium; the page's DOM afterwards.

    The page writes the SVG into #out and "rendered" into #status, or "error: ..." on a parse error.
    """
    assert MERMAID_JS.is_file(), f"{MERMAID_JS} is missing (npm install --prefix tests/js; .ci/run does it)"
    shutil.copy(MERMAID_JS, workdir / "mermaid.min.js")
    page = workdir / "mermaid.html"
    page.write_text(f"""<!doctype html><html><head><meta charset="utf-8"><script src="mermaid.min.js"></script>
</head><body><div id="out"></div><pre id="status">pending</pre><script>
mermaid.initialize({{startOnLoad: false, securityLevel: "loose"}});
mermaid.render("diagram", {json.dumps(text)}).then(r => {{
  document.getElementById("out").innerHTML = r.svg;
  document.getElementById("status").textContent = "rendered";
}}).catch(e => {{ document.getElementById("status").textContent = "error: " + e; }});
</script></body></html>""", encoding="utf-8")
    return dump_dom(page)
