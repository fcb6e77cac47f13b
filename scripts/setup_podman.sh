#!/usr/bin/env bash
# Make the container backend usable on a Debian 12 machine with no image registry (idempotent).
#
#  1. installs podman, runc, debootstrap (and bubblewrap, iproute2 for the other backend and the
#     network namespaces);
#  2. configures podman for this kind of machine (see "Machine notes" in docs/ARCHITECTURE.md):
#     - runtime runc: crun fails with "cgroups in hybrid mode not supported";
#     - default ulimits no higher than the machine allows: the process lacks CAP_SYS_RESOURCE and
#       podman's defaults fail with "setrlimit ... operation not permitted";
#  3. builds the base image localhost/debian:bookworm with debootstrap if it is missing, caching
#     the root filesystem tarball under ~/.cache/agentindex/ so a rebuild needs no download.
#
# Environment: AGENTINDEX_BASE_IMAGE (default localhost/debian:bookworm),
#              AGENTINDEX_DEBIAN_MIRROR (default: the mirror apt already uses).
set -euo pipefail

IMAGE="${AGENTINDEX_BASE_IMAGE:-localhost/debian:bookworm}"
CACHE="${AGENTINDEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentindex}"  # = agentindex.paths
CONF=/etc/containers/containers.conf

need=()
for pair in podman:podman runc:runc debootstrap:debootstrap bwrap:bubblewrap ip:iproute2; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
    echo "setup_podman: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! grep -q 'agentindex' "$CONF" 2>/dev/null; then
    mkdir -p "$(dirname "$CONF")"
    [ -f "$CONF" ] && cp "$CONF" "$CONF.agentindex-backup"
    cat > "$CONF" <<'EOF'
# written by agentindex scripts/setup_podman.sh
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
    echo "setup_podman: wrote $CONF"
fi

if podman image exists "$IMAGE"; then
    echo "setup_podman: $IMAGE present"
    exit 0
fi
exec "$(dirname "$0")/../.venv/bin/agentindex" sandbox base-image --tag "$IMAGE" \
    --cache "$CACHE"
