# Draws the soak's CSV (tests/soak/soak.mjs) as one PNG with three panels sharing the time axis:
# memory and fds, live TURN and signaling state, CPU.
#   gnuplot -e "csv='build/soak/soak.csv'; png='build/soak/soak.png'; title='iceway soak'" tests/soak/plot.gp
# Columns (criteria.mjs COLUMNS): 1 elapsed_s, 2 phase, 3 rss_kib, 4 fds, 5 cpu_s, 6 cpu_percent,
# 7 allocations, 8 permissions, 9 channels, 10 connections, 11 rooms, 12 relayed_packets,
# 13 dropped_packets, 14 reloads.
if (!exists("title")) title = "iceway soak"
set datafile separator ","
set key autotitle columnhead
set terminal pngcairo size 1200,1000 font ",10"
set output png
set grid
set multiplot layout 3,1 title title

set xlabel "seconds"
set ylabel "RSS (MiB)"
set y2label "open fds"
set ytics nomirror
set y2tics
# RSS autoscaled, so growth of a few percent is visible; the filled points are the samples the
# RSS criterion judges (phase "load", after warm-up).
set autoscale y
set y2range [0:*]
set offsets 0, 0, graph 0.1, graph 0.1
set key bottom right
plot csv using 1:($3/1024) with lines lw 2 title "RSS (MiB)", \
     csv using 1:(stringcolumn(2) eq "load" ? $3/1024 : 1/0) with points pt 7 ps 0.8 lc 1 title "RSS judged", \
     csv using 1:4 axes x1y2 with linespoints pt 5 ps 0.5 lc 2 title "open fds"

set offsets 0, 0, graph 0.1, 0
set yrange [0:*]
set key top left

set ylabel "live"
set y2label "SIGHUPs applied"
plot csv using 1:7 with linespoints pt 7 ps 0.5 title "allocations", \
     csv using 1:8 with lines title "permissions", \
     csv using 1:9 with lines title "channels", \
     csv using 1:10 with linespoints pt 5 ps 0.5 title "signaling connections", \
     csv using 1:14 axes x1y2 with steps title "SIGHUPs applied"

unset y2label
unset y2tics
set ylabel "CPU (% of one core)"
plot csv using 1:6 with linespoints pt 7 ps 0.5 title "iceway CPU"

unset multiplot
