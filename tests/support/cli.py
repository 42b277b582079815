"""The `switchboard` command line run in this process, where the child process is not what a test is about."""

from __future__ import annotations

import asyncio
import contextlib
import io
from dataclasses import dataclass

from core.settings import Settings
from switchboard.cli import main


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


async def run_cli(settings: Settings, *args: str) -> CliResult:
    """`switchboard ARGS` against the test's settings; in a thread, since each command runs its own loop."""
    stdout, stderr = io.StringIO(), io.StringIO()

    def _run() -> int:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                return main(list(args), settings=settings)
            except SystemExit as exit_:  # argparse errors and --help
                return exit_.code if isinstance(exit_.code, int) else 1

    code = await asyncio.to_thread(_run)
    return CliResult(code, stdout.getvalue(), stderr.getvalue())
