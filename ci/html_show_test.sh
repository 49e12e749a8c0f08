#!/usr/bin/env bash
# `llsim show TRACE --html OUT` end to end: it succeeds, prints what
# `llsim show TRACE` prints (same hash; one "html:" line more), and writes a
# page with a lane per member, state colours, chunk rows, and a FAILURE
# highlight exactly when the trace fails.
# Usage: html_show_test.sh LLSIM TRACE OUT MEMBERS pass|fail
set -u
llsim=$1; trace=$2; out=$3; members=$4; verdict=$5
rm -f "$out"
fail() { echo "html_show_test: $*"; exit 1; }
with=$("$llsim" show "$trace" --html "$out" 2>&1) || fail "show --html exited $?: $with"
without=$("$llsim" show "$trace" 2>&1) || fail "show exited $?: $without"
[ -s "$out" ] || fail "no page written at $out"
printf '%s\n' "$with" | grep -qx "html: $out" || fail "no 'html: $out' line"
# Drawing the page changes nothing about the run or what show prints.
[ "$(printf '%s\n' "$with" | grep -vx "html: $out")" = "$without" ] ||
	fail "show's output differs with --html:
$(diff <(printf '%s\n' "$with") <(printf '%s\n' "$without") | head -n 20)"
hash=$(printf '%s\n' "$without" | sed -n 's/^hash \([0-9a-f]\{16\}\),.*/\1/p')
[ -n "$hash" ] || fail "no hash line"
grep -q "hash $hash" "$out" || fail "the page does not name the run's hash $hash"
lanes=$(grep -c '<g class="io-lane"' "$out")
[ "$lanes" = "$members" ] || fail "$lanes IO lanes, expected $members"
grep -q '<g class="chunk-section" data-place="core memory">' "$out" || fail "no core memory rows"
grep -q '<g class="chunk-section" data-place="disk 0 media">' "$out" || fail "no disk 0 media rows"
grep -q '<rect class="st-Dirty"' "$out" || fail "no chunk drawn Dirty"
grep -q '\.st-NeedSync{fill:#' "$out" || fail "no NeedSync colour"
grep -q '<script\|src=\|href=' "$out" && fail "the page fetches or runs something"
marks=$(grep -c '<g class="failure-mark">' "$out")
if [ "$verdict" = fail ]; then
	[ "$marks" -ge 1 ] || fail "a failing trace without a failure mark"
	grep -q '<div class="failure-banner">FAILURE ' "$out" || fail "no failure banner"
else
	[ "$marks" = 0 ] || fail "a passing trace with $marks failure marks"
fi
echo "ok: $out ($(wc -c < "$out") bytes, $lanes IO lanes, $marks failure marks)"
