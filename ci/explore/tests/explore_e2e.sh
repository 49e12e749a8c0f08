#!/usr/bin/env bash
# End-to-end tests of `llsim explore`, run by ctest:
#   explore_e2e.sh TEST BINDIR WORKDIR [plain|sanitize]
# TEST is bundled-core, shards or mutant:<name>[:<explore flags, comma-separated>].
# Under sanitize (the ASan build) the determinism rerun is left to the plain
# build: it checks counts, not memory, and doubled the test's time there.
set -u
test=$1; bin=$2; work=$3/${1//[:,]/_}; build=${4:-plain}
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
expect() {
	local want=$1; shift
	"$@" >"$work/last.log" 2>&1; local got=$?
	[ "$got" = "$want" ] || { cat "$work/last.log"; fail "exit $got, expected $want: $*"; }
}
# A JSON report's counts, without the wall time.
counts() { grep -v '"seconds"' "$1"; }
field() { grep -o "\"$2\": [0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }
E="explore --progress=false"
# The small exhaustive bound: every single operation of the default alphabet,
# one deviation, every IO crash point, every subset (cap 6).
SMALL="--ops 1 --jobs 2"

case $test in
bundled-core)
	expect 0 "$bin/llsim" $E $SMALL --json "$work/a.json"
	grep -q '^certificate: no violation within ops<=1 ' "$work/last.log" || fail "no certificate line"
	grep -q '"result": "certificate"' "$work/a.json" || fail "json result is not certificate"
	for k in workloads executions schedules crash_points_landed crash_states subsets max_pending_writes; do
		[ -n "$(field "$work/a.json" $k)" ] || fail "json has no $k"
	done
	[ "$(field "$work/a.json" workloads)" = 7 ] || fail "not all 7 workloads explored"
	[ "$(field "$work/a.json" key_mismatches)" = 0 ] || fail "a probed crash state differed"
	# Determinism: the same bound explores the same counts, with any --jobs.
	[ "$build" = sanitize ] && exit 0
	expect 0 "$bin/llsim" $E --ops 1 --jobs 1 --json "$work/b.json"
	diff <(counts "$work/a.json") <(counts "$work/b.json") || fail "counts differ between runs"
	;;
shards)
	expect 0 "$bin/llsim" $E $SMALL --json "$work/all.json"
	expect 0 "$bin/llsim" $E $SMALL --shard 0/2 --json "$work/s0.json"
	expect 0 "$bin/llsim" $E $SMALL --shard 1/2 --json "$work/s1.json"
	for k in workloads executions schedules crash_states subsets; do
		all=$(field "$work/all.json" $k); s0=$(field "$work/s0.json" $k); s1=$(field "$work/s1.json" $k)
		[ "$all" = "$((s0 + s1))" ] || fail "$k: shards give $s0 + $s1, the whole run $all"
	done
	;;
interrupt)
	# Ctrl-C: the workers stop, the counts so far are printed, no certificate.
	"$bin/llsim" $E --jobs 2 --json "$work/i.json" >"$work/last.log" 2>&1 &
	pid=$!
	sleep 3
	kill -INT $pid
	wait $pid; rc=$?
	[ $rc = 130 ] || { cat "$work/last.log"; fail "exit $rc after SIGINT, expected 130"; }
	grep -q '^interrupted: no certificate' "$work/last.log" || fail "no interrupted line"
	grep -q '"result": "interrupted"' "$work/i.json" || fail "json result is not interrupted"
	;;
mutant:*)
	spec=${test#mutant:}
	name=${spec%%:*}
	flags=""
	[ "$spec" != "$name" ] && flags=${spec#*:} && flags=${flags//,/ }
	m=$bin/llsim-mutant-$name
	[ -x "$m" ] || { echo "no $m"; exit 77; }
	# shellcheck disable=SC2086
	expect 1 "$m" $E $flags --jobs 2 --out "$work/cx" --json "$work/cx.json"
	grep -q '^counterexample: ' "$work/last.log" || fail "no counterexample line"
	trace=$(ls "$work"/cx/explore-*.trace 2>/dev/null | head -1)
	[ -n "$trace" ] || fail "no counterexample trace written"
	cat "$work/last.log"
	# One worker finds the same counterexample: the lowest workload's.
	# shellcheck disable=SC2086
	expect 1 "$m" $E $flags --jobs 1 --out "$work/cx1"
	diff "$trace" "$work/cx1/$(basename "$trace")" || fail "--jobs 1 found another counterexample"
	# It replays on the mutant (its property, its hash) and passes on the
	# bundled core: the mutation is what fails.
	expect 0 "$m" replay "$trace"
	grep -q '^reproduced' "$work/last.log" || fail "the trace does not reproduce on the mutant"
	sed '/^expect-failure/d; /^expect-hash/d; /^core /d' "$trace" >"$work/plain.trace"
	echo "expect-failure none" >>"$work/plain.trace"
	expect 0 "$bin/llsim" replay "$work/plain.trace"
	grep -q '^passed' "$work/last.log" || fail "the bundled core fails the counterexample"
	;;
*)
	fail "unknown test $test"
	;;
esac
echo "ok: $test"
