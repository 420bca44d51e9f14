#!/usr/bin/env bash
# Side by side with the peers, on the same simulator, in one run:
#   bench/peers/run.sh [TIME_SCALE] [SCENARIOS]
# Defaults: time scale 0.02, scenarios bench,moved,deleted-live,reindex-delta,timezone,storm429,deep.
# Creates a virtual environment with the pinned peers from PyPI, builds this project (release),
# and prints one Markdown table per scenario (wall, CPU, peak RSS, completeness, requests).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scale="${1:-0.02}"
scenarios="${2:-bench,moved,deleted-live,reindex-delta,timezone,storm429,deep}"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "jira-resilient==0.8.0" "jira==3.10.5" "atlassian-python-api==4.0.7"
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
exec "$venv/bin/python" "$here/compare.py" "$root/.build/release/jira-resilient" "$venv/bin/python" "$scale" "$scenarios"
