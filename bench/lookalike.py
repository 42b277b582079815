"""Precision and recall of the mass-incident detector on generated, labelled incident reports.

    python -m bench.lookalike                      # the settings' defaults, seed 15 (the test's set)
    python -m bench.lookalike --seed 99 --sweep    # another set, thresholds 20..40

Reports come from tests/support/lookalike_reports.py: per simulated hour three outages (Russian or
English, 3-7 reports each, paraphrased, with typos, numbers and look-alike letters), near-misses
about the same product but another failure, and unrelated reports. They are fed in time order
through the same `place` the desk uses. Pairwise scores: a pair of reports put in one suggestion
is right when both belong to one outage. Targets: precision >= 0.9, recall >= 0.8.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from core.lookalike_text import Thresholds
from core.settings import Settings
from tests.support.lookalike_reports import labelled_reports
from tests.support.lookalike_score import replay, score


def main() -> None:
    defaults = Settings(_env_file=None)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--scenarios", type=int, default=40, help="simulated hours of reports")
    parser.add_argument("--window", type=float, default=defaults.lookalike_window_minutes, help="minutes")
    parser.add_argument("--min-reports", type=int, default=defaults.lookalike_min_reports)
    parser.add_argument("--similarity", type=float, default=defaults.lookalike_similarity)
    parser.add_argument("--sweep", action="store_true", help="also try similarity thresholds 20..40")
    args = parser.parse_args()

    reports = labelled_reports(seed=args.seed, scenarios=args.scenarios)
    labels = {r.key: r.label for r in reports}
    outages = len({label for label in labels.values() if label})
    print(f"{len(reports)} reports, {outages} outages, seed {args.seed}")
    for threshold in sorted({args.similarity, *(range(20, 41, 2) if args.sweep else ())}):
        limits = Thresholds(timedelta(minutes=args.window), args.min_reports, float(threshold))
        started = time.perf_counter()
        groups = replay(((r.key, r.customer, r.at, f"{r.subject}\n{r.description}") for r in reports), limits)
        took = (time.perf_counter() - started) / len(reports) * 1000
        scored = score(labels, groups)
        print(
            f"similarity {threshold:>5.1f}: precision {scored.precision:.3f}  recall {scored.recall:.3f}  "
            f"suggestions {scored.groups}  ({took:.2f} ms per report)"
        )


if __name__ == "__main__":
    main()
