# scripts/plots/phases.gp — the phase breakdown of each point's configure
# request as stacked bars (ldomsim leaves out the phases that contain others:
# the topology steps, inside topology_maps, and dr_cpu_data, the whole
# handler). Variables (besides common.gp's):
#   data     a header row "point PHASE..." then one row per point (ms)
#   ncols    the number of phase columns
#   title    plot title
load scripts.'/common.gp'
set title title
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by -45 noenhanced
set ylabel 'simulated time (ms)'
set yrange [0:*]
set key outside right top
plot for [c=2:ncols+1] data using c:xtic(1) title columnheader(c)
