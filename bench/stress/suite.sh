#!/usr/bin/env bash
# The whole test suite, again and again, on a fresh clone of HEAD: RUNS times alone, then RUNS
# times beside two busy loops (a loaded two-core machine, as CI's can be). Prints PASS or FAIL
# per run with the failing tests (or the crash), and after each run checks that it left
# nothing behind: no process of the clone, no tmux server, no /tmp/jr-* file or folder.
#
# What it is for: a suite that fails one run in ten on a loaded machine is a bug, and one run
# in CI cannot show it. Run it before calling a change to the tests or to a listener done.
#
#   bench/stress/suite.sh            # 10 + 10 runs (about an hour on two cores)
#   RUNS=3 bench/stress/suite.sh     # fewer
#   SERIES=loaded bench/stress/suite.sh
#
# Exit status: 0 when every run passed and left nothing, 1 otherwise.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${RUNS:-10}"
series="${SERIES:-alone loaded}"
work="$(mktemp -d /tmp/jr-stress-XXXXXX)"
clone="$work/clone"
logs="$work/logs"
mkdir -p "$logs"
busy=()
cleanup() {
    for p in "${busy[@]}"; do kill "$p" 2>/dev/null; done
    # The logs stay (their folder is printed); the clone and its build go.
    rm -rf "$clone"
}
trap cleanup EXIT

git clone --quiet --no-hardlinks "$root" "$clone"
git -C "$clone" checkout --quiet "$(git -C "$root" rev-parse HEAD)"
echo "suite stress: $(git -C "$clone" log -1 --format='%h %s' | cut -c1-100)"
echo "building the tests once..."
(cd "$clone" && swift build --build-tests >"$logs/build.log" 2>&1) || { echo "build failed: $logs/build.log"; exit 1; }

# What was in /tmp before (other users' and earlier runs' files are not this run's doing).
before="$work/tmp-before"
ls -1d /tmp/jr-* 2>/dev/null | grep -v "^$work" | sort >"$before"

leftovers() {
    # The watchdog removes a dead run's folder within a second; give it five.
    for _ in $(seq 50); do
        ls -1d /tmp/jr-test-* >/dev/null 2>&1 || break
        sleep 0.1
    done
    local found=""
    local procs
    procs=$(pgrep -af "$clone/.build" | grep -v pgrep || true)
    [ -n "$procs" ] && found+="processes: $procs; "
    local tmuxes="" line owner
    while read -r line; do
        [ -z "$line" ] && continue
        # Its socket is under /tmp/jr-test-PID/: a server of a test process still alive (another
        # suite on this machine) is not this run's leftover.
        owner=$(echo "$line" | sed -n 's|.*/tmp/jr-test-\([0-9]*\)/.*|\1|p')
        [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
        tmuxes+="$line; "
    done <<<"$(pgrep -af "tmux -S /tmp/jr-" || true)"
    [ -n "$tmuxes" ] && found+="tmux servers: $tmuxes"
    local files="" f
    for f in $(comm -13 "$before" <(ls -1d /tmp/jr-* 2>/dev/null | grep -v "^$work" | sort)); do
        # A folder of a test process still alive (another suite run on this machine) is not
        # this run's leftover.
        case "$f" in /tmp/jr-test-*) kill -0 "${f##*-}" 2>/dev/null && continue ;; esac
        files+="$f "
    done
    [ -n "$files" ] && found+="files: $files"
    echo "$found"
}

failed=0
for kind in $series; do
    if [ "$kind" = loaded ]; then
        for _ in 1 2; do (while :; do :; done) & busy+=($!); done
    fi
    pass=0
    for i in $(seq "$runs"); do
        log="$logs/$kind-$i.log"
        start=$(date +%s)
        (cd "$clone" && timeout --kill-after=30 1800 swift test --skip-build >"$log" 2>&1)
        status=$?
        took=$(( $(date +%s) - start ))
        summary=$(grep -E "Test run with [0-9]+ tests?.*(passed|failed)" "$log" | tail -1 | sed 's/^[^A-Za-z]*//')
        left=$(leftovers)
        if [ "$status" -eq 0 ] && [ -z "$left" ]; then
            pass=$((pass + 1))
            echo "$kind run $i: PASS in ${took}s ($summary)"
        else
            failed=1
            echo "$kind run $i: FAIL (exit $status) in ${took}s ($summary)"
            grep -E "✘ Test .*(failed|recorded an issue)" "$log" | sed 's/^/    /' | head -20
            grep -E "Fatal error|unexpected signal" "$log" | sed 's/^/    /' | head -5
            [ -n "$left" ] && echo "    left behind: $left"
        fi
    done
    echo "$kind: $pass of $runs passed"
    for p in "${busy[@]}"; do kill "$p" 2>/dev/null; done
    busy=()
done
echo "logs: $logs"
exit "$failed"
