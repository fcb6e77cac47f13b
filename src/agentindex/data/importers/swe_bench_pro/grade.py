"""SWE-Bench Pro verdict for one trial (written by agentindex; copied into each task's tests/).

Runs inside the task's image with whatever Python it has (3.6 or later, standard library only).

    python grade.py strip PATCH             remove binary hunks in place (as the official tool)
    python grade.py paths PATCH             the paths a patch touches, one per line
    python grade.py verdict CONFIG OUTPUT VERIFIER_DIR GOLD_TESTS

``verdict`` reads the parser's ``{"tests": [{"name", "status"}]}`` and writes, into VERIFIER_DIR,
``reward.json`` (``reward`` 1 iff every FAIL_TO_PASS and PASS_TO_PASS test PASSED, as the official
evaluator decides; plus the fraction of each group that passed) and ``verdict.json`` (each graded
test with its status: PASSED, FAILED, SKIPPED, ERROR, or MISSING when the parser did not report
it). A missing or malformed OUTPUT writes no reward: the grader broke, which is not a score.
"""

import json
import re
import sys


def strip_binary(text):
    sections = re.split(r"(?=^diff --git )", text, flags=re.MULTILINE)
    kept = [s for s in sections if s.strip()
            and not re.search(r"^Binary files .* differ$", s, re.MULTILINE)
            and not re.search(r"^GIT binary patch$", s, re.MULTILINE)]
    return "".join(kept)


def patch_paths(text):
    paths = []
    for line in text.splitlines():
        m = re.match(r"^diff --git a/(.+?) b/(.+)$", line)
        if m:
            for p in m.groups():
                if p not in paths:
                    paths.append(p)
    return paths


def statuses(output):
    """name -> status; a name reported several times counts as PASSED if any report is."""
    tests = output.get("tests") if isinstance(output, dict) else None
    if not isinstance(tests, list):
        raise ValueError("no 'tests' list")
    seen = {}
    for t in tests:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise ValueError("a test without a name: %r" % (t,))
        status = str(t.get("status"))
        if seen.get(t["name"]) != "PASSED":
            seen[t["name"]] = status
    return seen


def verdict(config, output, gold_tests):
    seen = statuses(output)
    groups = {}
    for group in ("fail_to_pass", "pass_to_pass"):
        groups[group] = [{"name": n, "status": seen.get(n, "MISSING")} for n in config[group]]
    graded = groups["fail_to_pass"] + groups["pass_to_pass"]
    failed = [t["name"] for t in graded if t["status"] != "PASSED"]
    rewards = {"reward": 0.0 if failed else 1.0}
    for group, tests in sorted(groups.items()):
        if tests:
            rewards[group] = sum(t["status"] == "PASSED" for t in tests) / float(len(tests))
    detail = {"instance_id": config["instance_id"], "resolved": not failed,
              "gold_tests": gold_tests, "failed": failed, "reported": len(seen)}
    detail.update(groups)
    return rewards, detail


def main(argv):
    if len(argv) == 2 and argv[0] == "strip":
        with open(argv[1]) as f:
            text = f.read()
        with open(argv[1], "w") as f:
            f.write(strip_binary(text))
        return 0
    if len(argv) == 2 and argv[0] == "paths":
        with open(argv[1]) as f:
            sys.stdout.write("".join(p + "\n" for p in patch_paths(f.read())))
        return 0
    if len(argv) == 5 and argv[0] == "verdict":
        with open(argv[1]) as f:
            config = json.load(f)
        try:
            with open(argv[2]) as f:
                output = json.load(f)
            rewards, detail = verdict(config, output, argv[4])
        except (OSError, ValueError) as e:
            sys.stderr.write("grade.py: the parser's output %s is unusable: %s\n" % (argv[2], e))
            return 3
        with open(argv[3] + "/verdict.json", "w") as f:
            json.dump(detail, f, indent=2, sort_keys=True)
        with open(argv[3] + "/reward.json", "w") as f:
            json.dump(rewards, f, sort_keys=True)
        print("resolved" if detail["resolved"] else
              "unresolved: %d of %d graded tests did not pass" % (
                  len(detail["failed"]),
                  len(config["fail_to_pass"]) + len(config["pass_to_pass"])))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
