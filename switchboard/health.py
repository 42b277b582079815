from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from core.migrate import pending_migrations
from core.services import Services

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        missing = await pending_migrations(services.engine)
    except Exception as error:  # the point of this endpoint is to report, not raise
        return JSONResponse({"status": "unavailable", "database": f"unreachable: {type(error).__name__}"}, 503)
    if missing:
        return JSONResponse({"status": "unavailable", "database": "ok", "pending_migrations": sorted(missing)}, 503)
    return JSONResponse({"status": "ready", "database": "ok", "channels": sorted(services.adapters)})
