"""SEC005 unvalidated-input."""
from __future__ import annotations

from typing import Iterator

from svclint.model import FileFacts, Finding, Severity
from svclint.rule import FILE, Context, Example, Rule
from svclint.rules.security._code import handlers


def check(f: FileFacts, ctx: Context) -> Iterator[Finding]:
    py = f.python
    if py is None or py.generated:
        return
    serving = handlers(ctx, f)
    validated = {c.function for c in py.code_facts if c.kind == "validation"}
    reported: set[str] = set()
    for c in py.code_facts:
        if c.kind != "body-read" or c.function not in serving or c.function in validated or c.function in reported:
            continue
        reported.add(c.function)
        yield RULE.finding(f"handler {c.function} reads {c.detail} without validating it against a schema",
                           f.path, c.line, c.column, service=(ctx.services_of(f.path) or ("",))[0],
                           symbol=f"{c.function}:{c.detail}")


RULE = Rule(
    id="SEC005", name="unvalidated-input", area="security", severity=Severity.WARNING, scope=FILE,
    summary="Request body (or a whole query mapping) read in a handler without schema validation",
    rationale="Checklist, Security: 'Input validation on all external inputs'. A handler that takes "
              "`request.get_json()` / `await request.json()` / `request.POST` / `request.data` as it comes "
              "trusts every field's presence, type and size, and passes attacker-shaped data to the database "
              "and other services. Validation counts when the same handler passes the data to a schema: "
              "pydantic (`Model(**data)`, `model_validate`, `parse_obj`), marshmallow (`schema.load`), DRF "
              "serializers (`Serializer(data=...)`, `is_valid`), Django forms, attrs/cattrs (`structure`), "
              "jsonschema (`validate`), or a validating decorator (webargs `use_args`/`use_kwargs`, "
              "flask-pydantic `validate`, `expects_json`). FastAPI/Starlette parameters typed with models are "
              "validated by the framework and are never body reads. Known limits: single query parameters "
              "(`request.args.get('page')`) are not reported, and validation done in a helper the handler "
              "calls is not seen.",
    fix="Declare the body as a pydantic model parameter (FastAPI), or load it through a marshmallow/pydantic "
        "schema or a DRF serializer before using it.",
    checklist="Security: Input validation on all external inputs",
    check=check,
    valid=(
        Example({"svc/app.py": "from flask import Flask, request\nfrom .schemas import OrderSchema\n\n"
                               "app = Flask(__name__)\n\n@app.post('/orders')\ndef create():\n"
                               "    order = OrderSchema().load(request.get_json())\n    return order\n"}),
        Example({"svc/app.py": "from fastapi import FastAPI\nfrom pydantic import BaseModel\n\n"
                               "class Order(BaseModel):\n    sku: str\n\napp = FastAPI()\n\n"
                               "@app.post('/orders')\ndef create(order: Order):\n    return order\n"}),
    ),
    invalid=(
        Example({"svc/app.py": "from flask import Flask, request\n\napp = Flask(__name__)\n\n"
                               "@app.post('/orders')\ndef create():\n    data = request.get_json()\n"
                               "    return {'sku': data['sku']}\n"}, ("svc/app.py:7",)),
        Example({"svc/views.py": "import json\nfrom aiohttp import web\n\nasync def create(request):\n"
                                 "    body = await request.json()\n    return web.json_response(body)\n"},
                ("svc/views.py:5",)),
    ),
)
