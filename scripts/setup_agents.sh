#!/usr/bin/env bash
# Pre-install the pinned harness CLIs (claude-code, codex, gemini-cli, opencode, qwen-code from npm;
# mini-swe-agent into a venv) into ~/.cache/agentindex/agents/NAME@VERSION, once per version.
# Idempotent: a second run takes well under a second. Cold: ~1.4 GB, a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null; then
  echo "setup_agents: the node CLIs need node >= 20 and npm at /usr/bin (found node major" \
       "$node_major); install them first" >&2
  exit 1
fi
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || {
  echo "setup_agents: installing python3-venv (mini-swe-agent's venv is built on /usr/bin/python3)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq python3-venv >/dev/null
}
exec .venv/bin/agentindex agents install "$@"
