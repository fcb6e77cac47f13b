"""A trial's trajectory as a readable transcript: one collapsible block per event, grouped by
call with its tokens, cache hits and latency; loops, failed and refused tool calls and suspected
leaks highlighted; a search box filters the blocks (in the page, no server round trip)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from html import escape

from agentindex.results import CallRecord
from agentindex.results.trajectory import Event, Message, ToolCallEvent, ToolResultEvent

#: A command that may reach what the agent must not see: the task's tests or reference solution,
#: the repository's future history, or the internet. Our own small rule, used only when the trial
#: carries no classifier verdict (``TrialResult.suspected_leaks`` is None: not checked).
SUSPECTED_LEAK = re.compile(
    r"(?:^|[\s/'\"])(?:tests?/|solution/|solve\.sh)|\bgit\s+(?:log|show|fetch|pull)\b|"
    r"\b(?:curl|wget)\s|https?://|pip\s+download")
#: The same tool call this many times in a row is a loop.
LOOP_REPEATS = 3

STYLE = """<style>
#transcript details { border-left: 4px solid #ccc; margin: .3em 0; padding: .1em .6em; }
#transcript details.system, #transcript details.user { border-color: #4c78a8; }
#transcript details.assistant { border-color: #54a24b; }
#transcript details.tool_call { border-color: #999; }
#transcript details.failed { border-color: #e45756; background: #fff4f4; }
#transcript details.refused { border-color: #c00; background: #ffe5e5; }
#transcript details.loop { background: #fff8e0; }
#transcript details.leak { outline: 2px dashed #b279a2; }
#transcript .mark { font-weight: bold; color: #c00; margin-left: .5em; }
#transcript .turn { font-size: 12px; color: #555; margin-top: .8em; }
#transcript .side { opacity: .7; }
#transcript pre { margin: .3em 0; white-space: pre-wrap; }
#transcript details.hidden, #transcript .turn.hidden { display: none; }
</style>"""

SEARCH = """<script>
document.getElementById('search').addEventListener('input', e => {
  const q = e.target.value.toLowerCase();
  for (const d of document.querySelectorAll('#transcript details')) {
    const hit = !q || d.textContent.toLowerCase().includes(q);
    d.classList.toggle('hidden', !hit);
    if (hit && q) d.open = true;
  }
});
</script>"""


def command_of(call: ToolCallEvent) -> str:
    """The shell command of a tool call (``command``/``cmd``, joined when a list), else its
    arguments as JSON."""
    args = call.arguments
    if isinstance(args, str):
        return args
    for key in ("command", "cmd"):
        value = args.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return " ".join(value)
    return json.dumps(args, ensure_ascii=False)


def loop_calls(events: Sequence[Event]) -> set[int]:
    """Indices (into ``events``) of tool calls that repeat the previous call ≥ LOOP_REPEATS times
    in a row (same name and arguments)."""
    out: set[int] = set()
    run: list[int] = []
    last: str | None = None
    for i, e in enumerate(events):
        if not isinstance(e, ToolCallEvent) or e.side:
            continue
        key = e.name + "\0" + json.dumps(e.arguments, sort_keys=True)
        run = [*run, i] if key == last else [i]
        last = key
        if len(run) >= LOOP_REPEATS:
            out.update(run)
    return out


def _block(kind: str, classes: list[str], summary: str, text: str, marks: list[str],
           open_: bool = False) -> str:
    mark = "".join(f'<span class="mark">{escape(m)}</span>' for m in marks)
    return (f'<details class="{" ".join([kind, *classes])}"{" open" if open_ else ""}>'
            f"<summary>{escape(summary)}{mark}</summary><pre>{escape(text)}</pre></details>")


def is_leak(command: str, leaks: Sequence[str] | None) -> bool:
    """Whether ``command`` is a suspected leak: one the trial's classifier named (``leaks``; the
    harness may log it slightly differently, so either containing the other counts), or, when
    the trial was not checked (None), one :data:`SUSPECTED_LEAK` matches."""
    if leaks is None:
        return SUSPECTED_LEAK.search(command) is not None
    return any(leak and (leak in command or command in leak) for leak in leaks)


def _event_html(e: Event, in_loop: bool, leaks: Sequence[str] | None) -> str:
    side = ["side"] if e.side else []
    if isinstance(e, Message):
        text = e.text + (f"\n\n[reasoning]\n{e.reasoning}" if e.reasoning else "")
        first = e.text.strip().splitlines()[0][:100] if e.text.strip() else "(reasoning)"
        marks = ["truncated"] if e.truncated else []
        return _block(e.role, side, f"{e.role}: {first}", text, marks, e.role == "assistant")
    if isinstance(e, ToolCallEvent):
        cmd = command_of(e)
        classes, marks = list(side), []
        if in_loop:
            classes.append("loop")
            marks.append("loop")
        if is_leak(cmd, leaks):
            classes.append("leak")
            marks.append("suspected leak")
        return _block("tool_call", classes, f"{e.name}: {cmd.splitlines()[0][:120] if cmd else ''}",
                      cmd, marks)
    classes, marks = list(side), []
    if e.refused:
        classes.append("refused")
        marks.append("refused by the harness")
    elif e.is_error:
        classes.append("failed")
        marks.append("failed")
    if e.truncated:
        marks.append("truncated")
    first = e.text.strip().splitlines()[0][:100] if e.text.strip() else "(empty)"
    return _block("tool_result", classes, f"result: {first}", e.text, marks,
                  e.refused or bool(e.is_error))


def _turn(call: CallRecord | None, try_no: int, seq: int) -> str:
    if call is None:
        return f'<div class="turn">try {try_no} · call #{seq}</div>'
    u = call.usage
    lat = "—" if call.ended_at is None else f"{call.ended_at - call.started_at:.2f} s"
    kind = "agent" if call.tools_offered else "side call"
    return (f'<div class="turn">try {try_no} · call #{seq} ({kind}) · input {u.input} · '
            f"cache read {u.cache_read} · output {u.output} · latency {lat}</div>")


def transcript_html(events: Sequence[Event], calls: Sequence[CallRecord],
                    leaks: Sequence[str] | None = None) -> str:
    """The transcript section of the trial page (empty text when there are no events);
    ``leaks``: the commands the trial's leak classifier flagged (None: not checked)."""
    if not events:
        return ""
    by_call = {(c.try_no, c.seq): c for c in calls}
    loops = loop_calls(events)
    parts: list[str] = []
    current: tuple[int, int] | None = None
    for i, e in enumerate(events):
        if (e.try_no, e.seq) != current:
            current = (e.try_no, e.seq)
            parts.append(_turn(by_call.get(current), *current))
        parts.append(_event_html(e, i in loops, leaks))
    refused = sum(1 for e in events if isinstance(e, ToolResultEvent) and e.refused)
    failed = sum(1 for e in events if isinstance(e, ToolResultEvent) and e.is_error)
    summary = (f"<p>{len(events)} events · {failed} failed tool calls · {refused} refused by the "
               f"harness · {len(loops)} tool calls in loops</p>")
    return (f"{STYLE}<h2>Transcript</h2>{summary}"
            '<p><input id="search" type="search" placeholder="search the transcript" size="40">'
            '</p><div id="transcript">' + "".join(parts) + "</div>" + SEARCH)
