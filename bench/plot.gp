# One PNG per workload from iopf-model-bench's sweep data:
#   gnuplot -e "data='DIR/random.dat'; out='random.png'; name='random'" bench/plot.gp
# Top: device time of fixed:N against N, per shape, iopfd's default (auto,
# answered early) as a dashed line in the same colour; bottom: peak pinned
# memory, the same way.
set terminal pngcairo size 900,700 font ",10"
set output out
set multiplot layout 2,1 title sprintf("%s, 1 GiB, device-time model: fixed:N (points) against the default (dashed)", name)
set logscale x 2
set xrange [1:2048]
set grid
set key outside right
set ylabel "device time (ms)"
set xlabel "fixed window (pages)"
shapes = "4x16 4x1 1x16 1x1"
plot for [i=0:3] data index i using 1:2 with linespoints lc i+1 pt 7 ps 0.6 title "fixed ".word(shapes, i+1), \
     for [i=0:3] data index i using 1:4 with lines lc i+1 dt 2 title "default ".word(shapes, i+1)
set ylabel "peak pinned (MiB)"
plot for [i=0:3] data index i using 1:3 with linespoints lc i+1 pt 7 ps 0.6 title "fixed ".word(shapes, i+1), \
     for [i=0:3] data index i using 1:5 with lines lc i+1 dt 2 title "default ".word(shapes, i+1)
unset multiplot
