#!/usr/bin/env bash
# Release-build smoke test, as CI runs it: the optimised binary scans the demo scenario with
# tight budgets (pages split, a hub descends to minimal, retries), headless, and must finish.
# A release-only crash in page splitting once passed every debug test; this catches its kind.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
bin="$root/.build/release/jira-resilient"
work="$(mktemp -d)"
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin" sim --scenario demo --time-scale 0.05 --token smoke-token >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 300); do grep -q '^JIRA_URL=' "$work/sim.log" && break; sleep 0.1; done
url=$(sed -n 's/^JIRA_URL=//p' "$work/sim.log")
JIRA_URL="$url" JIRA_PAT=smoke-token timeout 300 "$bin" scan DEMO --out "$work/out" --since 2025-05-19T12:00:00Z \
    --timeout 6 --fast-fail-timeout 3 --links-timeout 30 --max-attempts 3 --backoff-scale 0.05 --progress-interval 30 --allow-incomplete \
    >"$work/summary" 2>"$work/progress" || { echo "release smoke: scan failed ($?)"; tail -20 "$work/progress"; exit 1; }
grep -q "929 issues written" "$work/summary" || { echo "release smoke: unexpected summary"; cat "$work/summary"; exit 1; }
echo "release smoke: $(cat "$work/summary")"
