from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.migrate import SchemaNotReady
from core.settings import Settings
from switchboard.app import build_app
from tests.support.cli import run_cli
from tests.support.servers import free_port, serve


async def test_health_and_readiness_over_http(app_url: str) -> None:
    async with httpx.AsyncClient(base_url=app_url) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


@pytest.mark.empty_database
async def test_postgres_app_refuses_an_unmigrated_database(settings: Settings, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite is migrated automatically at start")
    app = build_app(settings)
    with pytest.raises(SchemaNotReady, match="Run `switchboard migrate` first"):
        async with app.router.lifespan_context(app):
            pass


async def test_readyz_reports_pending_migrations(migrated: Settings) -> None:
    app = build_app(migrated)
    async with serve(app) as url:
        # Through the app's own engine: a second SQLite engine in this event loop would wait on
        # the app's connection while blocking the loop that must release it.
        async with app.state.services.engine.begin() as connection:
            await connection.exec_driver_sql("DELETE FROM alembic_version")
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{url}/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] and response.json()["database"] == "ok"


@pytest.mark.empty_database
async def test_migrate_command_brings_the_schema_up_to_date(settings: Settings) -> None:
    before = await run_cli(settings, "migrate", "--check")
    assert before.code == 2 and "Run `switchboard migrate` first" in before.stderr
    done = await run_cli(settings, "migrate")
    assert done.code == 0, done.stderr
    after = await run_cli(settings, "migrate", "--check")
    assert after.code == 0 and "up to date" in after.stdout


def test_serve_with_no_settings_at_all_answers_ready(tmp_path: Path) -> None:
    """What the README's run command does on a fresh machine: SQLite under ./data, web chat only."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TELEGRAM_", "WHATSAPP_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "switchboard", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(200):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise AssertionError(process.stdout.read() if process.stdout else "exited") from None
                time.sleep(0.1)
        else:
            raise AssertionError("the service did not start")
        assert response.status_code == 200 and response.json()["status"] == "ready"
        assert (tmp_path / "data" / "switchboard.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
