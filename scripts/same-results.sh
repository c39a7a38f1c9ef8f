#!/bin/sh
# Refactoring guard: two ldomsim binaries must compute the same thing.
# Runs REF and NEW on every shipped trace and test capture (plus fault,
# interrupt and profile variants of the default scenario) and compares the
# result JSON byte for byte after dropping the host-time "simulator"
# section and the guest image's path (and its identity when --ignore-image is given, for
# a change that relinks the guest without changing its code). A newer result
# format may add fields: the format's version and the configuration keys
# REF's result lacks (config.memory_model, ...) are not compared; every
# field both have must be equal.
#
#   scripts/same-results.sh [--quick] [--ignore-image] REF_BIN NEW_BIN
#     --quick          skip the m7-16 trace (about 10 s a run)
#     --ignore-image   drop config.guest (image and object hashes) too
# A binary finds its guest image beside it (DIR/guest/guest.elf): keep a
# reference as a folder, e.g.
#   mkdir -p ../ref && cp -a build/ldomsim build/guest ../ref/
#
# Exit 0 when every pair is identical, 1 with the differing runs named.
set -eu
quick=0 noimage=0
while :; do
	case ${1:-} in
	--quick) quick=1; shift ;;
	--ignore-image) noimage=1; shift ;;
	*) break ;;
	esac
done
ref=${1:?usage: same-results.sh [--quick] REF_BIN NEW_BIN}
new=${2:?usage: same-results.sh [--quick] REF_BIN NEW_BIN}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldomsim-same-XXXXXX")
# dash runs no EXIT trap when a signal ends the script (a closed pipe, ^C):
# remove the folder on those too.
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT HUP TERM PIPE
# Boot snapshots (issue 14) go to the scratch folder, not the user's cache.
XDG_CACHE_HOME=$tmp/cache
export XDG_CACHE_HOME

cases=""
for t in traces/*/trace.json traces/testdata/*/trace.json; do
	[ -f "$t" ] || continue
	case $t in *m7-16*) [ $quick = 1 ] && continue ;; esac
	cases="$cases $t|"
done
d=traces/default/trace.json
cases="$cases $d|--inject=cpu_qconf=EINVAL@60 $d|--inject=cpu_start=EWOULDBLOCKx2@57 $d|--irq=0x1:0x5@56-63 $d|--set=cpi=2.5 $d|--no-profile"

bad=0 n=0
for c in $cases; do
	t=${c%%|*}; opt=${c#*|}; opt=$(echo "$opt" | tr '=' ' ' | sed 's/ /=/2g')
	n=$((n + 1))
	for b in ref new; do
		bin=$ref; [ $b = new ] && bin=$new
		# shellcheck disable=SC2086
		"$bin" run "$t" $opt --json "$tmp/$b.json" >"$tmp/$b.out" 2>&1 || true
	done
	for b in ref new; do
		python3 - "$tmp/$b.json" "$tmp/$b.norm" $noimage "$tmp/ref.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    open(sys.argv[2], "w").write("no result: %s\n" % e); sys.exit(0)
r.pop("simulator", None)
r.pop("version", None)
r.get("config", {}).pop("guest_image", None)  # where the binary found it
if sys.argv[3] == "1":
    r.get("config", {}).pop("guest", None)
try:
    known = json.load(open(sys.argv[4])).get("config", {})
    for k in [k for k in r.get("config", {}) if k not in known]:
        del r["config"][k]  # a newer format's configuration key
except Exception:
    pass
json.dump(r, open(sys.argv[2], "w"), indent=1, sort_keys=True)
PY
	done
	rm -f "$tmp/ref.json" "$tmp/new.json"
	if ! cmp -s "$tmp/ref.norm" "$tmp/new.norm" || ! cmp -s "$tmp/ref.out" "$tmp/new.out"; then
		echo "DIFFERS: run $t $opt"
		diff "$tmp/ref.norm" "$tmp/new.norm" | head -20 || true
		diff "$tmp/ref.out" "$tmp/new.out" | head -10 || true
		bad=$((bad + 1))
	fi
done
echo "same-results: $n runs, $bad differ"
[ $bad = 0 ]
