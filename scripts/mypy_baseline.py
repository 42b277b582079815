"""mypy with a baseline that may only shrink.

`python scripts/mypy_baseline.py` runs mypy (settings in pyproject.toml) and fails on any error that
is not in `.mypy-baseline.txt`, and on baseline entries that no longer occur (so the file shrinks as
errors are fixed). `--update` rewrites the baseline from the current errors; use it only to remove
fixed entries or after files moved, never to hide a new error.

Entries are `path: message  [code]` without line numbers, so edits elsewhere in a file don't
invalidate them; a repeated entry counts each occurrence.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BASELINE = Path(__file__).resolve().parent.parent / ".mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:]+):\d+:(?:\d+:)? error: (?P<message>.*)$")


def current_errors() -> tuple[Counter[str], str]:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-pretty", "--no-error-summary", "--hide-error-context"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(2)
    errors: Counter[str] = Counter()
    for line in done.stdout.splitlines():
        if match := ERROR.match(line):
            errors[f"{match['path']}: {match['message']}"] += 1
    return errors, done.stdout


def read_baseline() -> Counter[str]:
    if not BASELINE.exists():
        return Counter()
    return Counter(line for line in BASELINE.read_text(encoding="utf-8").splitlines() if line.strip())


def main(argv: list[str]) -> int:
    errors, output = current_errors()
    if "--update" in argv:
        BASELINE.write_text("".join(f"{key}\n" for key in sorted(errors.elements())), encoding="utf-8")
        print(f"mypy baseline: {sum(errors.values())} known errors written to {BASELINE.name}")
        return 0
    baseline = read_baseline()
    new, fixed = errors - baseline, baseline - errors
    for key in sorted(new):
        lines = [line for line in output.splitlines() if ERROR.match(line) and line.startswith(key.split(": ", 1)[0])]
        message = key.split(": ", 1)[1]
        shown = [line for line in lines if line.endswith(message)] or [key]
        print("\n".join(shown))
    if new:
        print(f"mypy: {sum(new.values())} new error(s) not in {BASELINE.name}; fix them (the baseline only shrinks)")
    if fixed:
        print(
            f"mypy: {sum(fixed.values())} baseline entr(y/ies) no longer occur; "
            f"run `python scripts/mypy_baseline.py --update` to shrink {BASELINE.name}:"
        )
        print("\n".join(f"  {key}" for key in sorted(fixed)))
    if new or fixed:
        return 1
    print(f"mypy: no new errors ({sum(baseline.values())} known in {BASELINE.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
