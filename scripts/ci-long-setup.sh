#!/usr/bin/env bash
# Set-up of the long test tier (pytest -m long) beyond the README's Quick start:
# Debian's Chromium for the browser test of `bp-tui serve`, and Playwright to drive it
# (with executable_path=/usr/bin/chromium: Playwright's own browser download is never
# used). Run from anywhere, after the Quick start made .venv; idempotent. Without root
# or apt-get, Chromium is not installed and the browser test is skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "ci-long-setup: no chromium and no apt-get as root: the browser test will be skipped" >&2
  fi
fi
"${PYTHON:-.venv/bin/python}" -m pip install -q -e '.[test,browser]'
