"""Generate a synthetic Python monorepo of about N lines, for benchmarks (never for tests' timings).

    python benchmarks/generate.py OUT --lines 100000 [--seed 1]

The tree has services x modules of realistic service code: per service a FastAPI or Flask app with
handlers and a health route, outbound clients (httpx, requests), SQLAlchemy models, pydantic settings
read from the environment, a Kafka publisher for some, a Dockerfile and a compose entry; and, as in
real codebases, most of the lines in plain modules that touch no network (domain logic, validation,
formatting, dataclasses), which the pre-filter leaves to `ast`. Content is varied by a seeded random
generator so every file is distinct. Build large trees in /tmp, never inside the repository.
"""
from __future__ import annotations

import argparse
import os
import random
import textwrap

WORDS = ("order", "item", "price", "user", "cart", "stock", "invoice", "ship", "refund", "coupon", "review",
         "rating", "address", "tax", "currency", "batch", "report", "ledger", "quota", "session", "token",
         "profile", "catalog", "vendor", "payment", "discount", "parcel", "route", "slot", "metric")

PLAIN_FUNC = '''
def {name}(records: list[dict], limit: int = {n}) -> dict[str, float]:
    """Aggregate {w1} figures by {w2}; entries without a {w2} are skipped."""
    totals: dict[str, float] = {{}}
    seen = set()
    for index, record in enumerate(records):
        if index >= limit:
            break
        key = str(record.get("{w2}", "")).strip().lower()
        if not key or key in seen and record.get("dedupe"):
            continue
        seen.add(key)
        value = float(record.get("{w1}", 0) or 0) * {factor}
        if value < 0:
            logger.debug("negative {w1} for %s: %s", key, value)
            value = abs(value)
        totals[key] = round(totals.get(key, 0.0) + value, 4)
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
'''

PLAIN_CLASS = '''
@dataclass(frozen=True)
class {cls}:
    {w1}_id: int
    {w2}: str = "{w3}"
    weight: float = {factor}
    tags: tuple[str, ...] = ()

    def normalised(self) -> "{cls}":
        tags = tuple(sorted({{t.strip().lower() for t in self.tags if t.strip()}}))
        return {cls}(self.{w1}_id, self.{w2}.strip() or "{w3}", max(self.weight, 0.0), tags)

    def score(self, other: "{cls}") -> float:
        shared = len(set(self.tags) & set(other.tags))
        if not shared:
            return 0.0
        return shared / max(len(self.tags) + len(other.tags) - shared, 1) * self.weight


def parse_{w1}_{w2}(text: str) -> list[{cls}]:
    out = []
    for line_no, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(",")]
        try:
            out.append({cls}(int(parts[0]), parts[1] if len(parts) > 1 else "{w3}",
                             float(parts[2]) if len(parts) > 2 else {factor}, tuple(parts[3:])))
        except (ValueError, IndexError) as exc:
            raise ValueError(f"line {{line_no}}: {{exc}}") from exc
    return out
'''

PLAIN_HEAD = '''"""{doc}"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Iterable

from .constants import DEFAULT_{UPPER}, MAX_{UPPER}

logger = logging.getLogger(__name__)

{UPPER}_SCALE = {factor}
{UPPER}_LABEL = "{w1}-{w2}"
'''

CONSTANTS = '''"""Constants shared by the {svc} modules."""
DEFAULT_{UPPER} = {n}
MAX_{UPPER} = {m}
'''

SETTINGS = '''"""Settings of {svc}, from the environment."""
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "postgresql://{svc}:{svc}@{svc}-db:5432/{svc}"
    {peer_var}: str = "http://{peer}:8080"
    request_timeout: float = 3.0
    kafka_bootstrap: str = "kafka:9092"


settings = Settings()
'''

CLIENT = '''"""Calls to {peer}."""
import httpx
import requests

from .settings import settings


def fetch_{w1}(ident: int) -> dict:
    response = requests.get(f"{{settings.{peer_var}}}/api/{w1}s/{{ident}}", timeout=settings.request_timeout)
    response.raise_for_status()
    return response.json()


async def push_{w2}(payload: dict) -> None:
    async with httpx.AsyncClient(base_url=settings.{peer_var}) as client:
        await client.post("/api/{w2}s", json=payload)
'''

MODELS = '''"""Tables of {svc}."""
from sqlalchemy import Column, Integer, String, create_engine
from sqlalchemy.orm import declarative_base, sessionmaker

from .settings import settings

Base = declarative_base()
engine = create_engine(settings.database_url, pool_pre_ping=True)
Session = sessionmaker(bind=engine)


class {cls}(Base):
    __tablename__ = "{w1}s"
    id = Column(Integer, primary_key=True)
    {w2} = Column(String(64), nullable=False)
'''

FASTAPI_APP = '''"""HTTP API of {svc}."""
from fastapi import APIRouter, FastAPI

from . import client
from .models import Session

app = FastAPI(title="{svc}")
router = APIRouter(prefix="/api")


@app.get("/healthz")
def healthz() -> dict:
    return {{"status": "ok"}}


@router.get("/{w1}s/{{ident}}")
def get_{w1}(ident: int) -> dict:
    with Session() as session:
        session.execute("select 1")
    return client.fetch_{w1}(ident)


app.include_router(router)
'''

FLASK_APP = '''"""HTTP API of {svc}."""
from flask import Flask, jsonify

from . import client

app = Flask(__name__)


@app.route("/healthz")
def healthz():
    return jsonify(status="ok")


@app.route("/api/{w1}s/<int:ident>", methods=["GET"])
def get_{w1}(ident):
    return jsonify(client.fetch_{w1}(ident))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
'''

EVENTS = '''"""Events {svc} publishes."""
import json

from kafka import KafkaProducer

from .settings import settings

producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap)


def publish_{w1}(event: dict) -> None:
    producer.send("{svc}.{w1}s", json.dumps(event).encode())
'''

DOCKERFILE = '''FROM python:3.12-slim
WORKDIR /app
COPY . /app/{svc}
RUN pip install fastapi flask httpx requests sqlalchemy pydantic-settings kafka-python uvicorn
EXPOSE 8080
CMD ["uvicorn", "{svc}.app:app", "--host", "0.0.0.0", "--port", "8080"]
'''


def _plain_module(rng: random.Random, lines: int, svc: str) -> str:
    w1, w2, w3 = rng.sample(WORDS, 3)
    upper = svc.upper().replace("-", "_")
    parts = [PLAIN_HEAD.format(doc=f"{w1.title()} {w2} helpers of {svc}.", UPPER=upper, factor=rng.randint(2, 9),
                               w1=w1, w2=w2)]
    count = sum(p.count("\n") for p in parts)
    k = 0
    while count < lines:
        k += 1
        a, b, c = rng.sample(WORDS, 3)
        if rng.random() < 0.5:
            text = PLAIN_FUNC.format(name=f"{a}_by_{b}_{k}", n=rng.randint(10, 1000), w1=a, w2=b,
                                     factor=round(rng.uniform(0.5, 3), 2))
        else:
            text = PLAIN_CLASS.format(cls=f"{a.title()}{b.title()}{k}", w1=a, w2=b, w3=c,
                                      factor=round(rng.uniform(0.5, 3), 2))
        parts.append(text)
        count += text.count("\n")
    return "\n".join(parts)


def generate(out: str, lines: int, seed: int = 1, module_lines: int = 300) -> tuple[int, int]:
    """Write the tree; returns (Python files, Python lines)."""
    rng = random.Random(seed)
    per_service = 20_000 if lines >= 200_000 else max(2_000, lines // 10)
    services = max(2, lines // per_service)
    names = [f"svc-{i:03d}-{rng.choice(WORDS)}" for i in range(services)]
    compose = ["services:"]
    files = total = 0

    def write(path: str, text: str) -> None:
        nonlocal files, total
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(text)
        if path.endswith(".py"):
            files += 1
            total += text.count("\n")

    for i, svc in enumerate(names):
        pkg = svc.replace("-", "_")
        peer = names[(i + 1) % len(names)]
        w1, w2 = rng.sample(WORDS, 2)
        fmt = dict(svc=svc, peer=peer, peer_var=f"{peer.replace('-', '_')}_url", w1=w1, w2=w2,
                   cls=f"{w1.title()}{w2.title()}", UPPER=svc.upper().replace("-", "_"),
                   n=rng.randint(5, 50), m=rng.randint(100, 900))
        base = f"services/{svc}/{pkg}"
        write(f"{base}/__init__.py", "")
        write(f"{base}/constants.py", CONSTANTS.format(**fmt))
        write(f"{base}/settings.py", SETTINGS.format(**fmt))
        write(f"{base}/client.py", CLIENT.format(**fmt))
        write(f"{base}/models.py", MODELS.format(**fmt))
        write(f"{base}/app.py", (FASTAPI_APP if i % 2 == 0 else FLASK_APP).format(**fmt))
        if i % 3 == 0:
            write(f"{base}/events.py", EVENTS.format(**fmt))
        write(f"services/{svc}/Dockerfile", DOCKERFILE.format(**fmt))
        compose += [f"  {svc}:", f"    build: ./services/{svc}", "    environment:",
                    f"      {fmt['peer_var'].upper()}: http://{peer}:8080",
                    f"      DATABASE_URL: postgresql://{svc}:{svc}@{svc}-db:5432/{svc}",
                    "    healthcheck:", '      test: ["CMD", "curl", "-f", "http://localhost:8080/healthz"]',
                    f"  {svc}-db:", "    image: postgres:16"]
        budget = per_service - 120
        k = 0
        while budget > 0:
            k += 1
            size = min(budget, rng.randint(module_lines // 2, module_lines * 3 // 2))
            write(f"{base}/domain/{rng.choice(WORDS)}_{k}.py", _plain_module(rng, size, svc))
            budget -= size
        write(f"{base}/domain/__init__.py", "")
    write("docker-compose.yml", "\n".join(compose) + "\n")
    return files, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    files, total = generate(a.out, a.lines, a.seed)
    print(f"{a.out}: {files} Python files, {total} lines")


if __name__ == "__main__":
    main()
