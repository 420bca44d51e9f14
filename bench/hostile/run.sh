#!/usr/bin/env bash
# Peak memory of the release binary against a hostile JIRA whose every issue body is endless
# (bench/hostile/server.py, loopback only): each run must end with exit 6 ("the response body
# passed the … limit") and its peak RSS is printed. Needs python3 and /usr/bin/time.
# Usage: bench/hostile/run.sh   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product jira-resilient >/dev/null
bin=.build/release/jira-resilient
port=$((20000 + RANDOM % 20000))
python3 bench/hostile/server.py "$port" $((1 << 30)) &
server=$!
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
export JIRA_URL="http://127.0.0.1:$port" JIRA_PAT=bench-token
run() {
    local label=$1; shift
    set +e
    /usr/bin/time -f "%M" -o "$work/rss" "$bin" "$@" >/dev/null 2>"$work/err"
    local code=$?
    set -e
    printf '%-44s exit %s  peak RSS %6.1f MiB\n' "$label" "$code" "$(tail -1 "$work/rss" | awk '{print $1/1024}')"
}
run "fetch, 1 GiB body, --max-body 256M (default)" fetch HOST-1 --out "$work/f"
run "scan -c 8, 1 GiB pages, default limit" scan HOST --out "$work/s" --concurrency 8
run "scan -c 8, 1 GiB pages, --max-body 64M" scan HOST --out "$work/t" --concurrency 8 --max-body 64M
