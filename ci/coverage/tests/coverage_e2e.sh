#!/usr/bin/env bash
# End to end in a coverage build: a 50-case `llsim coverage` run must write
# every file and reach some lines, branches and functions of the core, and
# the campaign report must link to the annotated core.
# Usage: coverage_e2e.sh LLSIM OUTDIR
set -eu
llsim=$1; out=$2
rm -rf "$out"
mkdir -p "$(dirname "$out")"
"$llsim" coverage --cases 50 --jobs 2 --progress=false --out "$out" > "$out.stdout" 2>&1 || {
	cat "$out.stdout"; echo "llsim coverage failed"; exit 1; }
cat "$out.stdout"
for f in coverage.json summary.txt core.annotated.txt core.html campaign/report.html; do
	[ -s "$out/$f" ] || { echo "missing $out/$f"; exit 1; }
done
# Each figure hit at least once, e.g. "lines": {"hit": 812, "total": 950, ...
for k in lines branches functions; do
	grep -Eq "\"$k\": \{\"hit\": [1-9][0-9]*, \"total\": [1-9]" "$out/coverage.json" ||
		{ echo "coverage.json: no $k hit"; cat "$out/coverage.json"; exit 1; }
done
grep -q 'href="../core.html"' "$out/campaign/report.html" || { echo "no link to the coverage page"; exit 1; }
grep -q '^        -:    0:Source:' "$out/core.annotated.txt"
grep -q 'lines .* of ' "$out/summary.txt"
echo "ok: coverage written and linked"
