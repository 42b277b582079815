from __future__ import annotations

from starlette.datastructures import Headers


def allowed_origins(setting: str) -> set[str]:
    return {origin.strip().rstrip("/").lower() for origin in setting.split(",") if origin.strip()}


def origin_allowed(setting: str, headers: Headers, scheme: str) -> bool:
    """WEBCHAT_ALLOWED_ORIGINS empty: any site. Otherwise the listed sites, and our own pages (the demo)."""
    allowed = allowed_origins(setting)
    if not allowed:
        return True
    origin = (headers.get("origin") or "").rstrip("/").lower()
    own = f"{'https' if scheme in ('https', 'wss') else 'http'}://{headers.get('host', '')}".lower()
    return origin in allowed or origin == own
