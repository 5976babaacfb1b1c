#!/usr/bin/env bash
# Everything the browser tests need, installed only when missing (CI runs as root):
# Debian's chromium and the WenQuanYi CJK font (without it Chinese renders as boxes), the
# Python playwright client (never `playwright install`: it would download its own browser),
# and axe-core from npm for the accessibility checks.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$BIN/python" -c "import playwright" 2>/dev/null || "$BIN/pip" install --quiet playwright

if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm install --prefix tests/browser --no-save --no-audit --no-fund --silent axe-core
fi
echo "browser test tools ready: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
