#!/usr/bin/env bash
# Set up everything agentindex needs on a fresh Debian machine; idempotent and fast the second time.
#   scripts/setup.sh          the tool itself (system packages, venv, package)
#   scripts/setup.sh --test   also what the test suite needs
#   scripts/setup.sh --verifier-python   also build the Python TB2's verifiers ask for (minutes,
#                             once per machine; a run that needs it builds it otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${AGENTINDEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentindex}"  # = agentindex.paths
mkdir -p "$CACHE"

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v git >/dev/null || need_apt+=(git)
[ -x /usr/bin/python3 ] || need_apt+=(python3)  # the demo tasks run on the host's Debian python3
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
# Reinstall only when the dependencies changed.
stamp=".venv/.agentindex-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing agentindex and its dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -U pip
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
  rm -f .venv/.agentindex-*
  touch "$stamp"
fi
# Byte-code for our own sources: where PYTHONDONTWRITEBYTECODE is set (as on these machines)
# Python never writes it, and every command would compile ~100 modules (~0.25 s of CPU). Python
# uses these files while they are newer than the source; a quick no-op when they are. Not in
# data/: task directories are copied and hashed whole.
.venv/bin/python -m compileall -q -x "/data/" src/agentindex >/dev/null

if [[ " $* " == *" --test "* ]]; then
  for extra in scripts/setup_podman.sh scripts/setup_agents.sh scripts/setup_browser.sh \
               scripts/setup_local_model.sh; do
    [ -f "$extra" ] && bash "$extra"
  done
fi
if [[ " $* " == *" --verifier-python "* ]]; then
  .venv/bin/agentindex sandbox verifier-python 3.13
fi
echo "setup: ready"
