#!/usr/bin/env bash
# Test helper: runs a command and checks its exit code and that its output
# (stdout and stderr) matches a pattern. Usage: expect_exit.sh CODE REGEX cmd...
set -u
want=$1; pattern=$2; shift 2
out=$("$@" 2>&1); got=$?
if [ "$got" != "$want" ]; then
	printf 'expected exit %s, got %s from: %s\n%s\n' "$want" "$got" "$*" "$out"
	exit 1
fi
if ! printf '%s' "$out" | grep -Eq -- "$pattern"; then
	printf 'output of "%s" does not match /%s/:\n%s\n' "$*" "$pattern" "$out"
	exit 1
fi
echo "ok: exit $got, output matches /$pattern/"
