#!/usr/bin/env bash
# Runs the published Python client jira-resilient 0.8.0 (validated by its authors against a real
# JIRA Server) against `jira-resilient sim`, to check that the simulator answers as JIRA does.
# Usage: bench/peer/validate.sh        (needs python3 with venv, and network access to PyPI)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "jira-resilient==0.8.0"
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
bin="$root/.build/release/jira-resilient"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start_sim() {  # start_sim NAME ARGS...: exports URL_NAME
    local name=$1; shift
    local log; log=$(mktemp)
    "$bin" sim --token peer-token "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q '^JIRA_URL=' "$log" && break; sleep 0.1; done
    export "URL_$name=$(sed -n 's/^JIRA_URL=//p' "$log")"
}
start_sim SMALL --scenario small --time-scale 0.5
start_sim SERVER --scenario small --time-scale 0.02 --changelog-endpoint absent
start_sim REINDEX --scenario reindex-delta --time-scale 0.02
start_sim MOVED --scenario moved --time-scale 0.02
"$venv/bin/python" "$here/validate_peer.py"
