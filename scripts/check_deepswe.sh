#!/usr/bin/env bash
# Load every DeepSWE task of a local copy as the runner would (schema 1.3), building and running
# nothing, and check that there are 113 of them. The copy is not shipped: fetch
# https://github.com/datacurve-ai/deep-swe (or `agentindex datasets pull deepswe@1.1`) and pass
# its tasks/ folder.
#   scripts/check_deepswe.sh PATH/TO/deep-swe/tasks [EXPECTED_COUNT]
set -euo pipefail
tasks="${1:?usage: $0 PATH/TO/deep-swe/tasks [EXPECTED_COUNT]}"
expected="${2:-113}"
cd "$(dirname "$0")/.."
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
.venv/bin/agentindex tasks check --no-run "$tasks" | tee "$out" || status=$?
ok=$(grep -c '^ok ' "$out" || true)
if [ "$status" -ne 0 ] || [ "$ok" -ne "$expected" ]; then
  echo "check_deepswe: $ok well-formed task(s), expected $expected (exit $status)" >&2
  exit 1
fi
echo "check_deepswe: all $expected tasks load"
