"""The layer contracts (import-linter, in pyproject.toml) fail the gates when code breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "channels", "platforms", "bot", "webchat", "switchboard")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and the contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/desk.py", "import channels.whatsapp.settings", "core imports no channel"),
        ("channels/whatsapp/adapter.py", "import core.models", "only core's public modules"),
        ("channels/webchat/adapter.py", "import channels.telegram.inbound", "independent of each other"),
    ],
)
def test_a_deliberate_layer_violation_fails_the_gate(tree: Path, module: str, line: str, contract: str) -> None:
    assert lint_imports(tree).returncode == 0, "the copy must pass before it is broken"
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}  # a deliberate violation\n")
    done = lint_imports(tree)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and contract in done.stdout, done.stdout
