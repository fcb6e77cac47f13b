#!/usr/bin/env bash
# Headless Chromium for the report's browser tests (tests/integration/report/test_browser.py).
# Idempotent: installs Debian's chromium only when no chromium is on PATH. The tests drive it over
# the DevTools protocol with aiohttp, so no browser-automation package and no browser download.
set -euo pipefail
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  exit 0
fi
echo "setup: installing chromium (apt)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
chromium --version
