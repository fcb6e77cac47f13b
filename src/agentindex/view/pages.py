"""The view's HTML pages (server-rendered; the trial timeline is a plotly chart)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from agentindex.results import CallRecord, TrialResult
from agentindex.results.trajectory import Event
from agentindex.view.data import OutputFile, TrialEntry
from agentindex.view.transcript import transcript_html

MAX_ROWS = 1000
OUTCOMES = ("passed", "failed", "errored", "no reward")

_STYLE = """<style>
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px; color: #222; }
table { border-collapse: collapse; font-size: 13px; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }
th { background: #f4f4f4; } td.n { text-align: right; }
.passed { color: #1a7f37; } .failed { color: #b35900; } .errored { color: #c00; }
pre { background: #f6f8fa; padding: .6em; max-height: 30em; overflow: auto; font-size: 12px; }
form label { margin-right: 1em; } nav a { margin-right: 1em; }
</style>"""


def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title>{_STYLE}{head}</head><body>"
            f'<nav><a href="/">trials</a><a href="/report">report</a></nav>'
            f"<h1>{escape(title)}</h1>{body}</body></html>")


def _select(name: str, options: Sequence[str], chosen: str | None) -> str:
    opts = ['<option value="">all</option>'] + [
        f'<option value="{escape(o, quote=True)}"{" selected" if o == chosen else ""}>'
        f"{escape(o)}</option>" for o in options]
    return f'<label>{name} <select name="{name}" id="f-{name}">{"".join(opts)}</select></label>'


def index_page(job: str, entries: Sequence[TrialEntry], filters: dict[str, str | None],
               variants: Sequence[str], benchmarks: Sequence[str]) -> str:
    """Trials, filtered by variant / benchmark / outcome (query parameters)."""
    shown = [e for e in entries
             if (not filters.get("variant") or e.variant == filters["variant"])
             and (not filters.get("benchmark") or filters["benchmark"] in e.benchmarks)
             and (not filters.get("outcome") or e.outcome == filters["outcome"])
             and (not filters.get("leak") or _leak(e.trial) == filters["leak"])]
    form = ('<form method="get" id="filters">'
            + _select("variant", variants, filters.get("variant"))
            + _select("benchmark", benchmarks, filters.get("benchmark"))
            + _select("outcome", OUTCOMES, filters.get("outcome"))
            + _select("leak", ("suspected", "none", "not checked"), filters.get("leak"))
            + '<button type="submit">filter</button></form>')
    rows = []
    for e in shown[:MAX_ROWS]:
        t = e.trial
        rows.append(
            f'<tr class="trial"><td><a href="/trial/{quote(t.trial_id)}">'
            f"{escape(t.trial_id)}</a></td><td>{escape(e.variant)}</td>"
            f"<td>{escape(', '.join(e.benchmarks))}</td><td>{escape(t.task_name)}</td>"
            f'<td class="n">{t.attempt}</td><td class="{e.outcome.replace(" ", "-")}">'
            f"{escape(e.outcome)}</td><td class=\"n\">{_n(t.reward, '.3g')}</td>"
            f"<td>{escape(t.error_class or '')}</td><td class=\"n\">{_n(t.agent_s, '.1f')}</td>"
            f'<td class="leak-{_leak(t).replace(" ", "-")}">{escape(_leak(t))}</td></tr>')
    more = (f"<p>showing the first {MAX_ROWS} of {len(shown)}; filter to see others</p>"
            if len(shown) > MAX_ROWS else "")
    table = ('<table id="trials"><thead><tr><th>trial</th><th>variant</th><th>benchmark</th>'
             "<th>task</th><th>attempt</th><th>outcome</th><th>reward</th><th>error</th>"
             "<th>agent s</th><th>answer leak</th></tr></thead><tbody>" + "".join(rows)
             + "</tbody></table>")
    count = f'<p id="count">{len(shown)} of {len(entries)} trials</p>'
    return _page(f"agentindex view · {job}", form + count + more + table)


def _leak(t: TrialResult) -> str:
    """``suspected`` (a command reached past the base commit), ``none``, or ``not checked`` (the
    harness kept no command log)."""
    if t.suspected_leaks is None:
        return "not checked"
    return "suspected" if t.suspected_leaks else "none"


def _n(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


def _timeline(calls: Sequence[CallRecord]) -> dict[str, Any]:
    """A Gantt-like plotly figure: one bar per call from its start to its end."""
    t0 = min(c.started_at for c in calls)
    labels = [f"try {c.try_no} · #{c.seq}" for c in calls]
    ends = [(c.ended_at or c.started_at) - c.started_at for c in calls]
    text = [f"{c.model}<br>in {c.input} · cache read {c.cache_read} · out {c.output}"
            f"<br>tool: {c.tool_digest or '-'}" for c in calls]
    return {"data": [{"type": "bar", "orientation": "h", "y": labels, "x": ends,
                      "base": [c.started_at - t0 for c in calls], "hovertext": text,
                      "hoverinfo": "text", "marker": {"color": [
                          "#4c78a8" if c.tools_offered else "#f58518" for c in calls]}}],
            "layout": {"height": 120 + 22 * len(calls), "margin": {"l": 110, "t": 30},
                       "title": {"text": "calls (s from the first; orange: side calls)"},
                       "yaxis": {"autorange": "reversed"}}}


_CALL_COLUMNS = ("try_no", "seq", "model", "status", "input", "cache_read", "cache_write_5m",
                 "cache_write_1h", "output", "reasoning")


def _calls_table(calls: Sequence[CallRecord]) -> str:
    head = "".join(f"<th>{c}</th>" for c in _CALL_COLUMNS) + \
        "<th>ttfb s</th><th>latency s</th><th>kind</th><th>tool digest</th><th>error</th>"
    rows = []
    for c in calls:
        values = [getattr(c, k) for k in _CALL_COLUMNS]
        cells = "".join(f"<td>{escape(str(x) if x is not None else '—')}</td>" for x in values)
        ttfb = None if c.first_byte_at is None else c.first_byte_at - c.started_at
        lat = None if c.ended_at is None else c.ended_at - c.started_at
        rows.append(f'<tr class="call">{cells}<td class="n">{_n(ttfb, ".3f")}</td>'
                    f'<td class="n">{_n(lat, ".3f")}</td>'
                    f"<td>{'agent' if c.tools_offered else 'side'}</td>"
                    f"<td><code>{escape(c.tool_digest or '')}</code></td>"
                    f"<td>{escape(c.error or '')}</td></tr>")
    return f'<table id="calls"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _files(title: str, files: Sequence[OutputFile]) -> str:
    if not files:
        return f"<h2>{escape(title)}</h2><p>none</p>"
    parts = [f"<h3><code>{escape(f.path)}</code></h3><pre>{escape(f.text)}"
             f"{'… (cut)' if f.truncated else ''}</pre>" for f in files]
    return f"<h2>{escape(title)}</h2>" + "".join(parts)


def trial_page(entry: TrialEntry, calls: Sequence[CallRecord], agent: Sequence[OutputFile],
               verifier: Sequence[OutputFile], events: Sequence[Event] = ()) -> str:
    t = entry.trial
    facts = [("variant", entry.variant), ("benchmark", ", ".join(entry.benchmarks)),
             ("task", t.task_name), ("attempt", t.attempt), ("outcome", entry.outcome),
             ("reward", t.reward), ("error", t.error_class or "—"), ("tries", t.tries),
             ("environment s", _n(t.env_s, ".2f")), ("agent s", _n(t.agent_s, ".2f")),
             ("grading s", _n(t.verify_s, ".2f")),
             ("limits", "not enforced: " + ", ".join(t.limits_not_enforced)
              if t.limits_not_enforced else "enforced or none asked"),
             ("refused tool calls", "—" if t.refused_tool_calls is None else t.refused_tool_calls)]
    dl = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
    body = f'<table id="facts">{dl}</table>'
    if t.suspected_leaks:
        items = "".join(f"<li><code>{escape(leak.command)}</code>: {escape(leak.why)}</li>"
                        for leak in t.suspected_leaks)
        body += f'<h2>Suspected answer leaks</h2><ul id="leaks">{items}</ul>'
    if t.self_report:
        body += f"<h2>Self-report</h2><pre>{escape(t.self_report.model_dump_json(indent=2))}</pre>"
    elif t.self_report_error:
        body += f"<h2>Self-report</h2><p>{escape(t.self_report_error)}</p>"
    head = ""
    leaks = None if t.suspected_leaks is None else [leak.command for leak in t.suspected_leaks]
    body += transcript_html(events, calls, leaks)
    if calls:
        fig = json.dumps(_timeline(calls)).replace("</", "<\\/")
        head = '<script src="/static/plotly.min.js"></script>'
        body += (f"<h2>Model calls ({len(calls)})</h2><div class=\"chart\" id=\"timeline\"></div>"
                 f"<script>const F={fig};Plotly.newPlot('timeline',F.data,F.layout,"
                 "{displaylogo:false});</script>" + _calls_table(calls))
    else:
        body += "<h2>Model calls</h2><p>none recorded</p>"
    logs = _files("Agent output (the harness's own logs)", agent)
    body += (f'<details id="raw-logs"{"" if events else " open"}><summary>raw harness logs '
             f"({len(agent)} files)</summary>{logs}</details>")
    body += _files("Verifier output", verifier)
    return _page(f"trial {t.trial_id}", body, head)


