#!/usr/bin/env bash
# Renders an HTML report in headless Chromium (Debian's chromium) and saves a PNG screenshot.
# Usage: scripts/screenshot-report.sh [reports/latest/report.html] [out.png] [height]
set -euo pipefail
report=${1:-reports/latest/report.html}
out=${2:-reports/latest/report.png}
height=${3:-2400}
[ -f "$report" ] || { echo "screenshot-report: no report at $report (run: npx casebender run)" >&2; exit 2; }
command -v chromium >/dev/null || { echo "screenshot-report: chromium is not installed (apt-get install chromium)" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the network: the report needs none.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size=1200,"$height" --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>/dev/null
echo "screenshot: $out"
