#!/bin/sh
# make check's last word on temporary files: the suite must leave nothing
# behind. Runs a few tests that make temporary folders and files (and one
# that fails an assertion on purpose) under a fresh TMPDIR and checks that
# TMPDIR is empty afterwards. (Literal /tmp paths in the tests are caught by
# build::tests_name_no_literal_tmp_path: other processes on the machine may
# use /tmp meanwhile, so comparing /tmp before and after would be racy.)
#
#   scripts/check-tmp.sh TESTS_BINARY
set -eu
tests=${1:?usage: check-tmp.sh TESTS_BINARY}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldomsim-check-tmp-XXXXXX")
# dash runs no EXIT trap when a signal ends the script (a closed pipe, ^C):
# remove the folder on those too.
trap 'rm -rf "$tmp" "$tmp.log"' EXIT
trap 'exit 130' INT HUP TERM PIPE
# The failing test exits the runner with status 1: expected.
TMPDIR=$tmp LDOMSIM_TMP_FAIL_ON_PURPOSE=1 "$tests" --filter='util/*' >"$tmp.log" 2>&1 || true
TMPDIR=$tmp "$tests" --filter='trace_import/*' >>"$tmp.log" 2>&1 ||
	{ cat "$tmp.log"; rm -f "$tmp.log"; echo "check-tmp: tests failed" >&2; exit 1; }
grep -q "Failing: 1" "$tmp.log" ||
	{ cat "$tmp.log"; rm -f "$tmp.log"; echo "check-tmp: the on-purpose failure did not run" >&2; exit 1; }
rm -f "$tmp.log"
left=$(ls -A "$tmp")
if [ -n "$left" ]; then
	echo "check-tmp: the tests left files in TMPDIR: $left" >&2
	exit 1
fi
echo "check-tmp: TMPDIR honoured, nothing left behind"
