"""How well the mass-incident detector groups a labelled stream: pairwise precision and recall."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from core.lookalike_text import Group, Report, Thresholds, place, stems


@dataclass
class Scored:
    precision: float
    recall: float
    groups: int
    true_pairs: int
    found_pairs: int


def replay(items: Iterable[tuple[int, int, datetime, str]], limits: Thresholds) -> list[Group]:
    """Feed (key, customer, at, text) in time order through `place`, as reports would arrive."""
    groups: list[Group] = []
    recent: list[Report] = []
    for key, customer, at, text in items:
        report = Report(key, customer, at, stems(text))
        placed = place(report, recent, groups, limits)
        if isinstance(placed, Group):
            placed.add(report)
        elif placed is not None:
            groups.append(Group(key=len(groups) + 1, members=placed))
        recent = [r for r in recent if at - r.at <= limits.window] + [report]
    return groups


def score(labels: dict[int, str | None], groups: Sequence[Group]) -> Scored:
    """Pairs of reports put in one group vs pairs that belong to one outage."""
    truth: set[tuple[int, int]] = set()
    by_label: dict[str, list[int]] = {}
    for key, label in labels.items():
        if label is not None:
            by_label.setdefault(label, []).append(key)
    for keys in by_label.values():
        truth |= set(combinations(sorted(keys), 2))
    found = {pair for group in groups for pair in combinations(sorted(m.key for m in group.members), 2)}
    hit = len(found & truth)
    return Scored(
        precision=hit / len(found) if found else 1.0,
        recall=hit / len(truth) if truth else 1.0,
        groups=len(groups),
        true_pairs=len(truth),
        found_pairs=len(found),
    )
