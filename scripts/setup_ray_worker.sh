#!/usr/bin/env bash
# Make this machine a Ray worker node for agentindex, and join it to a cluster.
#   scripts/setup_ray_worker.sh --address HEAD:6379 [--backend bwrap|container] [--cpus N]
#                               [--memory-gb G] [--object-store-gb G] [--no-agents]
#   scripts/setup_ray_worker.sh --head [--port 6379] ...   (the head node; it runs trials too)
# Idempotent. It installs this package with Ray (scripts/setup.sh, then the [ray] extra), the
# backend's system packages (bubblewrap, or podman and the base image), pre-installs the pinned
# agent CLIs into ~/.cache/agentindex/agents, and runs `ray start` with the resource that says
# which backend the node runs (sandbox_<backend>). Provider keys are NOT handled here: export them
# (ANTHROPIC_API_KEY, OPENAI_API_KEY, ...) in the environment `ray start` runs in; the node's
# gateway reads them there, and nothing sends them anywhere else. See docs/RAY.md.
set -euo pipefail
cd "$(dirname "$0")/.."
address="" head=0 port=6379 backend="bwrap" cpus="$(nproc)" memory_gb="" store_gb="1" agents=1
while [ $# -gt 0 ]; do
  case "$1" in
    --address) address="$2"; shift 2 ;;
    --head) head=1; shift ;;
    --port) port="$2"; shift 2 ;;
    --backend) backend="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --memory-gb) memory_gb="$2"; shift 2 ;;
    --object-store-gb) store_gb="$2"; shift 2 ;;
    --no-agents) agents=0; shift ;;
    *) echo "setup_ray_worker: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$address" ] || [ "$head" -eq 1 ] || {
  echo "setup_ray_worker: --address HEAD:PORT (or --head) is required" >&2; exit 2; }

bash scripts/setup.sh
.venv/bin/pip install -q --disable-pip-version-check -e '.[ray]'
case "$backend" in
  bwrap) ;;  # scripts/setup.sh installed bubblewrap
  container) bash scripts/setup_podman.sh ;;
  *) echo "setup_ray_worker: unknown backend $backend (bwrap or container)" >&2; exit 2 ;;
esac
[ "$agents" -eq 0 ] || bash scripts/setup_agents.sh

if [ "$head" -eq 1 ]; then
  args=(--head --port "$port" --include-dashboard=false); address="$(hostname -I | cut -d' ' -f1):$port"
else
  args=(--address "$address")
fi
args+=(--num-cpus "$cpus" --resources "{\"sandbox_$backend\": 1}"
      --object-store-memory "$((store_gb * 1024 * 1024 * 1024))" --disable-usage-stats)
[ -z "$memory_gb" ] || args+=(--memory "$((memory_gb * 1024 * 1024 * 1024))")
echo "setup_ray_worker: ray start ${args[*]}"
.venv/bin/ray start "${args[@]}"
echo "setup_ray_worker: joined; check the node with: .venv/bin/agentindex cluster check --ray-address $address"
