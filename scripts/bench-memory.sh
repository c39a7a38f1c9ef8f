#!/bin/sh
# scripts/bench-memory.sh — `make bench`'s figure for the memory model: the
# host time of each trace with --memory-model off and on, and the factor.
# A figure, not a test (host time varies with the machine and its load).
#
# usage: scripts/bench-memory.sh LDOMSIM TRACE...
set -eu
[ $# -ge 2 ] || { echo "usage: $0 LDOMSIM TRACE..." >&2; exit 2; }
ldomsim=$1
shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldomsim-benchmem-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT HUP TERM PIPE
for t in "$@"; do
	for m in off on; do
		"$ldomsim" run "$t" --memory-model $m --json "$tmp/$m.json" >/dev/null
	done
	python3 - "$t" "$tmp/off.json" "$tmp/on.json" <<'PY'
import json, sys
t, off, on = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
a, b = off["simulator"]["host_seconds"], on["simulator"]["host_seconds"]
op = lambda r: r["operations"][-1]
print("%s: memory model host time %.2f s -> %.2f s (x%.2f); request %.3f ms -> %.3f ms"
      % (t, a, b, b / a if a else float("nan"), op(off)["latency_ns"] / 1e6,
         op(on)["latency_ns"] / 1e6))
PY
done
