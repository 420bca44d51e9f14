#!/usr/bin/env bash
# Fuzzes the JSON scanner/splitter/splicer and the terminal sanitiser with libFuzzer.
# Usage: bench/fuzz/run.sh [SECONDS_EACH]   (default 180)
# Prints, per target, the executions run and the crashes found; a crash leaves its input in
# .build-fuzz/ and makes the script exit 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-180}
out=.build-fuzz
mkdir -p "$out"
json_sources=(Sources/JiraResilient/JSON/*.swift)
build() {  # name, entry file, sources...
    local name=$1 entry=$2; shift 2
    swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name "$(echo "$name" | tr - _)" "$entry" "$@" -o "$out/$name" 2> "$out/$name.build.log" \
        || { cat "$out/$name.build.log"; exit 2; }
}
build fuzz-json bench/fuzz/FuzzJSON.swift "${json_sources[@]}"
build fuzz-sanitizer bench/fuzz/FuzzSanitizer.swift Sources/JiraResilient/Text/UntrustedText.swift
status=0
for target in json sanitizer; do
    corpus="$out/corpus-$target"
    mkdir -p "$corpus"
    cp -n bench/fuzz/corpus/$target/* "$corpus"/ 2>/dev/null || true
    log="$out/fuzz-$target.log"
    set +e
    (cd "$out" && "./fuzz-$target" "corpus-$target" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1) > "$log" 2>&1
    code=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(find "$out" -maxdepth 1 -name 'crash-*' | wc -l)
    echo "fuzz-$target: ${seconds}s, $runs executions, exit $code, crash files $crashes"
    [ "$code" -eq 0 ] || status=1
done
exit $status
