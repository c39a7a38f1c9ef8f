#!/bin/sh
# scripts/bench-snapshot.sh — `make bench`'s figures for boot snapshots
# (issue 14), all in one run on one machine: a trace (M7-16 by default)
# cold and warm (restored from a snapshot), each with and without the
# profile; the cost per guest instruction as a multiple of the engine's
# own best case (CPU seconds x the raw 16-instruction loop's instructions
# per second / guest instructions executed); the snapshot's size on disk
# and its save and restore times; a sweep of 4 add sizes at 2 present
# counts, cold against with snapshots. Single runs: the faster of two.
# Figures, not tests: host time moves with the machine and its load.
# Writes OUT.json too.
#
# usage: scripts/bench-snapshot.sh LDOMSIM TRACE SHAPE PRESENT_LIST OUT.json
set -eu
[ $# -eq 5 ] || { echo "usage: $0 LDOMSIM TRACE SHAPE PRESENT_LIST OUT.json" >&2; exit 2; }
ldomsim=$1 trace=$2 shape=$3 present=$4 out=$5
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ldomsim-benchsnap-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT HUP TERM PIPE
store=$tmp/store

"$ldomsim" bench speed --json >"$tmp/speed.json"
# Cold and warm runs alternate, twice each; the faster of the two counts
# (the machine's load moves single runs by +-10 %), by CPU seconds (user +
# system: a virtual machine's stolen time is not in it).
for p in profile no-profile; do
	opt=""
	[ $p = no-profile ] && opt=--no-profile
	# shellcheck disable=SC2086
	"$ldomsim" run "$trace" $opt --snapshot-dir "$store" --json "$tmp/save-$p.json" >/dev/null
	for i in 1 2; do
		# shellcheck disable=SC2086
		"$ldomsim" run "$trace" $opt --no-snapshot --json "$tmp/cold-$p.$i.json" >/dev/null
		# shellcheck disable=SC2086
		"$ldomsim" run "$trace" $opt --snapshot-dir "$store" --json "$tmp/warm-$p.$i.json" \
			>/dev/null
	done
done
sweep() { # $1: cold|warm
	s=$(python3 -c 'import time; print(time.monotonic())')
	if [ "$1" = cold ]; then
		"$ldomsim" sweep --shape "$shape" --present "$present" --add 8,16,32,64 --jobs 2 \
			--no-plots --no-snapshot -o "$tmp/sweep-$1" >/dev/null 2>&1
	else
		"$ldomsim" sweep --shape "$shape" --present "$present" --add 8,16,32,64 --jobs 2 \
			--no-plots --snapshot-dir "$tmp/sweepstore" -o "$tmp/sweep-$1" >/dev/null 2>&1
	fi
	python3 -c 'import sys, time; print(time.monotonic() - float(sys.argv[1]))' "$s" \
		>"$tmp/sweep-$1.s"
}
sweep cold
sweep warm
"$ldomsim" compare --threshold 0 "$tmp/sweep-cold" "$tmp/sweep-warm" >/dev/null ||
	{ echo "bench-snapshot: the sweep with snapshots differs from the cold one" >&2; exit 1; }

python3 - "$tmp" "$trace" "$shape" "$present" "$out" <<'PY'
import json, os, sys
tmp, trace, shape, present, out = sys.argv[1:]
ld = lambda n: json.load(open(os.path.join(tmp, n)))
speed = ld("speed.json")
raw = next(p["insns_per_second"] for p in speed["simulator_speed"]
           if p["loop"] == "loop16" and p["setup"] == "raw")
rows, fig = [], {"trace": trace, "raw_loop16_insns_per_second": raw, "runs": {}}
def best(k, p):
    if k == "save":
        return ld("save-%s.json" % p)["simulator"]
    runs = [ld("%s-%s.%d.json" % (k, p, i))["simulator"] for i in (1, 2)]
    return min(runs, key=lambda s: s["cpu_seconds"])
for p in ("profile", "no-profile"):
    for k in ("cold", "save", "warm"):
        s = best(k, p)
        ex = s["guest_insns"] - s.get("guest_insns_restored", 0)
        fig["runs"]["%s/%s" % (k, p)] = {
            "snapshot": s["snapshot"], "host_seconds": s["host_seconds"],
            "cpu_seconds": s["cpu_seconds"],
            "guest_insns_executed": ex,
            "cost_per_insn_x_raw": s["cpu_seconds"] * raw / ex if ex else None,
            "snapshot_bytes": s.get("snapshot_bytes"),
            "host_seconds_save": s.get("host_seconds_save"),
            "host_seconds_restore": s.get("host_seconds_restore")}
r = fig["runs"]
for p in ("profile", "no-profile"):
    fig["warm_over_cold_" + p.replace("-", "_")] = (
        r["warm/" + p]["cpu_seconds"] / r["cold/" + p]["cpu_seconds"])
fig["profiled_over_unprofiled_cold"] = (
    r["cold/profile"]["cpu_seconds"] / r["cold/no-profile"]["cpu_seconds"])
fig["profiled_over_unprofiled_warm"] = (
    r["warm/profile"]["cpu_seconds"] / r["warm/no-profile"]["cpu_seconds"])
sw = {k: float(open(os.path.join(tmp, "sweep-%s.s" % k)).read()) for k in ("cold", "warm")}
fig["sweep"] = {"shape": shape, "present": present, "add": "8,16,32,64", "jobs": 2,
                "cold_seconds": sw["cold"], "snapshots_seconds": sw["warm"],
                "ratio": sw["warm"] / sw["cold"]}
print("boot snapshots, %s (raw 16-insn loop %.3g insns/s):" % (trace, raw))
print("  %-22s %8s %8s %14s %11s" % ("run", "wall s", "cpu s", "guest insns", "cost x raw"))
for k, v in r.items():
    print("  %-22s %8.2f %8.2f %14d %11.2f" % (k + " (" + v["snapshot"] + ")", v["host_seconds"],
          v["cpu_seconds"], v["guest_insns_executed"], v["cost_per_insn_x_raw"]))
print("  ratios of cpu seconds (user + system; the faster of two runs):")
print("  warm / cold: profiled %.3f, unprofiled %.3f (target <= 0.5)"
      % (fig["warm_over_cold_profile"], fig["warm_over_cold_no_profile"]))
print("  profiled / unprofiled: cold %.3f, warm %.3f (target <= 1.10)"
      % (fig["profiled_over_unprofiled_cold"], fig["profiled_over_unprofiled_warm"]))
sv, wm = r["save/profile"], r["warm/profile"]
print("  snapshot: %.2f MiB on disk (target <= 16), saved in %.3f s, restored in %.3f s "
      "(target <= 0.2)" % (sv["snapshot_bytes"] / 2**20, sv["host_seconds_save"],
                           wm["host_seconds_restore"]))
print("  sweep %s present %s x add 8,16,32,64 (--jobs 2): cold %.1f s, with snapshots %.1f s "
      "(x%.2f)" % (shape, present, sw["cold"], sw["warm"], sw["warm"] / sw["cold"]))
json.dump(fig, open(out, "w"), indent=1)
PY
