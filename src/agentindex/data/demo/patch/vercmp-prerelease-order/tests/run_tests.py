"""Run the unittest ids listed in config.json, one at a time, against the code in cwd.

Reward 1 iff every fail_to_pass and pass_to_pass test passes (SWE-bench rule: a skipped
test, an expected failure or a test that cannot be found counts as not passed).
Writes /logs/verifier/test_results.json ({"tests": [{"name", "status"}]}) and reward.txt.
"""

import json
import os
import sys
import unittest

VERIFIER = "/logs/verifier"


def run_one(test_id: str) -> str:
    try:
        suite = unittest.defaultTestLoader.loadTestsFromName(test_id)
    except Exception as exc:  # a name that does not resolve is a failure, not a crash
        print(f"{test_id}: cannot load: {exc!r}")
        return "FAILED"
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    clean = not (result.skipped or result.expectedFailures or result.unexpectedSuccesses)
    return "PASSED" if result.testsRun == 1 and result.wasSuccessful() and clean else "FAILED"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    sys.path.insert(0, os.getcwd())
    ids = config["fail_to_pass"] + config["pass_to_pass"]
    statuses = {test_id: run_one(test_id) for test_id in ids}
    ok = bool(ids) and all(s == "PASSED" for s in statuses.values())
    with open(os.path.join(VERIFIER, "test_results.json"), "w", encoding="utf-8") as f:
        json.dump({"tests": [{"name": k, "status": v} for k, v in statuses.items()]}, f, indent=1)
    for test_id, status in statuses.items():
        print(f"{status} {test_id}")
    with open(os.path.join(VERIFIER, "reward.txt"), "w", encoding="utf-8") as f:
        f.write("1\n" if ok else "0\n")


if __name__ == "__main__":
    main()
