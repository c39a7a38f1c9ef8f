#!/bin/sh
# scripts/whatif.sh — the what-if study behind `make whatif`: the base guest
# and a patched guest swept over the same M7-16 points, compared, plotted.
#
# usage: scripts/whatif.sh LDOMSIM GUEST PATCH OUTDIR [JOBS [SWEEP_OPTION...]]
#   SWEEP_OPTION: passed to both sweeps (--memory-model on: the study with
#   the memory model, make whatif-memory)
#   OUTDIR/base, OUTDIR/<GUEST>: the two sweeps (summary.json, points, plots)
#   OUTDIR/compare.txt:          ldomsim compare base vs what-if, every metric
#   OUTDIR/topology.{png,svg}:   topology-map cost vs present, both, with fits
#   OUTDIR/latency.{png,svg}:    the request's configure latency vs present
#   OUTDIR/headline.txt:         the ratios at the largest point
#   OUTDIR/index.html:           ldomsim report what-if --base base --html: one page
set -eu
[ $# -ge 4 ] || { sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ldomsim=$1 guest=$2 patch=$3 out=$4 jobs=${5:-2}
shift 4
[ $# -gt 0 ] && shift
extra="$*"
note=""
[ -z "$extra" ] || note=" ($extra)"
present=256,512,1024,2048,3072,4032
here=$(cd "$(dirname "$0")" && pwd)
make --no-print-directory -s guest GUEST="$guest" PATCHES="$patch"
for g in base "$guest"; do
	opt=""
	[ "$g" = base ] || opt="--guest $guest"
	# shellcheck disable=SC2086
	# --force: the folder holds the last study's sweep (only its files go)
	"$ldomsim" sweep --shape m7-16 --present $present --add 64 --jobs "$jobs" $opt $extra --force -o "$out/$g"
	rm -rf "$out/$g/traces"
done
"$ldomsim" compare --threshold 1000 "$out/base" "$out/$guest" >"$out/compare.txt" || true
# The page: a regression (exit 1) is what it shows; unusable input (2) stops.
"$ldomsim" report "$out/$guest" --base "$out/base" --html "$out/index.html" >/dev/null || [ $? = 1 ]
# fits and the headline from the two summaries
eval "$(python3 - "$out/base/summary.json" "$out/$guest/summary.json" "$out/headline.txt" "$guest$note" <<'PY'
import json, sys
b, w = (json.load(open(p)) for p in sys.argv[1:3])
fb, fw = b["fits"][0], w["fits"][0]
print("bexp=%r bcoef=%r wexp=%r wcoef=%r" % (fb["exponent"], fb["coefficient"] / 1e6, fw["exponent"], fw["coefficient"] / 1e6))
pb = max(b["points"], key=lambda r: r["present"]); pw = [r for r in w["points"] if r["point"] == pb["point"]][0]
mb, mw = pb["metrics"], pw["metrics"]
with open(sys.argv[3], "w") as f:
    f.write("M7-16, %d present + 64, base vs %s:\n" % (pb["present"], sys.argv[4]))
    for k in ("topology_ns", "topology_insns", "request_ns", "online_p50_ns", "online_max_ns"):
        f.write("  %-16s %14d -> %14d  (%.1fx)\n" % (k, mb[k], mw[k], mb[k] / mw[k] if mw[k] else float("inf")))
    f.write("  topology-cost exponent %.2f -> %.2f\n" % (fb["exponent"], fw["exponent"]))
PY
)"
for term in pngcairo svg; do
	ext=png; [ $term = svg ] && ext=svg
	gnuplot -e "scripts='$here/plots'; term='$term'; out='$out/topology.$ext'; base='$out/base/plots/topology.dat'; what='$out/$guest/plots/topology.dat'; col=2; fits=1; bexp=$bexp; bcoef=$bcoef; wexp=$wexp; wcoef=$wcoef; wname='$guest'; ylabel='topology-map update of the request (ms)'; title='M7-16, +64 strands: topology-map cost, Linux 6.1 vs $guest$note'" "$here/plots/whatif.gp"
	gnuplot -e "scripts='$here/plots'; term='$term'; out='$out/latency.$ext'; base='$out/base/plots/latency.dat'; what='$out/$guest/plots/latency.dat'; col=3; fits=0; bexp=0; bcoef=0; wexp=0; wcoef=0; wname='$guest'; ylabel='configure-to-online latency, median cpu (ms)'; title='M7-16, +64 strands: configure-to-online latency (p50), Linux 6.1 vs $guest$note'" "$here/plots/whatif.gp"
done
cat "$out/headline.txt"
