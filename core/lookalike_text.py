"""When incident reports say the same thing: normalized word stems matched with rapidfuzz.

Why fuzzy word matching rather than TF-IDF cosine: the window holds a handful of reports, too few
for document frequencies to mean anything, and customers reorder, abbreviate and misspell. So a
report is reduced to content stems (case, "ё", numbers, Latin look-alike letters inside Russian
words and ru/en stop words normalized away; words cut to 5 letters so "камера/камеры" and
"record/recording" meet) and two reports score the share of their stems that find a close match
(rapidfuzz ratio >= 85, which absorbs typos) in the other: a fuzzy Dice coefficient. Whole-string
ratios (`token_set_ratio`) were measured worse on near-misses: a short subject contained in a longer
one scores 100. Groups use average linkage (`place`), so one loosely worded report cannot chain two
outages together. bench/lookalike.py measures it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rapidfuzz import fuzz, process

STEM = 5
WORD = re.compile(r"[0-9a-zа-я]+")
# Latin letters that look Cyrillic: "oшибка" typed with a Latin "o" is still "ошибка".
HOMOGLYPHS = str.maketrans("aceopxyktmhb", "асеорхукт" + "мнв")
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "not",
        "no",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "my",
        "our",
        "your",
        "me",
        "us",
        "can",
        "cannot",
        "could",
        "please",
        "help",
        "hello",
        "hi",
        "again",
        "since",
        "after",
        "before",
        "just",
        "still",
        "any",
        "all",
        "now",
        "today",
        "there",
        "here",
        "what",
        "when",
        "whether",
        "as",
        "by",
        "so",
        "very",
        "also",
        "up",
        "down",
        "out",
        "about",
        "more",
        "some",
        "get",
        "got",
        "any",
        "ok",
        "thanks",
        "и",
        "в",
        "во",
        "на",
        "не",
        "нет",
        "но",
        "а",
        "или",
        "что",
        "это",
        "как",
        "так",
        "уже",
        "еще",
        "ещё",
        "у",
        "к",
        "ко",
        "с",
        "со",
        "по",
        "за",
        "из",
        "от",
        "до",
        "для",
        "при",
        "о",
        "об",
        "мы",
        "вы",
        "я",
        "он",
        "она",
        "они",
        "оно",
        "мой",
        "наш",
        "ваш",
        "меня",
        "нас",
        "вас",
        "нам",
        "вам",
        "его",
        "ее",
        "её",
        "их",
        "был",
        "была",
        "были",
        "было",
        "есть",
        "быть",
        "же",
        "ли",
        "бы",
        "то",
        "тоже",
        "очень",
        "просто",
        "снова",
        "опять",
        "сейчас",
        "сегодня",
        "здравствуйте",
        "привет",
        "добрый",
        "день",
        "пожалуйста",
        "помогите",
        "спасибо",
        "после",
        "перед",
        "всё",
        "все",
        "всех",
        "весь",
        "никак",
    ]
)


def _token(word: str) -> str:
    if re.search("[а-я]", word):
        word = word.translate(HOMOGLYPHS)
    if word.isdigit():
        return "0"  # numbers differ per customer (camera 3, floor 12); their presence is what matters
    return word[:STEM]


def stems(text: str) -> list[str]:
    """The content stems of a report, in order, duplicates dropped."""
    words = WORD.findall(text.casefold().replace("ё", "е"))
    seen: dict[str, None] = {}
    for word in words:
        if word in STOP or (len(word) < 2 and not word.isdigit()):
            continue
        seen.setdefault(_token(word), None)
    return [stem for stem in seen if stem != "0"]


def similarity(a: Sequence[str], b: Sequence[str], *, word_match: float = 85.0) -> float:
    """0-100: the share of both reports' stems that have a close match in the other (a fuzzy Dice)."""
    if not a or not b:
        return 0.0

    def matched(these: Sequence[str], those: Sequence[str]) -> int:
        return sum(1 for stem in these if process.extractOne(stem, those, scorer=fuzz.ratio, score_cutoff=word_match))

    return 100.0 * (matched(a, b) + matched(b, a)) / (len(a) + len(b))


@dataclass
class Report:
    key: int
    customer: int
    at: datetime
    stems: list[str]


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class Group:
    """A suggestion's reports as placing reads them.

    `members` may hold only the group's latest reports (a newcomer is compared with GROUP_SAMPLE of
    them, `place`); `customers` and `last_at` then tell about all of them. By default they are
    taken from `members`.
    """

    key: int
    members: list[Report] = field(default_factory=list)
    customers: set[int] = field(default_factory=set)
    last_at: datetime = _NEVER

    def __post_init__(self) -> None:
        for member in self.members:
            self._count(member)

    def add(self, report: Report) -> None:
        self.members.append(report)
        self._count(report)

    def _count(self, report: Report) -> None:
        self.customers.add(report.customer)
        self.last_at = max(self.last_at, report.at)


# How many of a group's latest reports a newcomer is compared with (average linkage over them).
GROUP_SAMPLE = 20


@dataclass
class Thresholds:
    window: timedelta = timedelta(minutes=10)
    min_reports: int = 3
    similarity: float = 60.0


def place(
    report: Report, recent: Sequence[Report], groups: Sequence[Group], limits: Thresholds
) -> Group | list[Report] | None:
    """Where a new report goes: an existing group it resembles, a new group's members, or nowhere.

    A group is joined when the report is alike, on average, to its members (average linkage: one
    loosely worded report must not chain two different outages together). Otherwise the report and
    the recent ungrouped reports alike to it form a group once they come from `min_reports`
    different customers.
    """
    best: tuple[float, Group] | None = None
    for group in groups:
        if report.at - group.last_at > limits.window or report.customer in group.customers:
            continue
        # A mass outage's group holds hundreds of reports: its latest ones stand for it.
        score = _mean(report, group.members[-GROUP_SAMPLE:])
        if score >= limits.similarity and (best is None or score > best[0]):
            best = (score, group)
    if best is not None:
        return best[1]
    grouped = {m.key for group in groups for m in group.members}
    alike: dict[int, Report] = {}
    for other in sorted(recent, key=lambda r: r.at):
        if other.key in grouped or other.customer == report.customer or report.at - other.at > limits.window:
            continue
        if other.customer not in alike and similarity(report.stems, other.stems) >= limits.similarity:
            alike[other.customer] = other
    members = [*alike.values(), report]
    # A report alike to the newcomer but not to the rest (a near-miss) is left out of the group.
    while len(members) >= limits.min_reports:
        cohesion = [(_mean(m, [o for o in members if o is not m]), m) for m in members if m is not report]
        worst, member = min(cohesion, key=lambda pair: pair[0])
        if worst >= limits.similarity:
            return members
        members.remove(member)
    return None


def _mean(report: Report, others: Sequence[Report]) -> float:
    return sum(similarity(report.stems, other.stems) for other in others) / len(others)
