# scripts/plots/common.gp — terminal, output and style shared by the ldomsim
# plots (loaded by each of them). Driven by `ldomsim sweep`, which sets:
#   term  'pngcairo' or 'svg' (the terminals gnuplot-nox has)
#   out   the file to write
# and a script may set height (pixels, default 600) before loading it.
if (!exists('height')) height = 600
if (term eq 'svg') {
	set terminal svg size 960,height dynamic enhanced font 'Sans,12' background rgb 'white'
} else {
	set terminal pngcairo size 960,height enhanced font 'Sans,10' background rgb 'white'
}
set output out
set grid lc rgb '#dddddd'
set key box opaque noenhanced
set title noenhanced
