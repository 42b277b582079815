from __future__ import annotations

import subprocess
import sys

from switchboard.cli import COMMANDS

HEAVY = ("fastapi", "starlette", "uvicorn", "aiogram", "sqlalchemy", "sqlmodel", "alembic", "httpx")
PROBE = f"""
import sys
from switchboard.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print("loaded:", sorted(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_help_lists_every_command_without_importing_the_web_stack() -> None:
    """A fresh interpreter is the point here: what `switchboard --help` imports."""
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "loaded: []"
    for name in COMMANDS:
        assert f"    {name}" in done.stdout, name
