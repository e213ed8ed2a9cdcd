"""Where service-level findings point, and which processes they judge."""
from __future__ import annotations

from svclint.engine import analyze, run_rules
from svclint.rules import ALL_RULES
from svclint.rules._util import auxiliary


def test_tooling_around_a_service_is_auxiliary():
    for path in ("orders/alembic/env.py", "svc/migrations/0001_initial.py", "svc/scripts/seed.py",
                 "src/emailservice/email_client.py", "svc/client.py", "svc/manage.py"):
        assert auxiliary(path), path
    for path in ("orders/orders/service.py", "src/emailservice/email_server.py", "api/app/clients.py"):
        assert not auxiliary(path), path


def test_service_findings_point_at_the_server_not_at_its_test_client_or_migrations(tmp_path):
    (tmp_path / "email" / "alembic").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text("services:\n  email:\n    build: ./email\n")
    (tmp_path / "email" / "email_client.py").write_text(
        "import grpc\n\nif __name__ == '__main__':\n    grpc.insecure_channel('localhost:8080')\n")
    (tmp_path / "email" / "alembic" / "env.py").write_text(
        "import logging.config\nlogging.config.fileConfig('alembic.ini')\n")
    (tmp_path / "email" / "server.py").write_text(
        "import logging\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n@app.post('/send')\n"
        "def send():\n    logging.info('sent')\n    return 'ok'\n")
    findings = run_rules(analyze(str(tmp_path)), ALL_RULES)
    service_level = [f for f in findings if f.rule in ("OBS001", "OBS004", "OBS007")]
    assert service_level and all(f.file == "email/server.py" for f in service_level), service_level


def test_workers_and_schedulers_of_a_web_codebase_need_no_health_endpoint(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  web:\n    build: .\n    command: gunicorn app.wsgi\n"
        "  worker:\n    build: .\n    command: celery -A app worker\n"
        "  beat:\n    build: .\n    command: celery -A app beat\n")
    (tmp_path / "app" / "wsgi.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/items')\ndef items():\n    return []\n")
    obs001 = {f.service for f in run_rules(analyze(str(tmp_path)), ALL_RULES) if f.rule == "OBS001"}
    assert obs001 == {"web"}
