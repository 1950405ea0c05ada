#!/usr/bin/env bash
# uds-vs-tcp.sh - lesson 07's benchmark: Unix stream sockets vs TCP over
# loopback, throughput and round-trip latency at 64 B, 4 KiB and 64 KiB
# messages, measured side by side in one run by build/tools/uds_bench
# (tools/uds_bench.c).
#
# usage: bench/uds-vs-tcp.sh [OUTDIR]     (make bench: OUTDIR is build/bench)
#
# Writes OUTDIR/uds-vs-tcp.csv (one row per transport and size),
# OUTDIR/uds-vs-tcp-ratios.csv (Unix / TCP for each size), OUTDIR/uds-vs-tcp.txt
# (the machine it ran on and the ratios) and, when gnuplot is installed,
# OUTDIR/uds-vs-tcp.svg. UDS_BENCH_SECONDS (default 1) is the length of each
# of the 12 measurements.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/bench}
seconds=${UDS_BENCH_SECONDS:-1}
mkdir -p "$out"
make -s -C "$root" build/tools/uds_bench >/dev/null

csv=$out/uds-vs-tcp.csv
ratios=$out/uds-vs-tcp-ratios.csv
notes=$out/uds-vs-tcp.txt
"$root/build/tools/uds_bench" -t "$seconds" 64 4096 65536 >"$csv"

# Unix / TCP, size by size: > 1 means Unix is faster (throughput) or slower
# (round trip), so the round-trip ratio is written TCP / Unix: > 1 means
# Unix answers sooner.
awk -F, 'NR > 1 { tp[$1 "," $2] = $3; rtt[$1 "," $2] = $5; if (!($2 in seen)) { seen[$2] = 1; sizes[n++] = $2 } }
    END {
        print "size,throughput_unix_over_tcp,median_rtt_tcp_over_unix"
        for (i = 0; i < n; i++) { s = sizes[i]
            printf "%s,%.2f,%.2f\n", s, tp["unix," s] / tp["tcp," s], rtt["tcp," s] / rtt["unix," s] }
    }' "$csv" >"$ratios"

{
    echo "uds-vs-tcp: $(date -u '+%Y-%m-%d %H:%M UTC'), ${seconds} s per measurement"
    echo "machine: $(uname -srm), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    column -s, -t "$csv"
    echo
    column -s, -t "$ratios"
} >"$notes"
cat "$notes"

if ! command -v gnuplot >/dev/null; then
    echo "uds-vs-tcp: gnuplot is not installed, so no plot: the CSV is in $csv." >&2
    echo "uds-vs-tcp: install it with: sudo apt-get install gnuplot-nox (or make deps), then make bench again." >&2
    exit 0
fi
gnuplot <<EOF
set datafile separator ","
set terminal svg size 640,720 dynamic font "sans,11"
set output "$out/uds-vs-tcp.svg"
set multiplot layout 2,1 title "Unix stream socket vs TCP loopback ($(nproc) cores, ${seconds} s each)"
set logscale x 2
set xtics ("64 B" 64, "4 KiB" 4096, "64 KiB" 65536)
set xrange [40:100000]
set key top left
set grid ytics
set ylabel "throughput, MiB/s"
set logscale y 10
plot "< grep '^unix' $csv" using 2:3 with linespoints lw 2 pt 7 title "Unix stream", \
     "< grep '^tcp' $csv" using 2:3 with linespoints lw 2 pt 5 title "TCP 127.0.0.1"
unset logscale y
set ylabel "median round trip, µs"
set xlabel "message size"
set yrange [0:*]
plot "< grep '^unix' $csv" using 2:5 with linespoints lw 2 pt 7 title "Unix stream", \
     "< grep '^tcp' $csv" using 2:5 with linespoints lw 2 pt 5 title "TCP 127.0.0.1"
unset multiplot
EOF
echo "uds-vs-tcp: wrote $csv, $ratios and $out/uds-vs-tcp.svg"
