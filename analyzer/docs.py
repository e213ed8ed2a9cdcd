"""docs/rules.md, generated from the rules' own metadata (a test fails when the file is stale)."""
from __future__ import annotations


def render_rules_markdown(rules) -> str:
    out = ["# svclint rules", "",
           "Generated from the rule metadata by `python -m svclint.docs > docs/rules.md`; do not edit by hand.", "",
           "| id | name | area | severity | summary |", "|---|---|---|---|---|"]
    for r in rules:
        out.append(f"| [{r.id}](#{r.id.lower()}-{r.name}) | {r.name} | {r.area} | {r.severity.value} | {r.summary} |")
    for r in rules:
        out += ["", f"## {r.id} {r.name}", "", f"**Area:** {r.area} · **Default severity:** {r.severity.value} · "
                f"**Checklist:** {r.checklist}", "", r.rationale, "", f"**Fix:** {r.fix}"]
        if r.options:
            out += ["", f"**Options** (`[tool.svclint.rules.{r.id}]`):", ""]
            out += [f"- `{name}` ({o.type_name}, default `{o.default!r}`): {o.help}" for name, o in r.options.items()]
        for title, examples in (("Valid", r.valid), ("Invalid", r.invalid)):
            for ex in examples:
                out += ["", f"{title}" + (f" ({ex.note})" if ex.note else "") +
                        (f", findings at {', '.join(ex.lines)}" if ex.lines else "") + ":"]
                for path, text in ex.files.items():
                    lang = "python" if path.endswith(".py") else ("yaml" if path.endswith((".yml", ".yaml")) else "")
                    out += ["", f"`{path}`", "", f"```{lang}", text.rstrip("\n"), "```"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    from .rules import ALL_RULES
    print(render_rules_markdown(ALL_RULES), end="")
