# scripts/plots/topology.gp — topology-map update cost vs present strands on
# log-log axes, with the power law fitted by ldomsim (least squares on the
# logs). Variables (besides common.gp's):
#   data     blocks, one per batch size, rows "present cost_ms"
#   adds     the batch sizes of the blocks, space-separated
#   fitidx   for each fit, the 1-based block it belongs to
#   exps     for each fit, the exponent k of cost = c * present^k
#   coefs    for each fit, c (ms)
#   ylabel   what the cost is
#   title    plot title
load scripts.'/common.gp'
set title title
set logscale xy
set format x '%g'
set format y '%g'
set xlabel 'strands present before the request'
set ylabel ylabel
set key top left
plot for [i=1:words(adds)] data index (i-1) using 1:2 with points pt 7 ps 1.3 lc i \
	title sprintf('%s added', word(adds, i)), \
     for [j=1:words(exps)] real(word(coefs, j)) * x ** real(word(exps, j)) with lines lw 2 \
	lc int(word(fitidx, j)) \
	title sprintf('fit, %s added: exponent %.2f', word(adds, int(word(fitidx, j))), \
	              real(word(exps, j)))
