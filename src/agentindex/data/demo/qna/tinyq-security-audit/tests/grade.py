"""Deterministic rubric grading of /logs/agent/answer.txt.

The answer is the text between a `<<FINAL_ANSWER>>` line and a `<<END_FINAL_ANSWER>>`
line (the last such block, in case the agent echoed the template first). Each rubric
item is a Python regex searched case-insensitively in that text: a required item must
match, a non-required (negative) item must not. Reward 1 iff every item holds.
Writes /logs/verifier/reward.json: {"reward": 0|1, "<item id>": 0|1, ...}.
"""

import json
import os
import re
import sys

ANSWER = "/logs/agent/answer.txt"
REWARD = "/logs/verifier/reward.json"
BLOCK = re.compile(r"^<<FINAL_ANSWER>>[ \t\r]*\n(.*?)^<<END_FINAL_ANSWER>>[ \t\r]*$", re.M | re.S)


def extract(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            blocks = BLOCK.findall(f.read())
    except OSError:
        return None
    return blocks[-1].strip() if blocks and blocks[-1].strip() else None


def main() -> None:
    rubric_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rubric.json")
    with open(rubric_path, encoding="utf-8") as f:
        rubric = json.load(f)
    answer = extract(ANSWER)
    scores = {}
    for item in rubric:
        found = answer is not None and re.search(item["pattern"], answer, re.I) is not None
        ok = answer is not None and found == item["required"]
        scores[item["id"]] = int(ok)
        print(f"{'PASS' if ok else 'FAIL'} {item['id']}: {item['description']}")
    reward = int(answer is not None and all(scores.values()))
    if answer is None:
        print("no answer between <<FINAL_ANSWER>> and <<END_FINAL_ANSWER>> in " + ANSWER)
    with open(REWARD, "w", encoding="utf-8") as f:
        json.dump({"reward": reward, **scores}, f)
    print(f"reward {reward}")


if __name__ == "__main__":
    sys.exit(main())
