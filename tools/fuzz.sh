#!/usr/bin/env bash
# tools/fuzz.sh: fuzz the parsers the course ships, and replay what fuzzing found.
#
# usage: tools/fuzz.sh run SECONDS [NAME...]   make fuzz (SECONDS: FUZZ_SECONDS, default 30)
#        tools/fuzz.sh regress [NAME...]        part of make test
#        tools/fuzz.sh list                     the targets and the sources they link
#
# The targets are listed in tests/fuzz/targets: a NAME and the module sources it links. The
# target itself is tests/fuzz/NAME.c, its starting inputs tests/fuzz/seeds/NAME/, the inputs
# that once crashed it or broke a property tests/fuzz/regress/NAME/. tests/fuzz/README.md
# says how to add one.
#
# run      builds each target with clang -fsanitize=fuzzer,address,undefined into build/fuzz/
#          and runs it for SECONDS on the corpus build/fuzz/corpus/NAME (which grows from
#          seeds/ and regress/), FUZZ_JOBS targets at a time; prints one line per target (runs,
#          runs per second, coverage, crashes); copies each crashing input into
#          tests/fuzz/regress/NAME/ (to be committed with the fix); exits 1 if a target crashed.
#          Each target's full output is in build/fuzz/logs/NAME.log.
# regress  builds each target with gcc -fsanitize=address,undefined and tests/fuzz/driver.c in
#          place of libFuzzer into build/fuzz/regress/, replays seeds/ and regress/ through it,
#          and exits 1 naming the target and the input that failed. Needs only gcc; a second or
#          two (the builds are kept while their sources do not change).
#
# Runs from the repository root and writes under build/ (run also into tests/fuzz/regress/).
# Environment:
#   FUZZ_TREE   the tree whose sources the targets link: solutions (the default, when it
#               exists) or lessons (a student fuzzing their own code)
#   FUZZ_JOBS   targets fuzzed at once by run (default: the number of cores)
#   FUZZ_CLANG  the compiler for run (default: clang)
#   FUZZ_CC     the compiler for regress (default: gcc)
set -euo pipefail

FUZZ=tests/fuzz
OUT=build/fuzz
TREE=${FUZZ_TREE:-$([ -d solutions ] && echo solutions || echo lessons)}
CLANG=${FUZZ_CLANG:-clang}
GCC=${FUZZ_CC:-gcc}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
MAX_LEN=2048   # bytes: room for a host name of NI_MAXHOST
CFLAGS=(-std=c17 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all)

say() { printf 'fuzz: %s\n' "$*"; }
die() { printf 'fuzz: %s\n' "$*" >&2; exit 1; }

if [ ! -f tools/fuzz.sh ] || [ ! -f "$FUZZ/targets" ]; then die "run me from the repository root"; fi
[ -d "$TREE" ] || die "FUZZ_TREE=$TREE: no such directory"

# ---- the targets -------------------------------------------------------------------------------

declare -A SOURCES   # NAME -> its module sources, with the tree in front
NAMES=()
while read -r name srcs; do
    case $name in ''|'#'*) continue ;; esac
    [ -f "$FUZZ/$name.c" ] || die "$FUZZ/targets lists $name, but $FUZZ/$name.c does not exist"
    [ -n "$srcs" ] || die "$FUZZ/targets: $name links no sources"
    NAMES+=("$name")
    SOURCES[$name]=
    for src in $srcs; do SOURCES[$name]+="${SOURCES[$name]:+ }$TREE/$src"; done
done < "$FUZZ/targets"

# select NAME...: keep only the targets named (all when none is).
select_targets() {
    [ $# -gt 0 ] || return 0
    local n
    for n in "$@"; do
        [ -n "${SOURCES[$n]+x}" ] || die "no target $n; the targets are: ${NAMES[*]}"
    done
    NAMES=("$@")
}

# build OUTPUT COMPILER FLAGS... -- INPUTS...: compile unless OUTPUT is newer than every input
# and was made by the same command (kept in OUTPUT.cmd). Errors go to OUTPUT.log.
build() {
    local out=$1 cc=$2; shift 2
    local flags=() inputs=() f
    while [ "$1" != -- ]; do flags+=("$1"); shift; done
    shift
    inputs=("$@")
    local cmd="$cc ${flags[*]} ${inputs[*]} -o $out"
    if [ -x "$out" ] && [ "$(cat "$out.cmd" 2>/dev/null)" = "$cmd" ]; then
        local fresh=1 deps=("$FUZZ"/*.h tools/fuzz.sh)
        for f in "${inputs[@]}"; do deps+=("$f" "$(dirname "$f")"/*.h); done
        for f in "${deps[@]}"; do
            if [ -e "$f" ] && [ "$f" -nt "$out" ]; then fresh=0; fi
        done
        if [ $fresh = 1 ]; then return 0; fi
    fi
    mkdir -p "$(dirname "$out")"
    rm -f "$out.cmd"
    if ! "$cc" "${flags[@]}" "${inputs[@]}" -o "$out" > "$out.log" 2>&1; then
        return 1
    fi
    echo "$cmd" > "$out.cmd"
}

# compile_args NAME: the -I flags, then --, then the sources of a target (one a line): for build.
compile_args() {
    local s srcs
    read -ra srcs <<< "${SOURCES[$1]}"
    echo "-I$FUZZ"
    for s in "${srcs[@]}"; do echo "-I$(dirname "$s")"; done | sort -u
    echo --
    echo "$FUZZ/$1.c"
    printf '%s\n' "${srcs[@]}"
}

# ---- regress ----------------------------------------------------------------------------------

regress() {
    select_targets "$@"
    command -v "$GCC" >/dev/null 2>&1 || die "$GCC is not installed: run make deps"
    local dir=$OUT/regress name failed=() pids=() i args
    mkdir -p "$dir"
    # Build every target at once: the driver stands in for libFuzzer.
    for name in "${NAMES[@]}"; do
        mapfile -t args < <(compile_args "$name")
        build "$dir/$name" "$GCC" "${CFLAGS[@]}" -fsanitize=address,undefined "${args[@]}" \
            "$FUZZ/driver.c" &
        pids+=($!)
    done
    for i in "${!NAMES[@]}"; do
        if ! wait "${pids[$i]}"; then
            say "regress: ${NAMES[$i]} does not build:" >&2
            sed 's/^/    /' "$dir/${NAMES[$i]}.log" | head -20 >&2
            failed+=("${NAMES[$i]}")
        fi
    done
    [ ${#failed[@]} = 0 ] || exit 1

    local total=0 log n
    for name in "${NAMES[@]}"; do
        log=$dir/$name.run.log
        if UBSAN_OPTIONS=print_stacktrace=1 "$dir/$name" -q "$FUZZ/seeds/$name" "$FUZZ/regress/$name" \
            > "$log" 2>&1; then
            n=$(sed -n 's/.*: \([0-9]*\) inputs, 0 failed$/\1/p' "$log")
            total=$((total + ${n:-0}))
        else
            failed+=("$name")
            say "regress: $name FAILED on:" >&2
            grep -E "^$name: |^    \| +(expected|but got):|^    \| .*(ERROR: |SUMMARY: |runtime error)" \
                "$log" | grep -v ' inputs, ' | sed -e "s/^$name: FAILED  /    /" -e "s/^$name: /    /" \
                -e 's/^    | */        /' | head -40 >&2 || true
            say "  full report: $log; replay one input: $dir/$name FILE" >&2
        fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
        say "regress: ${#failed[@]} of ${#NAMES[@]} targets failed (${failed[*]}): fix the parser in $TREE/" >&2
        exit 1
    fi
    say "regress: ${#NAMES[@]} target(s), $total inputs (seeds and regressions), all pass"
}

# ---- run --------------------------------------------------------------------------------------

need_libfuzzer() {
    command -v "$CLANG" >/dev/null 2>&1 ||
        die "$CLANG is not installed: install clang and libclang-rt-dev (apt-get install clang libclang-rt-dev), or run make deps"
    mkdir -p "$OUT"
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        > "$OUT/probe.c"
    "$CLANG" -fsanitize=fuzzer,address,undefined "$OUT/probe.c" -o "$OUT/probe" > "$OUT/probe.log" 2>&1 ||
        die "$CLANG cannot link libFuzzer (-fsanitize=fuzzer): install libclang-rt-dev (on Debian 12: libclang-rt-14-dev), or run make deps; see $OUT/probe.log"
}

# The figure after `key` in the last line of a libFuzzer log that has it ("cov: 81").
last_figure() {
    grep -oE "$1 [0-9]+" "$2" | tail -1 | grep -oE '[0-9]+$' || echo '-'
}
final_stat() {
    sed -n "s/^stat::$1: *//p" "$2" | tail -1 | grep . || echo '-'
}

# Copy the crash files of a target into regress/, unless an input there has the same bytes.
keep_crashes() {
    local name=$1 f g dup kept=()
    mkdir -p "$FUZZ/regress/$name"
    for f in "$OUT/crashes/$name"/*; do
        [ -f "$f" ] || continue
        dup=
        for g in "$FUZZ/regress/$name"/*; do
            [ -f "$g" ] && cmp -s "$f" "$g" && dup=$g && break
        done
        if [ -n "$dup" ]; then
            kept+=("$dup (already in regress/: the parser is not fixed yet)")
        else
            cp "$f" "$FUZZ/regress/$name/"
            kept+=("$FUZZ/regress/$name/$(basename "$f")")
        fi
    done
    printf '%s\n' "${kept[@]}"
}

run() {
    local seconds=${1:-}
    [[ $seconds =~ ^[1-9][0-9]*$ ]] || die "usage: tools/fuzz.sh run SECONDS [NAME...]"
    shift
    select_targets "$@"
    need_libfuzzer
    local name failed=() running args
    mkdir -p "$OUT/logs"
    for name in "${NAMES[@]}"; do
        mapfile -t args < <(compile_args "$name")
        build "$OUT/$name" "$CLANG" "${CFLAGS[@]}" -fsanitize=fuzzer,address,undefined "${args[@]}" || {
            say "$name does not build:" >&2
            sed 's/^/    /' "$OUT/$name.log" | head -20 >&2
            exit 1
        }
    done

    local rounds=$(( (${#NAMES[@]} + JOBS - 1) / JOBS ))
    say "${#NAMES[@]} target(s) on $TREE/, $seconds s each, $JOBS at a time: about $((rounds * seconds)) s"
    local pids=()
    trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; exit 130' INT TERM
    for name in "${NAMES[@]}"; do
        while running=$(jobs -rp | wc -l) && [ "$running" -ge "$JOBS" ]; do wait -n || true; done
        rm -rf "$OUT/crashes/$name"
        mkdir -p "$OUT/corpus/$name" "$OUT/crashes/$name" "$FUZZ/seeds/$name" "$FUZZ/regress/$name"
        local dict=()
        [ -f "$FUZZ/$name.dict" ] && dict=(-dict="$FUZZ/$name.dict")
        "$OUT/$name" -max_total_time="$seconds" -max_len=$MAX_LEN -timeout=10 -print_final_stats=1 \
            -artifact_prefix="$OUT/crashes/$name/" "${dict[@]}" \
            "$OUT/corpus/$name" "$FUZZ/seeds/$name" "$FUZZ/regress/$name" \
            > "$OUT/logs/$name.log" 2>&1 &
        pids+=($!)
    done
    wait || true
    trap - INT TERM

    local log runs rate crashes
    for name in "${NAMES[@]}"; do
        log=$OUT/logs/$name.log
        runs=$(final_stat number_of_executed_units "$log")
        rate=$(final_stat average_exec_per_sec "$log")
        crashes=$(find "$OUT/crashes/$name" -type f | wc -l)
        printf 'fuzz: %-22s %10s runs %8s/s   cov %4s   ft %5s   corpus %4s   crashes %s\n' \
            "$name" "$runs" "$rate" "$(last_figure 'cov:' "$log")" "$(last_figure 'ft:' "$log")" \
            "$(last_figure 'corp:' "$log")" "$crashes"
        if [ "$crashes" -gt 0 ]; then
            failed+=("$name")
            grep -m 4 -E '^  (expected|but got):|ERROR: (AddressSanitizer|libFuzzer)|runtime error' \
                "$log" | sed 's/^ */      /' || true
            keep_crashes "$name" | sed 's/^/      input: /'
        elif [ "$runs" = - ]; then
            failed+=("$name")
            say "  $name did not run: see $log" >&2
        fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
        say "${#failed[@]} target(s) failed: ${failed[*]}. Logs: $OUT/logs/. The inputs are in $FUZZ/regress/:" \
            "replay them with tools/fuzz.sh regress, fix the parser, and commit them with the fix." >&2
        exit 1
    fi
    say "no crashes; the corpora are in $OUT/corpus/"
}

# ---- main -------------------------------------------------------------------------------------

case ${1:-} in
    run) shift; run "$@" ;;
    regress) shift; regress "$@" ;;
    list)
        for name in "${NAMES[@]}"; do printf '%-22s %s\n' "$name" "${SOURCES[$name]}"; done ;;
    *) die "usage: tools/fuzz.sh run SECONDS [NAME...] | regress [NAME...] | list" ;;
esac
