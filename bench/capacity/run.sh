#!/usr/bin/env bash
# Server capacity benchmark: on simulated JIRA nodes of 2, 4 and 8 cores, a full scan at fixed
# concurrency 1, 2, 4, 8, 16 and at --concurrency auto; for each, wall time, throughput, the
# server's median stretch (time in the server over the request's own work: 1 = as fast as
# unloaded) and its work per issue against the floor (/_sim/stats). One run, ratios within it.
#   bench/capacity/run.sh [TIME_SCALE] [SCENARIO] [PROJECT] [CORES...]
# Defaults: time scale 0.05, scenario bench-nohubs, project BENCH, cores 2 4 8.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
exec python3 "$here/capacity.py" "$root/.build/release/jira-resilient" "$@"
