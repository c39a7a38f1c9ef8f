#!/bin/sh
# scripts/kernels.sh — the kernel-version study behind `make kernels`: the
# committed Linux 6.1 baselines (results/<shape>) against a second kernel's
# guest swept over the same points, compared per metric and per function,
# plotted.
#
# usage: scripts/kernels.sh LDOMSIM GUEST KERNEL_SRC OUTDIR [JOBS]
#   OUTDIR/<GUEST>/<shape>:    the second kernel's sweeps (t4-4, m7-16)
#   OUTDIR/compare.txt:        ldomsim compare 6.1 vs GUEST, every metric and fn_* row
#   OUTDIR/headline.txt:       the largest point of each shape, phases and functions
#   OUTDIR/change.dat:         relative change per point (plotted in change.{png,svg})
#   OUTDIR/topology.{png,svg}: M7-16 topology-map cost vs present, both kernels, fits
#   OUTDIR/latency.{png,svg}:  M7-16 configure-to-online latency (p50), both kernels
set -eu
[ $# -ge 4 ] || { sed -n '6,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ldomsim=$1 guest=$2 src=$3 out=$4 jobs=${5:-2}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# The points of results/ (bench/module.mk RESULTS_SWEEPS) for these shapes.
sweeps="t4-4:64,128,192:8,64 m7-16:256,512,1024,2048,3072,4032:64"
for s in $sweeps; do
	shape=${s%%:*}
	[ -f "$root/results/$shape/summary.json" ] || {
		echo "kernels.sh: no results/$shape/summary.json: run make results first" >&2
		exit 2
	}
done
make --no-print-directory -s guest GUEST="$guest" KERNEL_SRC="$src"
mkdir -p "$out"
for s in $sweeps; do
	shape=${s%%:*} rest=${s#*:}
	# --force: the folder holds the last study's sweep (only its files go)
	"$ldomsim" sweep --shape "$shape" --present "${rest%%:*}" --add "${rest#*:}" \
		--guest "$guest" --jobs "$jobs" --force -o "$out/$guest/$shape"
	rm -rf "$out/$guest/$shape/traces"
done
: >"$out/compare.txt"
for s in $sweeps; do
	shape=${s%%:*}
	"$ldomsim" compare --threshold 1 "$root/results/$shape" "$out/$guest/$shape" \
		>>"$out/compare.txt" || true
done
eval "$(python3 "$here/kernels_headline.py" "$root/results" "$out/$guest" "$guest" \
	"$out/headline.txt" "$out/change.dat")"
for term in pngcairo svg; do
	ext=png
	[ $term = svg ] && ext=svg
	gnuplot -e "scripts='$here/plots'; term='$term'; out='$out/topology.$ext'; base='$root/results/m7-16/plots/topology.dat'; what='$out/$guest/m7-16/plots/topology.dat'; col=2; fits=1; bexp=$bexp; bcoef=$bcoef; wexp=$wexp; wcoef=$wcoef; bname='Linux $bver'; wname='Linux $wver'; ylabel='topology-map update of the request (ms)'; title='M7-16, +64 strands: topology-map cost, Linux $bver vs $wver'" "$here/plots/whatif.gp"
	gnuplot -e "scripts='$here/plots'; term='$term'; out='$out/latency.$ext'; base='$root/results/m7-16/plots/latency.dat'; what='$out/$guest/m7-16/plots/latency.dat'; col=3; fits=0; bexp=0; bcoef=0; wexp=0; wcoef=0; bname='Linux $bver'; wname='Linux $wver'; ylabel='configure-to-online latency, median cpu (ms)'; title='M7-16, +64 strands: configure-to-online latency (p50), Linux $bver vs $wver'" "$here/plots/whatif.gp"
	gnuplot -e "scripts='$here/plots'; term='$term'; out='$out/change.$ext'; data='$out/change.dat'; title='Linux $wver relative to $bver, T4-4 and M7-16 sweeps'" "$here/plots/change.gp"
done
cat "$out/headline.txt"
