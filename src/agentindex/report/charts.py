"""The report's charts as plotly figure specs (plain JSON-able dicts), built from the Report.

A chart with nothing to show (no variant has the figure) is ``None``: the page says so in words
instead of drawing empty axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentindex.results.report import Report, VariantFigures

_LAYOUT: dict[str, Any] = {"margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "height": 380,
                           "legend": {"orientation": "h", "y": -0.2}}
_TOKEN_PARTS = (("input", "uncached input"), ("cache_read", "cache read"),
                ("cache_write", "cache write"), ("output", "output"))
_TIME_PARTS = (("time_per_task_s", "agent"), ("env_time_per_task_s", "environment"),
               ("verify_time_per_task_s", "grading"))


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    figure: dict[str, Any] | None
    empty: str  # what the page says when ``figure`` is None


def _layout(title: str, x: str, y: str, **extra: Any) -> dict[str, Any]:
    return {**_LAYOUT, "title": {"text": title}, "xaxis": {"title": {"text": x}},
            "yaxis": {"title": {"text": y}}, **extra}


def _score_name(report: Report) -> str:
    """The index if the report has one, else the mean benchmark score (0–100)."""
    return "index" if report.index_definition else "mean score × 100"


def _score(report: Report, v: VariantFigures) -> float | None:
    if report.index_definition:
        return v.index
    scores = [b.score for b in v.benchmarks.values() if b.score is not None]
    return 100 * sum(scores) / len(scores) if scores else None


def cost_chart(report: Report) -> Chart:
    """Index against cost per task, each variant a point, the Pareto frontier a line."""
    pts = [(v.label, v.cost_per_task_usd, _score(report, v)) for v in report.variants]
    pts = [p for p in pts if p[1] is not None and p[2] is not None]
    front = [p for label in report.pareto_frontier for p in pts if p[0] == label]
    name = _score_name(report)
    fig = None
    if pts:
        fig = {"data": [
            {"type": "scatter", "mode": "markers+text", "name": "variants",
             "x": [p[1] for p in pts], "y": [p[2] for p in pts], "text": [p[0] for p in pts],
             "textposition": "top center", "marker": {"size": 11}},
            {"type": "scatter", "mode": "lines", "name": "Pareto frontier",
             "x": [p[1] for p in front], "y": [p[2] for p in front],
             "line": {"dash": "dot"}}],
            "layout": _layout(f"{name} vs cost per task", "USD per task", name)}
    return Chart("chart-cost", "Index vs cost per task", fig,
                 "No variant has a cost: no model calls were recorded, or a price is unknown.")


def tokens_chart(report: Report) -> Chart:
    """Index against total tokens per task."""
    pts = [(v.label, v.tokens_per_task.total if v.tokens_per_task else None, _score(report, v))
           for v in report.variants]
    pts = [p for p in pts if p[1] is not None and p[2] is not None]
    name = _score_name(report)
    fig = None if not pts else {
        "data": [{"type": "scatter", "mode": "markers+text", "x": [p[1] for p in pts],
                  "y": [p[2] for p in pts], "text": [p[0] for p in pts],
                  "textposition": "top center", "marker": {"size": 11}, "name": "variants"}],
        "layout": _layout(f"{name} vs tokens per task", "tokens per task", name)}
    return Chart("chart-tokens", "Index vs tokens per task", fig,
                 "No variant has token counts.")


def mix_chart(report: Report) -> Chart:
    """Tokens per task, stacked by kind (uncached input, cache read, cache write, output)."""
    rows = [(v.label, v.tokens_per_task) for v in report.variants if v.tokens_per_task]
    fig = None if not rows else {
        "data": [{"type": "bar", "name": title, "x": [label for label, _ in rows],
                  "y": [getattr(t, key) or 0 for _, t in rows]}
                 for key, title in _TOKEN_PARTS],
        "layout": _layout("token mix per task", "variant", "tokens per task", barmode="stack")}
    return Chart("chart-mix", "Token mix per variant", fig, "No variant has token counts.")


def time_chart(report: Report) -> Chart:
    """Mean seconds per task: agent phase, beside environment set-up and grading."""
    rows = [v for v in report.variants if v.time_per_task_s is not None]
    labels = [v.label for v in rows]
    fig = None if not rows else {
        "data": [{"type": "bar", "name": title, "x": labels,
                  "y": [getattr(v, key) or 0 for v in rows]}
                 for key, title in _TIME_PARTS],
        "layout": _layout("time per task", "variant", "seconds", barmode="group")}
    return Chart("chart-time", "Time per task", fig, "No trial has timings.")


def bench_chart(report: Report) -> Chart:
    """Score per benchmark per variant, with 95% CI error bars."""
    data = []
    for v in report.variants:
        refs = [r for r in report.benchmarks if v.benchmarks[r].score is not None]
        scores = [v.benchmarks[r].score or 0.0 for r in refs]
        cis = [v.benchmarks[r].ci95 or [s, s] for r, s in zip(refs, scores, strict=True)]
        data.append({"type": "bar", "name": v.label, "x": refs, "y": scores,
                     "error_y": {"type": "data", "symmetric": False,
                                 "array": [c[1] - s for c, s in zip(cis, scores, strict=True)],
                                 "arrayminus": [s - c[0]
                                                for c, s in zip(cis, scores, strict=True)]}})
    has = any(d["y"] for d in data)
    fig = None if not has else {
        "data": data,
        "layout": _layout("score per benchmark (95% CI)", "benchmark", "score",
                          barmode="group", yaxis={"range": [0, 1.05],
                                                  "title": {"text": "score"}})}
    return Chart("chart-bench", "Per-benchmark scores", fig, "No benchmark has a score yet.")


def cache_chart(report: Report) -> Chart:
    """Cache hit rate per variant (pooled over calls)."""
    rows = [v for v in report.variants if v.cache_hit_rate is not None]
    fig = None if not rows else {
        "data": [{"type": "bar", "name": "cache hit rate", "x": [v.label for v in rows],
                  "y": [v.cache_hit_rate for v in rows]}],
        "layout": _layout("cache hit rate", "variant", "cache read / all input",
                          yaxis={"range": [0, 1], "tickformat": ".0%",
                                 "title": {"text": "cache read / all input"}})}
    return Chart("chart-cache", "Cache hit rate", fig, "No variant reported cache usage.")


def all_charts(report: Report) -> list[Chart]:
    return [cost_chart(report), tokens_chart(report), mix_chart(report), time_chart(report),
            bench_chart(report), cache_chart(report)]
