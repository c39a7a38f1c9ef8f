# scripts/plots/timeline.gp — the per-cpu timeline of one configure request:
# when each cpu came online after the request arrived, and (when the result
# has per-cpu phases) where its bring-up spent the time. Variables (besides
# common.gp's):
#   data     block 0: rows "cpu online_ms"; then one block per phase in
#            segs: rows "cpu start_ms length_ms"
#   segs     the per-cpu phases, space-separated ('' when none)
#   reply_ms when the DS response was sent (ms after the request)
#   title    plot title
load scripts.'/common.gp'
set title title
set xlabel 'time since the request arrived (ms, simulated)'
set ylabel 'cpu'
set xrange [0:*]
set key outside right top
set arrow from reply_ms, graph 0 to reply_ms, graph 1 nohead dt 2 lw 2 lc rgb '#aa0000'
if (words(segs) == 0) {
	plot data index 0 using (0):1:2:(0) with vectors nohead lc rgb '#bbbbbb' title 'waiting', \
	     data index 0 using 2:1 with points pt 7 ps 0.6 lc rgb '#000000' title 'online', \
	     NaN with lines dt 2 lw 2 lc rgb '#aa0000' title sprintf('DS response (%.3f ms)', reply_ms)
} else {
	plot data index 0 using (0):1:2:(0) with vectors nohead lc rgb '#dddddd' notitle, \
	     for [i=1:words(segs)] data index i using 2:1:3:(0) with vectors nohead lw 4 lc i+1 \
		title word(segs, i), \
	     data index 0 using 2:1 with points pt 7 ps 0.6 lc rgb '#000000' title 'online', \
	     NaN with lines dt 2 lw 2 lc rgb '#aa0000' title sprintf('DS response (%.3f ms)', reply_ms)
}
