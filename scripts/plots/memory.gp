# scripts/plots/memory.gp — the memory model's misses of the configure
# request vs present strands, log-log, for the first batch size: reads
# missing each cache level, reads served by memory, instruction fetches
# missing the L1. Variables (besides common.gp's):
#   data   blocks, one per batch size, rows "present reads_l1_misses
#          reads_l2_misses reads_l3_misses reads_memory fetches_l1_misses
#          stall_ms" (a level the machine lacks: 0, not drawn)
#   adds   the batch sizes of the blocks, space-separated
#   title  plot title
load scripts.'/common.gp'
set title title
set logscale xy
set format x '%g'
set format y '%g'
set xlabel 'strands present before the request'
set ylabel sprintf('misses of the request (%s strands added)', word(adds, 1))
set key top left
pos(v) = v > 0 ? v : 1/0
plot data index 0 using 1:(pos($2)) with linespoints pt 7 ps 1.3 lw 2 lc 1 title 'reads missing L1', \
     data index 0 using 1:(pos($3)) with linespoints pt 5 ps 1.3 lw 2 lc 2 title 'reads missing L2', \
     data index 0 using 1:(pos($4)) with linespoints pt 9 ps 1.3 lw 2 lc 3 title 'reads missing L3', \
     data index 0 using 1:(pos($5)) with linespoints pt 13 ps 1.3 lw 2 lc 4 dt 2 title 'reads from memory', \
     data index 0 using 1:(pos($6)) with linespoints pt 11 ps 1.3 lw 2 lc 6 title 'fetches missing L1'
