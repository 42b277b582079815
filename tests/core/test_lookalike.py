"""The mass-incident detector on the generated labelled reports: the targets the issue sets."""

from __future__ import annotations

from core.lookalike_text import Thresholds, similarity, stems
from core.services import lookalike_thresholds
from core.settings import Settings
from tests.support.lookalike_reports import labelled_reports
from tests.support.lookalike_score import replay, score


def default_thresholds() -> Thresholds:
    thresholds = lookalike_thresholds(Settings(_env_file=None))
    assert thresholds is not None
    return thresholds


def test_precision_and_recall_on_the_labelled_set() -> None:
    reports = labelled_reports(seed=15)
    groups = replay(((r.key, r.customer, r.at, f"{r.subject}\n{r.description}") for r in reports), default_thresholds())
    scored = score({r.key: r.label for r in reports}, groups)
    assert scored.precision >= 0.9 and scored.recall >= 0.8, scored


def test_normalized_words_meet_across_case_digits_and_look_alike_letters() -> None:
    assert stems("ТУРНИКЕТ 12 не открывается") == stems("турникет 7 не oткрывается")  # Latin "o"
    assert similarity(stems("Пропуска не срабатывают на турникетах"), stems("турникеты не реагируют на пропуск")) > 40


def test_same_product_another_failure_is_not_alike() -> None:
    outage = stems("Archive not recording\nThe cameras do not write anything to the archive.")
    near_miss = stems("Camera does not rotate\nThe PTZ camera does not turn when we press the arrows.")
    assert similarity(outage, near_miss) < default_thresholds().similarity
