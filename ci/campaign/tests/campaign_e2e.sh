#!/usr/bin/env bash
# End-to-end campaign tests, run by ctest one at a time:
#   campaign_e2e.sh TEST BINDIR WORKDIR
# BINDIR holds llsim and the mutant binaries; WORKDIR is scratch space.
set -u
test=$1; bin=$2; work=$3/$1
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
# Runs a command, expecting exit code $1; its output goes to $work/last.log.
expect() {
	local want=$1; shift
	"$@" >"$work/last.log" 2>&1; local got=$?
	[ "$got" = "$want" ] || { cat "$work/last.log"; fail "exit $got, expected $want: $*"; }
}
# The signature lines of a report, for comparing two campaigns.
sigs() { grep -v '^#' "$1/signatures.txt"; }
# Every failure entry of report.json minus fields that may differ by run.
failures() { grep '"signature"' "$1/report.json"; }
WRITE=$bin/llsim-mutant-unplug-no-wait
CRASH=$bin/llsim-mutant-grow-skips-new-pages
# raid1 only: the expected signatures are raid1 mutants'.
C="campaign --progress=false --level 1"

case $test in
bundled-core)
	# The bundled core passes; the sampled event hashes recheck.
	expect 0 "$bin/llsim" $C --cases 40 --jobs 2 --out "$work/r"
	grep -q '"cases_run": 40,' "$work/r/report.json" || fail "cases_run is not 40"
	expect 0 "$bin/llsim" campaign recheck "$work/r"
	grep -q "recheck: 1 sampled cases, 0 with a different event hash" "$work/last.log" ||
		fail "recheck did not compare case 0"
	;;
jobs-independent)
	# Same seed, budget and shard: same signatures, counts, first cases and
	# shrunk traces whether one worker runs them or two.
	expect 1 "$WRITE" $C --cases 40 --jobs 1 --out "$work/j1"
	expect 1 "$WRITE" $C --cases 40 --jobs 2 --out "$work/j2"
	[ -n "$(sigs "$work/j1")" ] || fail "the mutant found nothing"
	diff <(sigs "$work/j1") <(sigs "$work/j2") || fail "signatures differ with --jobs"
	diff <(failures "$work/j1") <(failures "$work/j2") || fail "report.json failures differ"
	diff -r "$work/j1/traces" "$work/j2/traces" || fail "traces differ with --jobs"
	expect 0 "$WRITE" campaign recheck "$work/j1"
	;;
shards-merge)
	# Two shards merged give what one unsharded run gives.
	expect 1 "$WRITE" $C --cases 40 --jobs 2 --out "$work/all"
	expect 1 "$WRITE" $C --cases 40 --jobs 2 --shard 0/2 --out "$work/s0"
	expect 1 "$WRITE" $C --cases 40 --jobs 2 --shard 1/2 --out "$work/s1"
	expect 1 "$WRITE" campaign merge "$work/s0" "$work/s1" --out "$work/merged"
	diff <(sigs "$work/all") <(sigs "$work/merged") || fail "merged signatures or counts differ"
	grep -q '"cases_run": 40,' "$work/merged/report.json" || fail "merged cases_run is not 40"
	diff <(failures "$work/all") <(failures "$work/merged") || fail "merged failures differ"
	for t in "$work"/merged/traces/*.trace; do
		cmp -s "$t" "$work/all/traces/$(basename "$t")" || fail "$(basename "$t") differs from the unsharded run's"
	done
	# A shard twice, or shards of another campaign, do not merge.
	expect 2 "$WRITE" campaign merge "$work/s0" "$work/s0" --out "$work/bad"
	grep -q "not shards of one campaign" "$work/last.log" || fail "no clear message: $(cat "$work/last.log")"
	expect 2 "$WRITE" campaign merge "$work/s0" "$work/all" --out "$work/bad"
	;;
crash-isolation)
	# A core that segfaults kills only its case's process: the campaign
	# goes on, records the crash with its signal and core frames, shrinks
	# it in child processes, and replay reports it without crashing.
	expect 1 "$CRASH" $C --profile resize --cases 30 --jobs 2 --out "$work/r"
	grep -q '"cases_run": 30,' "$work/r/report.json" || fail "not every case ran"
	sig='safety: process died: SIGSEGV in llb_slot < llb_resize'
	grep -qx "$sig  # .*" "$work/r/signatures.txt" || fail "no SIGSEGV signature: $(cat "$work/r/signatures.txt")"
	trace=$(ls "$work"/r/traces/safety-*.trace | grep -v '\.case' | head -1)
	[ -n "$trace" ] || fail "no shrunk crash trace"
	grep -q '^expect-failure safety$' "$trace" || fail "the trace does not expect the crash"
	expect 0 "$CRASH" replay "$trace"
	grep -q "FAILED safety: process died: SIGSEGV" "$work/last.log" || fail "replay did not report the crash"
	grep -q "^reproduced$" "$work/last.log" || fail "replay did not reproduce"
	# The bundled core does not crash on it: replay says so (exit 1).
	expect 1 "$bin/llsim" replay "$trace"
	grep -q "did NOT reproduce" "$work/last.log" || fail "replay on the bundled core"
	;;
two-mutants)
	# Two different bugs give two different signatures.
	expect 1 "$bin/llsim-mutant-unplug-first-member" $C --cases 8 --jobs 2 --out "$work/a"
	expect 1 "$bin/llsim-mutant-space-ignores-header" $C --cases 8 --jobs 2 --out "$work/b"
	[ -n "$(sigs "$work/a")" ] && [ -n "$(sigs "$work/b")" ] || fail "a mutant found nothing"
	common=$(comm -12 <(sigs "$work/a" | sed 's/  #.*//' | sort) <(sigs "$work/b" | sed 's/  #.*//' | sort))
	[ -z "$common" ] || fail "the two mutants share signatures: $common"
	;;
known)
	# Known failures are counted, not new: exit 0 with the earlier report
	# or its signature list.
	expect 1 "$WRITE" $C --cases 20 --jobs 2 --out "$work/first"
	expect 0 "$WRITE" $C --cases 20 --jobs 2 --known "$work/first/report.json" --out "$work/again"
	grep -q '"new_signatures": 0,' "$work/again/report.json" || fail "known signatures counted as new"
	grep -q '"known": true' "$work/again/report.json" || fail "nothing marked known"
	expect 0 "$WRITE" $C --cases 20 --jobs 2 --known "$work/first/signatures.txt" --out "$work/list"
	;;
interrupt)
	# Ctrl-C stops the campaign cleanly and keeps what it found.
	"$CRASH" campaign --profile resize --level 1 --seconds 600 --jobs 2 --out "$work/r" \
		>"$work/out.log" 2>"$work/err.log" &
	pid=$!
	until grep -q "new signature" "$work/err.log"; do
		kill -0 $pid 2>/dev/null || { cat "$work/err.log"; fail "campaign ended early"; }
		sleep 0.2
	done
	kill -INT $pid
	wait $pid; rc=$?
	[ "$rc" = 1 ] || { cat "$work/err.log" "$work/out.log"; fail "exit $rc after SIGINT, expected 1"; }
	grep -q '"interrupted": true,' "$work/r/report.json" || fail "report does not say interrupted"
	grep -q '"shrinking": "skipped: interrupted",' "$work/r/report.json" || fail "shrinking not skipped"
	grep -q 'SIGSEGV in llb_slot < llb_resize' "$work/r/report.json" || fail "the failure found was lost"
	grep -q 'SIGSEGV' "$work/r/report.md" || fail "report.md lost it"
	;;
html)
	# report.html renders offline in headless chromium, signatures and all.
	browser=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$browser" ] || { echo "SKIP: chromium is not installed (apt-get install -y chromium)"; exit 77; }
	expect 1 "$WRITE" $C --cases 6 --jobs 2 --out "$work/r"
	flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
		--disable-background-networking --disable-component-update --disable-sync
		--user-data-dir="$work/profile")
	"$browser" "${flags[@]}" --dump-dom "file://$work/r/report.html" >"$work/dom.html" 2>"$work/chromium.log" ||
		{ cat "$work/chromium.log"; fail "chromium could not load the page"; }
	grep -q 'id="failures"' "$work/dom.html" || fail "no failures table in the rendered page"
	grep -q 'write-intent' "$work/dom.html" || fail "the signature is not on the page"
	grep -q 'id="coverage"' "$work/dom.html" || fail "no coverage matrix"
	"$browser" "${flags[@]}" --screenshot="$work/report.png" --window-size=1200,900 \
		"file://$work/r/report.html" >>"$work/chromium.log" 2>&1
	[ -s "$work/report.png" ] || fail "no screenshot"
	echo "screenshot: $work/report.png"
	;;
*) fail "unknown test $test" ;;
esac
echo "ok: $test"
