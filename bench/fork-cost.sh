#!/bin/sh
# fork-cost.sh - what a process per client costs (lesson 04's chapter): the
# connection rate of echo_server one client at a time against echo_server
# --fork, measured side by side in one run (rounds alternate, so that both
# see the same machine), as CSV and, when gnuplot is installed, a plot.
#
# usage: bench/fork-cost.sh OUTDIR        (make bench runs it with build/bench)
#
# Each round starts the server with --max-clients N on port 0, reads its
# port from the ready line, and runs connrate (bench/connrate.c): N short
# connections one after another (connect, 64 bytes there and back, close).
# Env: N (connections a round, default 2000), ROUNDS (default 5),
# ECHO_SERVER (default: the solution's, else your lesson's build).
set -eu
out=${1:?usage: bench/fork-cost.sh OUTDIR}
mkdir -p "$out"
N=${N:-500}
ROUNDS=${ROUNDS:-3}
cc=${CC:-cc}
csv=$out/fork-cost.csv

if [ -z "${ECHO_SERVER:-}" ]; then
	if [ -d solutions/04-tcp-server ]; then ECHO_SERVER=build/sol/04-tcp-server/echo_server
	else ECHO_SERVER=build/lessons/04-tcp-server/echo_server; fi
	make -s "$ECHO_SERVER" >/dev/null
fi
$cc -O2 -Wall -Wextra -Werror -std=c17 bench/connrate.c -o "$out/connrate"

# One round: start the server (mode: iterative or fork), wait for its ready
# line, run N connections, print connrate's line.
round() {
	log=$(mktemp)
	if [ "$1" = fork ]; then "$ECHO_SERVER" --fork --max-clients "$N" 0 >"$log" 2>&1 &
	else "$ECHO_SERVER" --max-clients "$N" 0 >"$log" 2>&1 & fi
	pid=$!
	port=""
	for _ in $(seq 500); do  # the ready line, within 5 s
		port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$log")
		[ -n "$port" ] && break
		sleep 0.01
	done
	[ -n "$port" ] || { echo "fork-cost: $ECHO_SERVER printed no ready line" >&2; kill "$pid"; exit 1; }
	"$out/connrate" 127.0.0.1 "$port" "$N"
	wait "$pid"
	rm -f "$log"
}

echo "mode,round,connections,seconds,per_second" >"$csv"
for r in $(seq "$ROUNDS"); do
	for mode in iterative fork; do
		line=$(round "$mode")
		secs=${line#*seconds=}; secs=${secs%% *}
		rate=${line##*per_second=}
		echo "$mode,$r,$N,$secs,$rate" >>"$csv"
	done
done

# The medians and their ratio, and what this ran on.
median() { grep "^$1," "$csv" | cut -d, -f5 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
it=$(median iterative)
fk=$(median fork)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
{
	echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r), loaded as it was"
	echo "connections/s (median of $ROUNDS rounds of $N): iterative $it, --fork $fk"
	awk -v a="$it" -v b="$fk" 'BEGIN { printf "fork per client: %.2fx the iterative rate, %.1f us more per connection\n", b / a, (1 / b - 1 / a) * 1e6 }'
} | tee "$out/fork-cost.txt"

if command -v gnuplot >/dev/null 2>&1; then
	gnuplot <<PLOT
set terminal svg size 640,360 font "sans,12"
set output "$out/fork-cost.svg"
set title "echo_server: connections per second, $N short connections a round"
set datafile separator ","
set key top right
set ylabel "connections/s"
set xlabel "round"
set yrange [0:*]
plot "< grep ^iterative, $csv" using 2:5 with linespoints title "one client at a time", \
     "< grep ^fork, $csv" using 2:5 with linespoints title "--fork (a process per client)"
PLOT
	echo "fork-cost: $csv, $out/fork-cost.svg"
else
	echo "fork-cost: $csv (no plot: gnuplot is not installed; apt-get install gnuplot-nox)"
fi
