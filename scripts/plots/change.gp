# scripts/plots/change.gp — the kernel-version study (scripts/kernels.sh):
# the second kernel's relative change of the configure request and of its
# topology-map update at every point of the T4-4 and M7-16 sweeps. Sets
# (besides common.gp's term and out):
#   data   rows "shape present add request_change_pct topology_change_pct"
#   title
load scripts.'/common.gp'
set title title
set logscale x
set xrange [40:6000]
set format x '%g'
set xlabel 'strands present before the request'
set ylabel 'change against the base kernel (%)'
set key bottom right
set grid ytics
set xzeroaxis lt -1
plot data using 2:(strcol(1) eq 't4-4' ? $4 : 1/0) with points pt 7 ps 1.3 lc 1 title 'T4-4 request', \
     data using 2:(strcol(1) eq 't4-4' ? $5 : 1/0) with points pt 6 ps 1.6 lc 1 title 'T4-4 topology maps', \
     data using 2:(strcol(1) eq 'm7-16' ? $4 : 1/0) with linespoints pt 5 ps 1.3 lc 2 title 'M7-16 request', \
     data using 2:(strcol(1) eq 'm7-16' ? $5 : 1/0) with linespoints pt 4 ps 1.6 lc 2 title 'M7-16 topology maps'
