# scripts/plots/whatif.gp — a what-if guest against the base guest: one
# metric vs present strands on log-log axes, both sweeps' points and their
# fitted power laws. Driven by `make whatif` (scripts/whatif.sh), which sets
# (besides common.gp's term and out):
#   base, what   the sweeps' gnuplot data files (rows "present value_ms")
#   bexp, bcoef  the base fit: value = bcoef * present^bexp (ms)
#   wexp, wcoef  the what-if fit
#   wname        the what-if guest's name
#   bname        the base's (default 'base (Linux 6.1)')
#   col          the data column plotted (2: the first metric)
#   fits         1: draw the fits, 0: points joined by lines
#   ylabel, title
load scripts.'/common.gp'
if (!exists('bname')) bname = 'base (Linux 6.1)'
set title title
set logscale xy
set format x '%g'
set format y '%g'
set xlabel 'strands present before the request'
set ylabel ylabel
set key top left
if (fits) {
plot base index 0 using 1:col with points pt 6 ps 2.2 lw 2 lc 1 title bname, \
     bcoef * x ** bexp with lines lw 2 lc 1 title sprintf('%s fit: exponent %.2f', bname, bexp), \
     what index 0 using 1:col with points pt 5 ps 1.3 lc 2 title wname, \
     wcoef * x ** wexp with lines lw 2 lc 2 title sprintf('%s fit: exponent %.2f', wname, wexp)
} else {
plot base index 0 using 1:col with linespoints pt 6 ps 2.2 lw 2 lc 1 title bname, \
     what index 0 using 1:col with linespoints pt 5 ps 1.3 lw 2 lc 2 title wname
}
