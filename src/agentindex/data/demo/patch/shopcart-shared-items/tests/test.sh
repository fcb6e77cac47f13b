#!/bin/bash
# SWE-bench style grading: put the pristine and hidden test files back into /app/tests
# (so edits to the tests cannot pass them), then every listed test must pass.
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt   # stays 0 if anything below crashes
mkdir -p /app/tests
cp /tests/grading/*.py /app/tests/
cd /app && PYTHONDONTWRITEBYTECODE=1 timeout 60 python3 /tests/run_tests.py /tests/config.json \
    > /logs/verifier/test_output.txt 2>&1
tail -n 40 /logs/verifier/test_output.txt
