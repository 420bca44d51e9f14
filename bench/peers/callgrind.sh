#!/usr/bin/env bash
# Client CPU per issue by instruction count (valgrind --tool=callgrind: repeatable on a noisy
# machine, unlike CPU seconds): this project's release `scan` against the published Python
# jira-resilient 0.8.0 (`search_seek`, plus `get_changelog` where the inline changelog is short,
# as in clients.py), each extracting the same project from its own fresh simulator.
#   bench/peers/callgrind.sh [SCENARIO] [PROJECT] [TIME_SCALE]   (default: demo DEMO 0.05)
# The clients' budgets are generous (600 s): under valgrind a client runs tens of times slower,
# and a budget that ran out would change what it fetches. Both counts include process start-up.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
scenario="${1:-demo}"; project="${2:-DEMO}"; scale="${3:-0.05}"
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "jira-resilient==0.8.0" "jira==3.10.5" "atlassian-python-api==4.0.7"
swift build -c release --package-path "$root" --product jira-resilient >/dev/null
bin="$root/.build/release/jira-resilient"
work="$(mktemp -d)"
cleanup() { [ -f "$work/pids" ] && while read -r p; do kill "$p" 2>/dev/null || true; done <"$work/pids"; rm -rf "$work"; }
trap cleanup EXIT

start_sim() {  # -> URL
    local log="$work/sim-$1.log"
    "$bin" sim --scenario "$scenario" --token bench-token --time-scale "$scale" >"$log" 2>&1 &
    echo $! >>"$work/pids"
    for _ in $(seq 600); do grep -q '^JIRA_URL=' "$log" && break; sleep 0.1; done
    sed -n 's/^JIRA_URL=//p' "$log"
}

instructions() { awk '/^summary:/{print $2}' "$1"; }

url=$(start_sim swift)
JIRA_URL="$url" JIRA_PAT=bench-token valgrind --tool=callgrind --callgrind-out-file="$work/swift.cg" \
    "$bin" scan "$project" --out "$work/swift" --timeout 600 --fast-fail-timeout 300 --links-timeout 600 \
    --backoff-scale "$scale" --progress-interval 600 >/dev/null 2>"$work/swift.err"
swift_ir=$(instructions "$work/swift.cg")
swift_n=$(wc -l <"$work/swift/manifest.jsonl")

url=$(start_sim python)
valgrind --tool=callgrind --callgrind-out-file="$work/python.cg" \
    "$venv/bin/python" "$here/clients.py" jira-resilient "$url" bench-token "$project" "$work/python" 5 \
    >/dev/null 2>"$work/python.err"
python_ir=$(instructions "$work/python.cg")
python_n=$(find "$work/python" -name '*.json' | wc -l)

python3 - "$swift_ir" "$swift_n" "$python_ir" "$python_n" "$scenario" <<'PY'
import sys
s_ir, s_n, p_ir, p_n, scenario = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"| client ({scenario}) | issues written | instructions | per issue |")
print("|---|---|---|---|")
print(f"| this project, `scan` | {s_n:,} | {s_ir:,} | {s_ir / s_n:,.0f} |")
print(f"| Python jira-resilient 0.8.0 | {p_n:,} | {p_ir:,} | {p_ir / p_n:,.0f} |")
print(f"\nper issue, this project / Python: **{(s_ir / s_n) / (p_ir / p_n):.3f}** (target ≤ 0.25)")
PY
