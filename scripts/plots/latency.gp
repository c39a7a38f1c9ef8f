# scripts/plots/latency.gp — configure-to-online latency vs present strands,
# one curve per batch size. Variables (besides common.gp's):
#   scripts  this folder
#   data     blocks (separated by two blank lines), one per batch size, rows
#            "present request_ms online_p50_ms online_p99_ms"
#   adds     the batch sizes of the blocks, space-separated
#   title    plot title
load scripts.'/common.gp'
set title title
set xlabel 'strands present before the request'
set ylabel 'latency (ms, simulated)'
set key top left
set yrange [0:*]
plot for [i=1:words(adds)] data index (i-1) using 1:2 with linespoints lw 2 pt 7 lc i \
	title sprintf('%s added: request -> DS response', word(adds, i)), \
     for [i=1:words(adds)] data index (i-1) using 1:3 with linespoints lw 1 dt 2 pt 6 lc i \
	title sprintf('%s added: request -> cpu online, p50', word(adds, i))
