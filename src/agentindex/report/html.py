"""The HTML report: one self-contained file (plotly.js inlined, no network) with the sortable
leaderboard, the charts, the index definition, the price date and price sources."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from importlib.resources import files
from typing import Any

from agentindex.report.charts import Chart, all_charts
from agentindex.results.report import Reconciliation, Report, VariantFigures

Fmt = Callable[[VariantFigures], tuple[Any, str]]  # a cell: (sort value, text)


def _fig(attr: str, spec: str) -> Fmt:
    def cell(v: VariantFigures) -> tuple[Any, str]:
        x = getattr(v, attr)
        return x, _num(x, spec)
    return cell


def _cost(v: VariantFigures) -> tuple[Any, str]:
    if v.price_unknown:
        return None, "unknown price: " + ", ".join(v.price_unknown)
    return v.cost_per_task_usd, _num(v.cost_per_task_usd, ".4f")


def _tokens(v: VariantFigures) -> tuple[Any, str]:
    total = v.tokens_per_task.total if v.tokens_per_task else None
    return total, _num(total, ",.0f")


_COLUMNS: tuple[tuple[str, Fmt], ...] = (
    # the index's cost is the agent's; a verifier's judge is grading, shown beside it
    ("$ / task", _cost), ("grading $ / task", _fig("grading_cost_per_task_usd", ".4f")),
    ("tokens / task", _tokens),
    ("cache hit", _fig("cache_hit_rate", ".1%")),
    ("time / task (s)", _fig("time_per_task_s", ".1f")),
    ("turns / task", _fig("turns_per_task", ".1f")),
    ("side calls / task", _fig("side_calls_per_task", ".1f")),
    ("loop rate", _fig("loop_rate", ".1%")), ("trials", _fig("trials", "d")),
    ("errored", _fig("errored", "d")), ("failed spend ($)", _fig("spend_failed_usd", ".4f")),
    ("usage from", lambda v: (v.usage_source, v.usage_source or "—")))


def plotly_js() -> str:
    """plotly.js as shipped inside the plotly package (so the page needs no CDN)."""
    try:
        return (files("plotly") / "package_data" / "plotly.min.js").read_text()
    except ModuleNotFoundError:  # pragma: no cover - plotly is a dependency
        raise RuntimeError("the HTML report needs plotly: pip install plotly") from None


def _json(obj: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(obj, separators=(",", ":")).replace("</", "<\\/")


def _num(x: Any, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def _cell(value: Any, text: str) -> str:
    sort = "" if value is None else escape(str(value), quote=True)
    return f'<td data-v="{sort}">{escape(text)}</td>'


def _row(report: Report, v: VariantFigures) -> str:
    ci = v.index_ci95
    index = _num(v.index, ".1f") + (f" [{ci[0]:.1f}, {ci[1]:.1f}]" if ci else "")
    cells = [_cell(v.label, v.label)]
    if report.index_definition:
        cells.append(_cell(v.index, index))
    for ref in report.benchmarks:
        b = v.benchmarks[ref]
        bci = f" [{b.ci95[0]:.2f}, {b.ci95[1]:.2f}]" if b.ci95 else ""
        cells.append(_cell(b.score, _num(b.score, ".3f") + bci))
    cells += [_cell(*fmt(v)) for _, fmt in _COLUMNS]
    return "<tr>" + "".join(cells) + "</tr>"


def leaderboard_html(report: Report) -> str:
    heads = ["variant"] + (["index [95% CI]"] if report.index_definition else [])
    heads += list(report.benchmarks) + [title for title, _ in _COLUMNS]
    rows = sorted(report.variants, key=lambda v: -(v.index if v.index is not None else -1))
    th = "".join(f'<th data-col="{i}" title="click to sort">{escape(h)}</th>'
                 for i, h in enumerate(heads))
    body = "\n".join(_row(report, v) for v in rows)
    return (f'<table id="leaderboard" class="sortable"><thead><tr>{th}</tr></thead>'
            f"<tbody>\n{body}\n</tbody></table>")


def _definition(report: Report) -> str:
    weights = report.index_weights or {}
    parts = ", ".join(f"{escape(b)} × {w:g}" for b, w in weights.items())
    ci = report.ci
    dated = f" (of {escape(report.index_date)})" if report.index_date else ""
    index = (f"<p><b>Index</b> {escape(report.index_definition)}{dated}: weighted mean of "
             f"benchmark scores × 100 ({parts}). A benchmark score is the mean over its tasks of "
             f"the mean reward over attempts.</p>") if report.index_definition else \
        "<p>No index definition: benchmark scores only.</p>"
    sources = "".join(f"<li><code>{escape(m)}</code>: {escape(s)}</li>"
                      for m, s in report.price_sources.items()) or "<li>no priced model</li>"
    return (index + f"<p><b>95% CIs</b>: {escape(ci.method)}, {ci.resamples} resamples, "
            f"seed {ci.seed}.</p><p><b>Prices</b> of {escape(report.price_date)}, "
            f"each call priced on its own, then summed. Sources:</p><ul>{sources}</ul>")


def reconciliation_text(r: Reconciliation | None) -> str:
    """The rule that explains gateway vs self-report, with the token totals it explains."""
    if r is None:
        return "—"
    g, s, d = r.gateway.tokens.total, r.self_report.tokens.total, r.difference.tokens.total
    return (f"{r.rule}: {r.trials} trials, gateway {_num(g, ',')} tokens, self-report "
            f"{_num(s, ',')}, difference {_num(d, '+,')}")


def _details(report: Report) -> str:
    """Errors by class, failed and interrupted spend, the judge's spend and the gateway vs
    self-report reconciliation."""
    rows = []
    for v in report.variants:
        errors = ", ".join(f"{k}: {n}" for k, n in v.errors_by_class.items()) or "none"
        rows.append(f"<tr><td>{escape(v.label)}</td><td>{escape(errors)}</td>"
                    f"<td>{_num(v.spend_total_usd, '.4f')}</td>"
                    f"<td>{_num(v.spend_retried_usd, '.4f')}</td>"
                    f"<td>{_num(v.spend_failed_usd, '.4f')}</td>"
                    f"<td>{_num(v.interrupted_spend_usd, '.4f')} "
                    f"({_num(v.interrupted_calls, 'd')} calls)</td>"
                    f"<td>{_num(v.grading_spend_usd, '.4f')}</td>"
                    f'<td class="reconciliation">{escape(reconciliation_text(v.reconciliation))}'
                    f"</td><td>{_leaks(v)}</td><td>{v.answers_extracted}</td></tr>")
    return ("<table><thead><tr><th>variant</th><th>errored trials by class</th>"
            "<th>total spend ($)</th><th>retried tries ($)</th><th>failed ($)</th>"
            "<th>interrupted tries ($, in the total)</th><th>judge, all calls ($, apart)</th>"
            "<th>gateway vs self-report (rule)</th><th>suspected answer leaks</th>"
            "<th>answers taken from the final message</th></tr></thead>"
            "<tbody>"
            + "".join(rows) + "</tbody></table>")


def _leaks(v: VariantFigures) -> str:
    """The suspected-leak rate and the trials flagged (commands that reached past the base)."""
    rate = v.suspected_leak_rate
    if rate is None:
        return "— (no command log)"
    trials = v.suspected_leak_trials
    return escape(f"{rate:.1%}" + (f": {', '.join(trials)}" if trials else ""))


def _chart(c: Chart) -> str:
    if c.figure is None:
        return f'<section class="chart-box"><h3>{escape(c.title)}</h3>' \
               f'<p class="empty">{escape(c.empty)}</p></section>'
    return f'<section class="chart-box"><h3>{escape(c.title)}</h3>' \
           f'<div class="chart" id="{c.id}"></div></section>'


def report_html(report: Report, *, include_js: bool = True) -> str:
    """The whole page. ``include_js=False`` leaves plotly.js out, for a page that loads it from
    the same server (``agentindex view``)."""
    charts = all_charts(report)
    figures = {c.id: c.figure for c in charts if c.figure is not None}
    plotly = f"<script>{plotly_js()}</script>" if include_js else \
        '<script src="/static/plotly.min.js"></script>'
    title = f"agentindex · {report.job}"
    return _PAGE.format(
        title=escape(title), plotly=plotly, definition=_definition(report),
        leaderboard=leaderboard_html(report), charts="\n".join(_chart(c) for c in charts),
        details=_details(report), figures=_json(figures), sort_js=SORT_JS,
        generated=escape(report.generated_at), version=escape(report.agentindex_version))


SORT_JS = """
function sortTable(table, col, th) {
  const body = table.tBodies[0];
  const asc = th.dataset.dir !== "asc";
  table.querySelectorAll("th").forEach(h => { delete h.dataset.dir; });
  th.dataset.dir = asc ? "asc" : "desc";
  const key = r => { const v = r.cells[col].dataset.v; return v === "" ? null : v; };
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === null || y === null) return (x === null) - (y === null);
    const nx = Number(x), ny = Number(y);
    const c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
    return asc ? c : -c;
  });
  rows.forEach(r => body.appendChild(r));
}
document.querySelectorAll("table.sortable").forEach(t =>
  t.querySelectorAll("th").forEach(th =>
    th.addEventListener("click", () => sortTable(t, Number(th.dataset.col), th))));
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1280px; color: #222; }}
table {{ border-collapse: collapse; font-size: 14px; margin: 1em 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
table.sortable th {{ cursor: pointer; background: #f4f4f4; }}
th[data-dir=asc]::after {{ content: " ▲"; }} th[data-dir=desc]::after {{ content: " ▼"; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1em; }}
.empty {{ color: #888; font-style: italic; }}
footer {{ color: #888; font-size: 12px; margin-top: 3em; }}
</style>
{plotly}
</head><body>
<h1>{title}</h1>
{definition}
<h2>Leaderboard</h2>
{leaderboard}
<h2>Charts</h2>
<div class="charts">
{charts}
</div>
<h2>Errors, failed spend, reconciliation</h2>
{details}
<footer>agentindex {version} · generated {generated}</footer>
<script>
const FIGURES = {figures};
for (const [id, fig] of Object.entries(FIGURES)) {{
  Plotly.newPlot(id, fig.data, fig.layout, {{displaylogo: false, responsive: true}});
}}
{sort_js}
</script>
</body></html>
"""
