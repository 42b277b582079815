"""The Grafana dashboard asks only for metrics the service exposes, and shows every one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import switchboard.observability.metrics  # noqa: F401  (registers the metrics)

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana-dashboard.json"


def test_dashboard_and_metrics_agree() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {
        re.sub(r"_(total|bucket|count|sum)$", "", name) for q in queries for name in re.findall(r"switchboard_\w+", q)
    }
    exposed = {metric.name for metric in REGISTRY.collect() if metric.name.startswith("switchboard_")}
    assert used == exposed
