"""``scripted/*`` models: deterministic test doubles that speak every wire protocol.

Behaviours (the part after ``scripted/``):

- ``oracle``: a tool call that runs the trial's reference solution (``solution/solve.sh``) with the
  harness's own shell tool, then a final message. Progress is read from the request (tool results
  already in the conversation), so each request is answered on its own. With no shell tool among
  the tools offered (or no tools, mini-swe-agent style), it answers in text with one ```bash block,
  and after that ``echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT``. The script travels base64-encoded
  (``echo <b64> | base64 -d | bash``): harnesses filter commands (Gemini CLI and Qwen Code refuse
  backticks, ``$(…)`` and ``<(…)``), and an encoded payload passes every filter unchanged.
- ``refused``: first a shell command with a command substitution (:data:`REFUSED_COMMAND`), sent
  as is, which the command filters of Gemini CLI and Qwen Code refuse; then ``oracle``.
- ``loop``: the same tool call (``ls``) forever.
- ``flaky``: per trial, the 1st call gets 429 (``retry-after: 1``), the 2nd 529, then it is
  ``oracle``.
- ``cut``: the response (stream or body) stops half-way and the connection is closed.
- ``chaos``: ``oracle``, but each call fails with probability ``rate`` (option, default 0.1), in
  one of the ways a real provider fails (:data:`CHAOS_FAULTS`; option ``faults``, comma-separated,
  picks some): 429 with ``retry-after: 1``, 500, 529, a response cut after k events (k drawn;
  of a body, k bytes), a stall of ``stall`` seconds (option, default 5) before the first byte
  (past a client's read timeout), or a malformed response (broken SSE events; a broken JSON
  body). Which call fails, and how, is drawn from ``seed`` (option), the trial id and the call's
  number in the trial (:func:`chaos_fault`): the same run gets the same faults. The soak
  (``benchmarks/soak.py``) drives it.
- ``text``: a fixed answer (``ScriptedContext.answer``).
- ``judge``: a rubric judge, in the rating format SWE-Atlas-QnA's grader reads
  (``{"ratings": [{"rubric_statement", "status", "score", "justification"}]}``): every item
  met; ``?verdict=no`` none met; ``?verdict=malformed`` a reply no grader can parse.

Options follow a ``?``: ``scripted/oracle?price=anthropic/claude-sonnet-4-5`` prices each call with
that real model's sheet (see ``agentindex.pricing``), so a dry run estimates a run's cost.

Usage per response is fixed: :data:`SCRIPTED_USAGE` = 1200 uncached input, 3400 cache read,
560 cache write (5 m), 0 cache write (1 h), 78 output of which 12 reasoning. What the gateway then
records depends on what the wire protocol can say (:func:`scripted_usage`):

============================  =====  ==========  ======  ======  ======  =========
protocol                      input  cache_read  cw_5m   cw_1h   output  reasoning
============================  =====  ==========  ======  ======  ======  =========
anthropic                     1200   3400        560     0       78      None
openai-chat / -responses      1760   3400        None    None    78      12
gemini                        1760   3400        None    None    78      12
============================  =====  ==========  ======  ======  ======  =========

(Only Anthropic reports cache writes, so elsewhere they arrive as uncached input; only the others
report reasoning.)
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from agentindex.gateway.wire import (
    CallRequest,
    Reply,
    ToolCall,
    ToolSpec,
    as_dict,
    as_list,
    is_shell_tool,
)
from agentindex.usage import Usage

SCRIPTED_USAGE = Usage(input=1200, cache_read=3400, cache_write_5m=560, cache_write_1h=0,
                       output=78, reasoning=12)
BEHAVIOURS = ("oracle", "loop", "flaky", "cut", "text", "judge", "refused", "chaos")
#: What ``scripted/chaos`` can do to a call.
CHAOS_FAULTS = ("429", "500", "529", "cut", "stall", "malformed")
#: The command ``scripted/refused`` sends first: ``$(…)`` trips the harnesses' injection filters.
REFUSED_COMMAND = 'echo "kernel: $(uname -s)"'
SUBMIT_MARKER = b"COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
SUBMIT = "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"
_SHELL_NAMES = ("bash", "shell", "exec_command", "run_shell_command", "execute_bash",
                "run_command", "terminal")


@dataclass(frozen=True)
class ScriptedContext:
    """What scripted models know about the trial: the reference solution script (the text of
    ``solution/solve.sh``), the task instruction, and the answer ``text`` gives (also the final
    message of ``oracle``)."""

    solution: str | None = None
    instruction: str = ""
    answer: str = "Done."


@dataclass
class ScriptedState:
    """Per-trial state of scripted models: what they know of the trial, and the trial's call
    count (``flaky`` answers by it)."""

    context: ScriptedContext = field(default_factory=ScriptedContext)
    calls: int = 0


def asks_submit(raw: bytes) -> bool:
    """Whether a request's body names mini-swe-agent's submit command (the harness finishes when
    a command prints it)."""
    return SUBMIT_MARKER in raw


@dataclass(frozen=True)
class ScriptedModel:
    """A parsed ``scripted/...`` name: behaviour and options (``price``)."""

    behaviour: str
    options: tuple[tuple[str, str], ...] = ()

    @property
    def price(self) -> str | None:
        return dict(self.options).get("price")


def parse_scripted(name: str) -> ScriptedModel:
    """``oracle?price=p/m`` (the part after ``scripted/``) -> ScriptedModel; ValueError if the
    behaviour is unknown."""
    behaviour, _, query = name.partition("?")
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown scripted model {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
    model = ScriptedModel(behaviour, tuple(parse_qsl(query)))
    if behaviour == "chaos":
        _check_chaos(dict(model.options))
    return model


def _check_chaos(options: dict[str, str]) -> None:
    try:
        rate, stall = float(options.get("rate", "0.1")), float(options.get("stall", "5"))
    except ValueError as err:
        raise ValueError(f"scripted/chaos: rate and stall are numbers: {err}") from None
    if not 0 <= rate <= 1 or stall < 0:
        raise ValueError("scripted/chaos: rate is a probability (0..1), stall seconds (>= 0)")
    unknown = set(options.get("faults", "").split(",")) - set(CHAOS_FAULTS) - {""}
    if unknown:
        raise ValueError(f"scripted/chaos: unknown fault(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(CHAOS_FAULTS)}")


def scripted_usage(protocol: str) -> Usage:
    """What the gateway records for one scripted response in ``protocol`` (table above)."""
    u = SCRIPTED_USAGE
    if protocol == "anthropic":
        return Usage(input=u.input, cache_read=u.cache_read, cache_write_5m=u.cache_write_5m,
                     cache_write_1h=u.cache_write_1h, output=u.output)
    return Usage(input=(u.input or 0) + (u.cache_write or 0), cache_read=u.cache_read,
                 output=u.output, reasoning=u.reasoning)


@dataclass(frozen=True)
class ShellTool:
    """A tool that runs shell commands, and how its arguments are shaped: ``command``/``cmd``
    (a string), ``argv`` (``command`` is an array), ``js`` (a custom tool taking JavaScript)."""

    spec: ToolSpec
    style: str


def find_shell_tool(tools: tuple[ToolSpec, ...]) -> ShellTool | None:
    """The harness's shell tool, by name and schema (Claude Code ``Bash{command}``, Codex
    ``exec_command{cmd}`` / ``shell{command: array}`` / custom ``exec``, Gemini CLI and Qwen
    ``run_shell_command{command}``, OpenCode ``bash{command}``)."""
    found = [t for t in (_shell_style(s) for s in tools) if t is not None]
    known = [t for t in found if t.spec.name.lower() in _SHELL_NAMES]
    return (known or found)[0] if found else None


def _shell_style(spec: ToolSpec) -> ShellTool | None:
    if spec.kind == "custom":
        return ShellTool(spec, "js") if spec.name == "exec" else None
    props = as_dict(spec.schema.get("properties"))
    if not is_shell_tool(spec.name):
        return None
    match as_dict(props.get("command")).get("type"), as_dict(props.get("cmd")).get("type"):
        case "array", _:
            return ShellTool(spec, "argv")
        case "string", _:
            return ShellTool(spec, "command")
        case _, "string":
            return ShellTool(spec, "cmd")
    return None


def encoded(script: str) -> str:
    """A one-line shell command that runs ``script`` with bash: the script base64-encoded, so no
    character in it can trip a harness's command filter or be expanded by the shell."""
    payload = base64.b64encode(script.encode()).decode("ascii")
    return f"echo {payload} | base64 -d | bash"


def shell_call(tool: ShellTool, script: str, call_id: str, *, encode: bool = True) -> ToolCall:
    """A call of ``tool`` that runs ``script`` (base64-encoded unless ``encode`` is False)."""
    if tool.style == "js":
        code = ('const r = require("child_process").spawnSync("bash", ["-c", '
                f'{json.dumps(script)}], {{encoding: "utf8"}}); console.log(r.stdout + r.stderr);')
        return ToolCall(tool.spec.name, code, call_id, "custom")
    args: dict[str, Any] = {}
    for key in as_list(tool.spec.schema.get("required")):
        if not isinstance(key, str):
            continue
        prop = as_dict(as_dict(tool.spec.schema.get("properties")).get(key))
        if prop.get("type") == "string":
            args[key] = "scripted step"
    match tool.style:
        case "argv":
            args["command"] = ["bash", "-c", script]
        case "cmd":
            args["cmd"] = encoded(script) if encode else script
        case _:
            args["command"] = encoded(script) if encode else script
    return ToolCall(tool.spec.name, args, call_id)


def _text_step(command: str) -> str:
    return f"THOUGHT: next step.\n\n```bash\n{command}\n```"


def oracle_reply(req: CallRequest, ctx: ScriptedContext, model: str, *,
                 submit: bool = False) -> Reply:
    """Run the solution with the shell tool, then finish (progress = tool results so far);
    ``submit``: the harness finishes by a command (:func:`asks_submit`), so send it."""
    script = ctx.solution or "true"
    tool = find_shell_tool(req.tools)
    if tool is None:
        step = encoded(script) if req.assistant_turns == 0 else SUBMIT
        return Reply(_text_step(step), None, SCRIPTED_USAGE, model)
    if req.tool_results == 0:
        call = shell_call(tool, script, f"call_oracle_{req.assistant_turns}")
        return Reply(None, call, SCRIPTED_USAGE, model)
    if submit and req.tool_results == 1:  # a harness that finishes by a command
        return Reply(None, shell_call(tool, SUBMIT, "call_oracle_submit"), SCRIPTED_USAGE, model)
    return Reply(ctx.answer, None, SCRIPTED_USAGE, model)


def refused_reply(req: CallRequest, ctx: ScriptedContext, model: str, *,
                  submit: bool = False) -> Reply:
    """:data:`REFUSED_COMMAND` as the first tool call, then the oracle (one result later)."""
    tool = find_shell_tool(req.tools)
    if tool is not None and req.tool_results == 0:
        call = shell_call(tool, REFUSED_COMMAND, "call_refused", encode=False)
        return Reply(None, call, SCRIPTED_USAGE, model)
    if tool is not None:
        req = dataclasses.replace(req, tool_results=req.tool_results - 1)
    return oracle_reply(req, ctx, model, submit=submit)


def loop_reply(req: CallRequest, model: str) -> Reply:
    """The same tool call every time."""
    tool = find_shell_tool(req.tools)
    if tool is not None:
        return Reply(None, shell_call(tool, "ls", "call_loop"), SCRIPTED_USAGE, model)
    if req.tools:
        first = req.tools[0]
        call = ToolCall(first.name, "" if first.kind == "custom" else {}, "call_loop", first.kind)
        return Reply(None, call, SCRIPTED_USAGE, model)
    return Reply(_text_step("ls"), None, SCRIPTED_USAGE, model)


@dataclass(frozen=True)
class ScriptedError:
    """An error answer: status, headers, message."""

    status: int
    headers: tuple[tuple[str, str], ...]
    message: str


def flaky_error(call_no: int) -> ScriptedError | None:
    """The error of ``scripted/flaky`` for the trial's ``call_no``-th call (1-based), if any."""
    match call_no:
        case 1:
            return ScriptedError(429, (("retry-after", "1"),), "rate limited (scripted/flaky)")
        case 2:
            return ScriptedError(529, (), "overloaded (scripted/flaky)")
    return None


@dataclass(frozen=True)
class ChaosFault:
    """A fault ``scripted/chaos`` serves: ``kind`` (one of :data:`CHAOS_FAULTS`), the error
    (429/500/529), where a cut falls (``cut_after``: events of a stream, bytes of a body, as a
    fraction of the response) and how long a stall lasts."""

    kind: str
    error: ScriptedError | None = None
    cut_after: float = 0.5
    stall_s: float = 0.0


def chaos_fault(model: ScriptedModel, trial_id: str, call_no: int) -> ChaosFault | None:
    """The fault of the trial's ``call_no``-th call (1-based) under ``scripted/chaos``, or None:
    drawn from (``seed``, trial, call number) alone, so a re-run draws the same."""
    options = dict(model.options)
    rate = float(options.get("rate", "0.1"))
    kinds = tuple(k for k in options.get("faults", ",".join(CHAOS_FAULTS)).split(",") if k)
    rng = random.Random(f"{options.get('seed', '0')}:{trial_id}:{call_no}")
    if rng.random() >= rate or not kinds:
        return None
    kind = rng.choice(kinds)
    match kind:
        case "429":
            error = ScriptedError(429, (("retry-after", "1"),), "rate limited (scripted/chaos)")
            return ChaosFault(kind, error)
        case "500":
            return ChaosFault(kind, ScriptedError(500, (), "internal error (scripted/chaos)"))
        case "529":
            return ChaosFault(kind, ScriptedError(529, (), "overloaded (scripted/chaos)"))
        case "stall":
            return ChaosFault(kind, stall_s=float(options.get("stall", "5")))
        case "cut":
            return ChaosFault(kind, cut_after=rng.uniform(0.05, 0.95))
        case "malformed":
            return ChaosFault(kind)
    raise ValueError(f"scripted/chaos: unknown fault {kind!r}; known: {', '.join(CHAOS_FAULTS)}")


def judge_reply(model: ScriptedModel, name: str) -> Reply:
    """A rating of one rubric item (``verdict`` option: ``yes``, ``no`` or ``malformed``)."""
    verdict = dict(model.options).get("verdict", "yes")
    if verdict == "malformed":
        return Reply("I would rather not grade this.", None, SCRIPTED_USAGE, name)
    met = verdict != "no"
    rating = {"rubric_statement": "", "status": "YES" if met else "NO",
              "score": "1" if met else "0", "justification": f"scripted judge ({verdict})"}
    return Reply("```json\n" + json.dumps({"ratings": [rating]}) + "\n```", None,
                 SCRIPTED_USAGE, name)


def scripted_reply(model: ScriptedModel, req: CallRequest, ctx: ScriptedContext,
                   name: str, *, submit: bool = False) -> Reply:
    """The reply of ``model`` (errors and cuts aside, which the provider applies)."""
    match model.behaviour:
        case "loop":
            return loop_reply(req, name)
        case "text":
            return Reply(ctx.answer, None, SCRIPTED_USAGE, name)
        case "refused":
            return refused_reply(req, ctx, name, submit=submit)
        case "judge":
            return judge_reply(model, name)
    return oracle_reply(req, ctx, name, submit=submit)
