"""docs/rules.md is generated from the rules' metadata; it must never drift from it."""
from pathlib import Path

from svclint.docs import render_rules_markdown
from svclint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]


def test_rules_doc_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == render_rules_markdown(ALL_RULES), \
        "docs/rules.md is stale: run `python -m svclint.docs > docs/rules.md`"


def test_readme_lists_every_rule() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [r.id for r in ALL_RULES if f"| {r.id} |" not in readme]
    assert not missing, f"README.md rule table lacks {missing}"
