#!/usr/bin/env bash
# tools/flake.sh: is `make test` flaky? (make flake N=20)
#
# usage: tools/flake.sh [N]    N runs in a row (default 20), then two at once
#
# Copies this working tree (tracked files and new ones git does not ignore;
# no build/) into two fresh folders, A and B, each with its own build/.
# Runs `make test` N times in a row in A, then once in A and once in B at the
# same time, and prints which check failed how often, and in which runs. The
# runs share nothing but the machine: each copy builds into its own build/,
# and every run gets a TMPDIR of its own, which must be empty when it ends
# (anything left there is counted as a failure: a test that does not clean up).
#
# Exit status: 0 when every run passed, 1 if any failed (0 failures is the
# only passing answer), 2 on a usage error. Logs: build/flake/ (RUN.log), kept.
# FLAKE_KEEP=1 keeps the two copies too. Runs `nice`d, as make test can take
# minutes on a loaded machine.
set -uo pipefail

N=${1:-20}
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || { echo "usage: tools/flake.sh [N]   (N >= 1 runs in a row, then two at once)" >&2; exit 2; }
[ -f Makefile ] && [ -d tests ] && [ -d solutions ] || { echo "flake: run me from the course repository's root (with solutions/)" >&2; exit 2; }
ROOT=$(pwd -P)
LOGS=$ROOT/build/flake
rm -rf "$LOGS" && mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socklab-flake.XXXXXX")
[ "${FLAKE_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
# Interrupted: end every make test still running (each leads a session of its own), then say so.
stop_runs() {
    local f
    for f in "$WORK"/running-*; do [ -e "$f" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null; done
    # what the runs that ended had come to: not the answer (0 of N failing), but what there is of it
    local done=0 ok=0 bad=()
    for f in "$LOGS"/*.status; do
        [ -e "$f" ] || continue
        done=$((done + 1))
        if [ "$(cat "$f")" = 0 ]; then ok=$((ok + 1)); else bad+=("$(basename "$f" .status)"); fi
    done
    echo
    echo "flake: interrupted after $done finished run(s) of $N + 2: $ok passed${bad[*]:+, failed: ${bad[*]}}; logs in build/flake/" >&2
    exit 1
}
trap stop_runs INT TERM

say() { printf 'flake: %s\n' "$*"; }

# A copy of the working tree, as git sees it, into $1.
copy_tree() {
    local dst=$1
    mkdir -p "$dst"
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -co --exclude-standard -z | grep -zv '^build/' |
            while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
            tar --null -T - -cf - | tar -C "$dst" -xf -
        # the copy is a checkout too (make test's attacks copy what git tracks): the same files in its index
        git -C "$dst" init -q && git -C "$dst" add -A || { echo "flake: cannot make $dst a git checkout" >&2; exit 1; }
    else
        tar --exclude=./build -cf - . | tar -C "$dst" -xf -
    fi
}

# Run make test in the copy $1, as run $2: its log in $LOGS/$2.log, its
# status in $LOGS/$2.status; a TMPDIR of its own, checked after.
run_test() {
    local tree=$1 name=$2 tmp=$WORK/tmp-$2 rc left
    mkdir -p "$tmp"
    # in a session of its own, so that an interrupted flake takes the whole run down with it
    (cd "$tree" && exec setsid env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u L -u N TMPDIR="$tmp" \
        nice -n 10 make --no-print-directory test) > "$LOGS/$name.log" 2>&1 &
    local pid=$!
    echo "$pid" > "$WORK/running-$name"
    wait "$pid"
    rc=$?
    rm -f "$WORK/running-$name"
    left=$(find "$tmp" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null)
    if [ -n "$left" ]; then
        echo "flake: LEFT in TMPDIR after the run: $left" >> "$LOGS/$name.log"
        [ "$rc" -ne 0 ] || rc=3
    fi
    rm -rf "$tmp"
    echo "$rc" > "$LOGS/$name.status"
}

# The failures in one run's log, one line each: "LESSON: WHAT".
failures() {
    local log=$1 rc=$2
    sed 's/\x1b\[[0-9;]*m//g' "$log" | awk -v rc="$rc" '
        /^[0-9][0-9]-[a-z0-9-]+$/ { lesson = $0 }
        /^  FAIL / {
            msg = substr($0, 8)
            sub(/ \(.*$/, "", msg); sub(/: .*$/, "", msg)
            print (lesson != "" ? lesson ": " : "") msg; n++; next
        }
        /^[a-z-]+: FAIL / || /^check-skeletons: / || /^flake: LEFT/ { print; n++; next }
        /^make(\[[0-9]+\])?: \*\*\*/ { last = $0 }
        END {
            if (rc != 0 && n == 0)
                print "make test failed (exit " rc "): " (last != "" ? last : "see its log")
        }' | sort -u
}

copy_tree "$WORK/A" && copy_tree "$WORK/B" || { echo "flake: could not copy the working tree" >&2; exit 1; }
say "two fresh copies of this tree (each with its own build/); $N runs of make test in a row in one, then one in each at once"
say "logs: build/flake/"
T0=$SECONDS
runs=()
for i in $(seq 1 "$N"); do
    t=$SECONDS
    run_test "$WORK/A" "run$i"
    runs+=("run$i")
    say "run $i/$N: $( [ "$(cat "$LOGS/run$i.status")" = 0 ] && echo passed || echo "FAILED (exit $(cat "$LOGS/run$i.status"))") in $((SECONDS - t)) s"
done
t=$SECONDS
run_test "$WORK/A" pairA &
run_test "$WORK/B" pairB &
wait
runs+=(pairA pairB)
for r in pairA pairB; do
    say "two at once, $r: $( [ "$(cat "$LOGS/$r.status")" = 0 ] && echo passed || echo "FAILED (exit $(cat "$LOGS/$r.status"))")"
done
say "two at once took $((SECONDS - t)) s"

# What failed, how often, where.
: > "$LOGS/failures.txt"
failed_runs=0
for r in "${runs[@]}"; do
    rc=$(cat "$LOGS/$r.status")
    [ "$rc" = 0 ] && continue
    failed_runs=$((failed_runs + 1))
    failures "$LOGS/$r.log" "$rc" | sed "s/^/$r	/" >> "$LOGS/failures.txt"
done
echo
if [ "$failed_runs" -eq 0 ]; then
    say "0 failures in ${#runs[@]} runs of make test ($N in a row, 2 at once), $((SECONDS - T0)) s in all"
    exit 0
fi
say "$failed_runs of ${#runs[@]} runs failed; what failed, how often, in which runs:"
awk -F'\t' '{ n[$2]++; where[$2] = where[$2] (where[$2] == "" ? "" : " ") $1 }
    END { for (k in n) printf "  %3d x  %s   (%s)\n", n[k], k, where[k] }' "$LOGS/failures.txt" | sort -rn
say "logs: build/flake/RUN.log (the failing runs: $(awk -F'\t' '{ print $1 }' "$LOGS/failures.txt" | sort -u | tr '\n' ' '))"
exit 1
