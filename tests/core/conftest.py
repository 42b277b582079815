"""Fixtures of the core's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.migrate import upgrade
from core.services import Services
from switchboard.settings import AppSettings
from tests.support.contracts import office_levels, organization


@pytest.fixture
async def gated(make_settings: Callable[..., AppSettings]) -> AsyncIterator[Services]:
    """Services with REQUIRE_CONTRACT=true and two organizations: one valid, one expired."""
    built = Services.build(make_settings(require_contract=True).core)
    await upgrade(built.engine)
    await office_levels(built, default=None)
    await organization(built, "Acme", code="ACME-2026", level="premium")
    await organization(built, "Oldco", code="OLD-1", level="standard", ends_in_days=-10)
    try:
        yield built
    finally:
        await built.engine.dispose()
