#!/usr/bin/env bash
# Console CPU while idle during a long request: the console (release build) runs in tmux against
# a simulator (a separate process) whose every answer takes seconds; after it settles, the
# console process's CPU time is sampled over 20 s from /proc. Needs tmux.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
bin="$root/.build/release/jira-resilient"
work=$(mktemp -d)
"$bin" sim --scenario small --token idle-token --time-scale 30 >"$work/sim.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; tmux kill-session -t jr-idle 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^JIRA_URL=' "$work/sim.log" && break; sleep 0.1; done
url=$(sed -n 's/^JIRA_URL=//p' "$work/sim.log")
tmux new-session -d -s jr-idle -x 200 -y 60 "JIRA_URL=$url JIRA_PAT=idle-token $bin console PRJ --out $work/out --concurrency 1; sleep 5"
sleep 8
pid=$(pgrep -f "^$bin console PRJ" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks); sleep 20; b=$(ticks)
inflight=$(tmux capture-pane -p -t jr-idle | grep -o 'In flight ([0-9]*)' | head -1)
python3 -c "print(f'console CPU while waiting on a long request: {($b - $a) / $hz / 20 * 100:.2f}% of one core over 20 s ({\"$inflight\"})')"
