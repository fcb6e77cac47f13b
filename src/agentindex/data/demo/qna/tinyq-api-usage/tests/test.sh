#!/bin/bash
# Rubric grading; a crash in grade.py leaves the pre-written 0.
mkdir -p /logs/verifier
echo '{"reward": 0}' > /logs/verifier/reward.json
timeout 30 python3 /tests/grade.py
