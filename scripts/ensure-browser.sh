#!/usr/bin/env bash
# Install the Chromium the browser tests (tests/web) drive through Playwright, when it is missing.
# Debian's `chromium` package is used: Playwright's own `playwright install` downloads a browser
# from a CDN and fails offline, so it is never run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: Chromium is missing and this is not a Debian/Ubuntu system: install Chromium so that" >&2
  echo "       'chromium' is on PATH (the browser tests in tests/web need it)." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "error: Chromium is missing; install it as root: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
echo "Chromium is missing; installing Debian's chromium package for the browser tests" >&2
"${as_root[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q chromium
command -v chromium >/dev/null 2>&1 || { echo "error: chromium was not installed" >&2; exit 1; }
