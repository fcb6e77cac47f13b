"""QnA tasks in the SWE-Atlas-QnA shape, written here, whose verifier calls an LLM judge.

The grader (``tests/evaluate_answer.py``) is ours, written in the style of SWE-Atlas's: it reads
``/logs/agent/answer.txt`` (the part after ``<<FINAL_ANSWER>>``), makes one OpenAI-compatible
chat call per rubric item to ``$EVAL_BASE_URL`` with ``$EVAL_API_KEY`` and ``$EVAL_MODEL``,
retries an unusable reply, reads ``{"ratings": [{"status", "score", ...}]}``, flips negative
items, and writes ``reward.txt`` (1 iff every scored must-have item passes) and
``evaluation_results.json``. It uses the standard library only (no ``openai`` package).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

GRADER = r'''"""Rubric grader in the SWE-Atlas style (agentindex test fixture)."""
import json
import os
import re
import sys
import urllib.request

ANSWER = "/logs/agent/answer.txt"
MAX_RETRIES = 3


def chat(base_url, key, model, system, user):
    body = json.dumps({"model": model, "max_tokens": 512, "messages": [
        {"role": "system", "content": system}, {"role": "user", "content": user}]}).encode()
    req = urllib.request.Request(base_url.rstrip("/") + "/chat/completions", data=body,
                                 headers={"Authorization": "Bearer " + key,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.load(resp)["choices"][0]["message"]["content"] or ""


def parse(text):
    m = re.search(r"\{.*\}", text, re.DOTALL)
    try:
        rating = json.loads(m.group(0))["ratings"][0] if m else None
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    status = str(rating.get("status", "")).upper() if isinstance(rating, dict) else ""
    return {"YES": "1", "NO": "0"}.get(status)


def main():
    base_url, key = os.environ.get("EVAL_BASE_URL"), os.environ.get("EVAL_API_KEY")
    model = os.environ.get("EVAL_MODEL", "anthropic/claude-opus-4-5")
    if not base_url or not key:
        print("ERROR: EVAL_API_KEY and EVAL_BASE_URL must be set", file=sys.stderr)
        return 1
    os.makedirs("/logs/verifier", exist_ok=True)
    answer = open(ANSWER).read().strip() if os.path.exists(ANSWER) else ""
    if "<<FINAL_ANSWER>>" in answer:
        answer = answer.split("<<FINAL_ANSWER>>")[1].split("<<END_FINAL_ANSWER>>")[0].strip()
    if not answer:
        print("no answer, scoring 0", file=sys.stderr)
        open("/logs/verifier/reward.txt", "w").write("0\n")
        return 0
    system = open("/tests/system_prompt.txt").read()
    template = open("/tests/user_prompt_template.txt").read()
    question = open("/tests/prompt.txt").read().strip()
    results = []
    for rubric in json.load(open("/tests/rubrics.json")):
        title = re.sub(r"^\d+(\.\d+)*:\s*", "", rubric["title"])
        user = template.format(problem_statement=question, model_answer=answer,
                               title=json.dumps(title))
        score = None
        for attempt in range(MAX_RETRIES):
            score = parse(chat(base_url, key, model, system, user))
            if score is not None:
                break
            print("retry %d/%d: unusable reply for %s" % (attempt + 1, MAX_RETRIES,
                                                           rubric["id"]), file=sys.stderr)
        kind = rubric.get("annotations", {}).get("type", "")
        if score is not None and "negative" in kind:
            score = "0" if score == "1" else "1"
        results.append({"id": rubric["id"], "title": rubric["title"], "score": score,
                        "importance": rubric.get("annotations", {}).get("importance",
                                                                         "must have")})
    scored = [r for r in results if r["score"] is not None]
    must = [r for r in scored if r["importance"] == "must have"]
    passed = bool(must) and all(r["score"] == "1" for r in must)
    open("/logs/verifier/reward.txt", "w").write("%d\n" % passed)
    json.dump({"reward": int(passed), "pass": passed, "num_rubrics": len(results),
               "num_scored": len(scored), "num_unscored": len(results) - len(scored),
               "rubric_scores": results}, open("/logs/verifier/evaluation_results.json", "w"),
              indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

SYSTEM_PROMPT = """You grade a response against one rubric criterion. Return a JSON object
{"ratings": [{"rubric_statement": ..., "status": "YES" or "NO", "score": "1" or "0",
"justification": ...}]}.
"""

USER_TEMPLATE = """# Prompt
{problem_statement}

# Response
{model_answer}

#Rubric Criteria
{{
  "rubric_statement": {title}
}}"""

TOML = """schema_version = "1.1"

[task]
name = "agentindex-test/{name}"

[metadata]
kind = "qna"
category = "Code Onboarding"
language = "python"

[verifier]
timeout_sec = 60.0

[agent]
timeout_sec = 120.0

[environment]
allow_internet = false

[verifier.env]
EVAL_API_KEY = "${{OPENAI_API_KEY}}"
EVAL_BASE_URL = "${{OPENAI_API_BASE}}"
EVAL_MODEL = "${{EVAL_MODEL:-{judge}}}"
"""

QUESTION = "Which port does the tinyq development server listen on, and how do you know?"
ANSWER = "It listens on port 8080: tinyq/server.py sets PORT = 8080."


def write_qna_task(root: Path, name: str, *, judge: str = "scripted/judge",
                   rubric_items: int = 3, answer: str = ANSWER, dump_env: bool = False) -> Path:
    """A SWE-Atlas-shaped QnA task whose grader asks the judge about ``rubric_items`` items;
    its reference solution writes ``answer``. ``dump_env``: test.sh first writes its whole
    environment to /logs/verifier/env.txt."""
    task = root / name
    for sub in ("environment", "tests", "solution"):
        (task / sub).mkdir(parents=True)
    (task / "task.toml").write_text(TOML.format(name=name, judge=judge))
    (task / "instruction.md").write_text(
        f"{QUESTION}\n\nWrite your answer to /logs/agent/answer.txt between "
        "<<FINAL_ANSWER>> and <<END_FINAL_ANSWER>>. Do not modify the repository.\n")
    (task / "environment" / "Dockerfile").write_text(textwrap.dedent("""\
        FROM localhost/debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends python3 \\
            && rm -rf /var/lib/apt/lists/*
        WORKDIR /app
        """))
    rubrics = [{"id": f"r{i}", "title": f"1.{i}: States fact number {i} about the port",
                "annotations": {"type": "positive hli verifier", "importance": "must have"}}
               for i in range(1, rubric_items + 1)]
    tests = task / "tests"
    (tests / "rubrics.json").write_text(json.dumps(rubrics, indent=2))
    (tests / "prompt.txt").write_text(QUESTION + "\n")
    (tests / "system_prompt.txt").write_text(SYSTEM_PROMPT)
    (tests / "user_prompt_template.txt").write_text(USER_TEMPLATE)
    (tests / "evaluate_answer.py").write_text(GRADER)
    (tests / "test.sh").write_text(
        "#!/bin/bash\nmkdir -p /logs/verifier\n"
        + ("env | sort > /logs/verifier/env.txt\n" if dump_env else "")
        + "python3 /tests/evaluate_answer.py\n")
    (task / "solution" / "solve.sh").write_text(
        "#!/bin/bash\nmkdir -p /logs/agent\ncat > /logs/agent/answer.txt <<'ANSWER'\n"
        f"<<FINAL_ANSWER>>\n{answer}\n<<END_FINAL_ANSWER>>\nANSWER\n")
    return task
