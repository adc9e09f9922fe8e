#!/usr/bin/env bash
# The README's browser picture: the end-to-end test in headless Chromium, keeping its
# screenshot (after scripts/ci-long-setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BP_TUI_BROWSER_SHOT=screenshots/browser-xor-grid-1400x900.png \
  .venv/bin/pytest -q -m long tests/tui/web/test_browser_long.py
