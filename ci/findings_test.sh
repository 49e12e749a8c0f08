#!/usr/bin/env bash
# The findings replay (ctest label `findings`, FINDINGS.md).
#
#   findings_test.sh upstream TREE SRC BUILD_ROOT
#       Replays every traces/findings/TREE/*.trace against TREE's own
#       md-llbitmap.c: each must reproduce its recorded failure (property and
#       event hash). The file is looked up as
#       $LLSIM_UPSTREAM_DIR/TREE/drivers/md/md-llbitmap.c (default
#       LLSIM_UPSTREAM_DIR: ~/.cache/llsim-upstream). No kernel source lives in
#       this repository, so on a machine without that file (CI) the test is
#       skipped (exit 77) at once; likewise when the file is not the version
#       the traces were recorded with (its sha256 differs from theirs). When
#       it is present, an llsim for it is built in BUILD_ROOT/findings-TREE
#       (target llsim only; incremental after the first time).
#
#   findings_test.sh reference TREE SRC LLSIM
#       The bundled reference core (LLSIM) must pass every one of TREE's
#       finding traces: each is a bug of that tree, not of the design.
set -u
mode=$1; tree=$2; src=$3
dir=$src/traces/findings/$tree
shopt -s nullglob
traces=("$dir"/*.trace)
[ ${#traces[@]} -gt 0 ] || { echo "no traces in $dir"; exit 1; }

if [ "$mode" = reference ]; then
	llsim=$4; bad=0
	for t in "${traces[@]}"; do
		out=$("$llsim" replay "$t" 2>&1)
		if printf '%s\n' "$out" | grep -q '^passed'; then
			echo "ok: reference core passes $(basename "$t")"
		else
			echo "FAIL: the reference core does not pass $t:"
			printf '%s\n' "$out" | grep -E '^(FAILED|hash)' | head -n 3
			bad=1
		fi
	done
	exit $bad
fi

[ "$mode" = upstream ] || { echo "usage: findings_test.sh upstream|reference TREE SRC BUILD_ROOT|LLSIM" >&2; exit 2; }
build_root=$4
updir=${LLSIM_UPSTREAM_DIR:-$HOME/.cache/llsim-upstream}
file=$updir/$tree/drivers/md/md-llbitmap.c
if [ ! -f "$file" ]; then
	echo "SKIP: $file is absent (set LLSIM_UPSTREAM_DIR to the directory holding $tree/drivers/md/md-llbitmap.c)"
	exit 77
fi
have=$(sha256sum "$file" | cut -d' ' -f1)
want=$(awk '$1 == "core" { print $3; exit }' "${traces[0]}")
if [ "$have" != "$want" ]; then
	echo "SKIP: $file has sha256 $have; the $tree traces were recorded with $want"
	exit 77
fi
build=$build_root/findings-$tree
log=$build_root/findings-$tree.log
echo "building llsim for $file in $build (log: $log)"
if ! { cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DLLSIM_BUILD_MUTANTS=OFF -DLLBITMAP_SOURCE="$file" &&
	cmake --build "$build" -j 2 --target llsim; } >"$log" 2>&1; then
	echo "FAIL: building llsim for $file failed:"
	tail -n 20 "$log"
	exit 1
fi
bad=0
for t in "${traces[@]}"; do
	out=$("$build/bin/llsim" replay "$t" 2>&1)
	if [ $? -eq 0 ]; then
		echo "ok: $tree reproduces $(basename "$t"): $(printf '%s\n' "$out" | grep -m1 '^FAILED')"
	else
		echo "FAIL: $tree does not reproduce $t:"
		printf '%s\n' "$out" | tail -n 4
		bad=1
	fi
done
exit $bad
