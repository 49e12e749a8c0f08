#!/usr/bin/env bash
# Shrinking removes scheduling choices. A campaign on a mutant whose bug
# needs an interleaving (XBITS_REVERSED, profile race, random strategy)
# leaves the whole failing case as a trace; `llsim shrink` must turn it into
# a trace with fewer explicit scheduling choices than the whole run made,
# which fails the same property on the mutant, replays bit for bit, shows
# its choices, and passes on the unmutated core.
# Usage: shrink_choices_test.sh MUTANT_LLSIM PLAIN_LLSIM OUT_DIR
set -u
mutant=$1; plain=$2; out=$3
rm -rf "$out"
mkdir -p "$out"
"$mutant" campaign --cases 40 --profile race --strategy random --seed 1 --jobs 1 --level 1 \
	--out "$out/campaign" >"$out/campaign.log" 2>&1
case=$(ls "$out"/campaign/traces/*.case*.trace 2>/dev/null | head -n 1)
if [ -z "$case" ]; then
	echo "the campaign found no failing case"; cat "$out/campaign.log"; exit 1
fi
prop=$(sed -n 's/^expect-failure //p' "$case")
grep -q '^strategy random' "$case" || { echo "$case: not a random-strategy case"; exit 1; }
"$mutant" shrink "$case" >"$out/shrink.log" 2>&1 || { cat "$out/shrink.log"; exit 1; }
cat "$out/shrink.log" | head -n 1
read -r before after < <(sed -n 's/.*scheduling choices \([0-9]*\) -> \([0-9]*\).*/\1 \2/p' "$out/shrink.log")
if [ -z "${before:-}" ] || [ "$after" -ge "$before" ]; then
	echo "shrinking did not reduce the scheduling choices (${before:-?} -> ${after:-?})"; exit 1
fi
shrunk="$case.shrunk"
[ "$(sed -n 's/^expect-failure //p' "$shrunk")" = "$prop" ] || { echo "the shrunk trace fails another property"; exit 1; }
grep -q '^strategy fifo' "$shrunk" || { echo "the shrunk trace does not run fifo plus overrides"; exit 1; }
n=$(sed -n 's/^schedule //p' "$shrunk" | wc -w)
[ "$n" -eq "$after" ] || { echo "the shrunk trace has $n overrides, the shrinker said $after"; exit 1; }
"$mutant" replay --repeat 2 "$shrunk" | grep -q '^reproduced' || { echo "the shrunk trace does not replay"; exit 1; }
want="^schedule: $after explicit choice"
[ "$after" -eq 0 ] && want='^schedule: plain fifo'
"$mutant" show "$shrunk" | grep -q "$want" || { echo "show does not list the choices"; exit 1; }
"$plain" replay "$shrunk" | grep -q '^passed' || { echo "the unmutated core fails the shrunk trace"; exit 1; }
echo "ok: $prop kept, scheduling choices $before -> $after"
