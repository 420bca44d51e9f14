#!/usr/bin/env bash
# Scan benchmark on the simulator (release build). Prints, in one run: wall time at
# --concurrency 1 and 4, wall time with and without hubs, client CPU seconds and peak RSS
# (/usr/bin/time -v), and completeness against the simulator's truth.
#   bench/scan/run.sh [TIME_SCALE] [--big|--big-only]   (default time scale 0.02; --big adds the 100,000-issue RSS check)
# SIM_ARGS adds simulator options: the node is the simulator's default (4 cores, processor
# sharing); SIM_ARGS="--server-cores 0" measures against a node without a core limit, as before
# the capacity model. Rows at --concurrency auto (the default) follow the fixed ones.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scale="${1:-0.02}"
big="${2:-}"
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
bin="$root/.build/release/jira-resilient"
work="$(mktemp -d)"
# start_sim runs in a command substitution (a subshell), so simulator pids go to a file.
cleanup() { [ -f "$work/pids" ] && while read -r p; do kill "$p" 2>/dev/null || true; done <"$work/pids"; rm -rf "$work"; }
trap cleanup EXIT

start_sim() {  # start_sim SCENARIO -> prints URL
    local log="$work/sim-$1.log"
    # shellcheck disable=SC2086
    "$bin" sim --scenario "$1" --token bench-token --time-scale "$scale" ${SIM_ARGS:-} >"$log" 2>&1 &
    echo $! >>"$work/pids"
    for _ in $(seq 600); do grep -q '^JIRA_URL=' "$log" && break; sleep 0.1; done
    sed -n 's/^JIRA_URL=//p' "$log"
}

# Budgets scaled like the simulator's time (defaults: 120 s, 60 s, 600 s).
budgets=(--timeout "$(python3 -c "print(120*$scale)")" --fast-fail-timeout "$(python3 -c "print(60*$scale)")"
         --links-timeout "$(python3 -c "print(600*$scale)")" --backoff-scale "$scale")

run_scan() {  # run_scan NAME URL CONCURRENCY PROJECT
    local name=$1 url=$2 conc=$3 project=$4 out="$work/out-$1"
    curl -s -H "Authorization: Bearer bench-token" "$url/_sim/stats?project=$project" >"$work/$name.stats0"
    local filter=()
    if [ -n "${FILTER:-}" ]; then filter=(--filter "$FILTER"); fi
    JIRA_URL="$url" JIRA_PAT=bench-token /usr/bin/time -v "$bin" scan "$project" --out "$out" --concurrency "$conc" \
        "${budgets[@]}" "${filter[@]}" --progress-interval 30 >"$work/$name.stdout" 2>"$work/$name.stderr"
    local wall cpu rss
    wall=$(python3 - "$out/events.jsonl" <<'PY'
import json, sys
from datetime import datetime
ts = [json.loads(l)["ts"] for l in open(sys.argv[1])]
f = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
print(f"{(f(ts[-1]) - f(ts[0])).total_seconds():.1f}")
PY
)
    cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} END{printf "%.1f", u+s}' "$work/$name.stderr")
    rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$work/$name.stderr")
    local complete
    complete=$(python3 - "$url" "$out" "$project" "${FILTER:-}" <<'PY'
import json, re, sys, urllib.request
url, out, project, flt = sys.argv[1:]
excluded = set(re.findall(r"[A-Z][A-Z0-9_]+-\d+", flt))
req = urllib.request.Request(f"{url}/_sim/truth?project={project}", headers={"Authorization": "Bearer bench-token"})
truth = [t for t in json.load(urllib.request.urlopen(req)) if t["key"] not in excluded]
latest = {}
for line in open(f"{out}/manifest.jsonl"):
    r = json.loads(line); latest[r["key"]] = r
ok = 0
for t in truth:
    r = latest.get(t["key"])
    if r and r["complete"] and r["links"] == t["links"] and r["changelog"] == t["histories"] and r["comments"] == t["comments"] and r["worklogs"] == t["worklogs"]:
        ok += 1
print(f"{ok}/{len(truth)}")
PY
)
    local hub
    hub=$(python3 - "$out/events.jsonl" <<'PY'
import json, sys
m = 0.0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "rung" and e["rung"] == "hub-links" and e["ok"]: m = max(m, e["seconds"])
print(f"{m:.1f}")
PY
)
    # Server work this run cost, per issue of the project, over the floor (/_sim/stats).
    local floor
    curl -s -H "Authorization: Bearer bench-token" "$url/_sim/stats?project=$project" >"$work/$name.stats1"
    floor=$(python3 - "$work/$name.stats0" "$work/$name.stats1" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
work = (b["workSeconds"] - a["workSeconds"]) / b["issues"]
print(f"{work / b['floorPerIssue']:.2f}")
PY
)
    printf "%-22s %8s s %8s s %8s MB %12s %10s s %8s\n" "$name" "$wall" "$cpu" "$rss" "$complete" "$hub" "$floor"
    if [ -n "${KEEP_EVENTS:-}" ]; then cp "$out/events.jsonl" "$KEEP_EVENTS/${name// /_}.events.jsonl"; fi
    echo "$wall" >"$work/$name.wall"; echo "$hub" >"$work/$name.hub"
}

echo "jira-resilient scan benchmark — $(date -u +%Y-%m-%d), time scale $scale, $(nproc) cores"
if [ "$big" = "--big-only" ]; then
    printf "%-22s %10s %10s %11s %12s %12s %8s\n" run wall "client CPU" "peak RSS" complete "slowest hub" "÷ floor"
    huge=$(start_sim bench100k)
    run_scan "bench100k c=4" "$huge" 4 BENCH
    run_scan "bench100k auto" "$huge" auto BENCH
    exit 0
fi
with=$(start_sim bench)
# "Without the hubs" is the same project minus the hub issues themselves: every other issue
# keeps its links to them (a scenario generated without hubs would lighten every issue too).
hubs=$(python3 - "$with" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(f"{sys.argv[1]}/_sim/truth?project=BENCH", headers={"Authorization": "Bearer bench-token"})
truth = sorted(json.load(urllib.request.urlopen(req)), key=lambda t: -t["links"])
print(", ".join(t["key"] for t in truth if t["links"] >= 1000))
PY
)
printf "%-22s %10s %10s %11s %12s %12s %8s\n" run wall "client CPU" "peak RSS" complete "slowest hub" "÷ floor"
run_scan "bench c=1" "$with" 1 BENCH
run_scan "bench c=4" "$with" 4 BENCH
FILTER="key not in ($hubs)" run_scan "bench without hubs c=4" "$with" 4 BENCH
run_scan "bench auto" "$with" auto BENCH
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
r = lambda n: float(open(f"{w}/{n}.wall").read())
c1, c4, nh, hub = r("bench c=1"), r("bench c=4"), r("bench without hubs c=4"), float(open(f"{w}/bench c=4.hub").read())
print(f"concurrency 4 / concurrency 1 = {c4 / c1:.2f}   (target ≤ 0.35)")
print(f"hubs added {c4 - nh:.1f} s = {(c4 - nh) / hub if hub else float('nan'):.2f} × the slowest hub's links time ({hub:.1f} s)   (target ≤ 1.2)")
PY
if [ "$big" = "--big" ]; then
    huge=$(start_sim bench100k)
    run_scan "bench100k c=4" "$huge" 4 BENCH
    run_scan "bench100k auto" "$huge" auto BENCH
fi
