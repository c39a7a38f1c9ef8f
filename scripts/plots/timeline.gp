# scripts/plots/timeline.gp — one configure request at the scales it spans,
# so that a phase of microseconds shows beside one of a second: (1) the
# request on the master strand, its phases as bars on a log time axis;
# (2) the bring-up part on a linear axis, each cpu's phases and when it came
# online; (3) each cpu's phases from the start of its own bring-up.
# Variables (besides common.gp's):
#   data     block 0: rows "cpu online_ms" (since the request arrived);
#            blocks 1..S, one per phase in segs: rows "cpu start_ms length_ms";
#            block S+1: rows "cpu start_ms end_ms phase" from each cpu's own
#            start (phase: the position in segs); last, block S+1 or S+2: the
#            master strand, rows "row start_ms end_ms colour name" (row 2 the
#            phases end to end, 1 the topology steps; colour: the position in
#            mnames)
#   segs     the per-cpu phases, space-separated ('' when none: no blocks 1..S+1)
#   mnames   the master strand's phases drawn ('' when none: its block is empty)
#   mdurs    their durations (ms)
#   reply_ms when the DS response was sent (ms after the request)
#   mx0      the log axis's lower end (ms)
#   bu0      when the first cpu's bring-up began (ms after the request)
#   longest  the longest bring-up of one cpu (ms)
#   cmin, cmax  the lowest and highest cpu of the request (the master's row
#            goes above them)
#   title    plot title
height = 1000
load scripts.'/common.gp'
S = words(segs)
nm = words(mnames)
ri = S + 1
mi = S > 0 ? S + 2 : S + 1
np = (nm > 0) + 1 + (S > 0)
# Panel k (1 = top): plot area from bot(k) to top(k), in screen fractions,
# gap between panels for the axis label and the next title.
gap = 0.10
ph = (0.87 - (np - 1) * gap) / np
top(k) = 0.93 - (k - 1) * (ph + gap)
bot(k) = top(k) - ph
# Distinct colours: 1-12 the master strand's phases (at most 11 take
# time in a configure), 13-20 the per-cpu phases (lc 12 + i).
array C[20] = ['#9400d3', '#009e73', '#56b4e9', '#e69f00', '#f0e442', '#0072b2', \
               '#e51e10', '#444444', '#cc79a7', '#8b4513', '#7fff00', '#00ced1', \
               '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', \
               '#a6761d', '#666666']
do for [i=1:20] { set linetype i lc rgb C[i] lw 1 pt 7 }
set multiplot title title noenhanced
set lmargin at screen 0.12
set rmargin at screen 0.665
set key Left reverse font ',9'
k = 1
if (nm > 0) {
	set key at screen 0.68, top(k) left top
	set tmargin at screen top(k)
	set bmargin at screen bot(k)
	set title 'the request on the master strand (phases end to end; log time axis)'
	set logscale x
	set format x '%g'
	set xrange [mx0:reply_ms * 1.5]
	set yrange [0.4:2.6]
	set ytics ('topology steps' 1, 'phases' 2)
	set xlabel 'time since the request arrived (ms, simulated)'
	set arrow 1 from reply_ms, graph 0 to reply_ms, graph 1 nohead dt 2 lw 2 lc rgb '#aa0000'
	plot for [i=1:nm] data index mi using ($4 == i ? $3 : NaN):1:($2 < mx0 ? mx0 : $2):3:($1 - 0.3):($1 + 0.3) \
		with boxxyerror fs solid 0.85 border rgb '#333333' lc i \
		title sprintf('%s %.3f ms', word(mnames, i), real(word(mdurs, i))), \
	     NaN with lines dt 2 lw 2 lc rgb '#aa0000' title sprintf('DS response (%.3f ms)', reply_ms)
	unset logscale x
	unset arrow 1
	k = k + 1
}
set key at screen 0.68, top(k) left top
set tmargin at screen top(k)
set bmargin at screen bot(k)
set autoscale y
set ytics autofreq
set ylabel 'cpu'
set xlabel 'time since the request arrived (ms, simulated)'
pad = (reply_ms - bu0) * 0.03
set xrange [(bu0 - pad < 0 ? 0 : bu0 - pad):reply_ms + pad]
set arrow 1 from reply_ms, graph 0 to reply_ms, graph 1 nohead dt 2 lw 2 lc rgb '#aa0000'
# The master strand's phases on a row above the cpus in the bring-up
# panel, mh high (in cpu rows: a twenty-fifth of the panel, at least one);
# a macro, so that no empty block is plotted (gnuplot would warn),
# defined out of the braces (a block's macros expand when it is read).
mh = (cmax - cmin + 1) / 25.0 < 1 ? 1 : (cmax - cmin + 1) / 25.0
mrow = nm > 0 ? 'data index mi using ($1 == 2 ? $3 : NaN):(cmax + 1 + 2 * mh):2:3:(cmax + 1 + mh):(cmax + 1 + 3 * mh):4 with boxxyerror fs solid 0.85 border rgb "#333333" lc variable notitle,' : ''
if (S == 0) {
	set title 'when each cpu came online'
	plot data index 0 using (0):1:2:(0) with vectors nohead lc rgb '#bbbbbb' title 'waiting', \
	     data index 0 using 2:1 with points pt 7 ps 0.6 lc rgb '#000000' title 'online', \
	     NaN with lines dt 2 lw 2 lc rgb '#aa0000' title sprintf('DS response (%.3f ms)', reply_ms)
} else {
	set title sprintf('the bring-up: %.3f to %.3f ms after the request', bu0, reply_ms)
	if (nm > 0) {
		set yrange [*:cmax + 1 + 3.5 * mh]
		set label 2 'master strand' at graph 0.01, first cmax + 1 + 0.4 * mh left font ',9'
	}
	plot data index 0 using (0):1:2:(0) with vectors nohead lc rgb '#dddddd' notitle, \
	     @mrow \
	     for [i=1:S] data index i using 2:1:3:(0) with vectors nohead lw 4 lc 12 + i \
		title word(segs, i), \
	     data index 0 using 2:1 with points pt 7 ps 0.6 lc rgb '#000000' title 'online', \
	     NaN with lines dt 2 lw 2 lc rgb '#aa0000' title sprintf('DS response (%.3f ms)', reply_ms)
	unset arrow 1
	k = k + 1
	set key at screen 0.68, top(k) left top
	set tmargin at screen top(k)
	set bmargin at screen bot(k)
	set title 'each cpu from the start of its own bring-up'
	set xlabel 'time since the cpu''s bring-up began (ms, simulated)'
	set xrange [0:longest * 1.02]
	unset label 2
	set autoscale y
	plot for [i=1:S] data index ri using ($4 == i ? $3 : NaN):1:2:3:($1 - 0.4):($1 + 0.4) \
		with boxxyerror fs solid 0.9 noborder lc 12 + i title word(segs, i)
}
unset multiplot
