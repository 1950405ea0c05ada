#!/usr/bin/env bash
# tools/attacks.sh - grade every hostile submission in tests/attacks/ and fail if one gets anything.
#
# usage: tools/attacks.sh [--modes "sandbox nosandbox gradescope"] [--jobs N] [--keep] [NAME...]
#        (SOCKLAB_ATTACK_MODES, SOCKLAB_ATTACK_JOBS, SOCKLAB_ATTACK_DEADLINE: the same from make)
#        (make attacks; make test runs it)
#
# tests/attacks/NAME/ holds one hostile submission: README.md, whose first line names the attack
# and what a correct grader must do, and files laid over the course as a student would submit
# them (lessons/NN-slug/FILE). A file the skeleton has gets the attack's text appended (the
# skeleton plus hostile code, so only the attack can score); any other file is added; and
# tests/attacks/attack.h, the attacks' shared helpers (the course root, grade's pid through
# /proc), goes beside them, as a header a student could submit (Gradescope's mode carries it).
#
# For each attack and each mode this script
#   1. makes a fresh copy of the course (the files git tracks, plus the grader and the test
#      programs already built here), and lays the attack over it;
#   2. builds and grades it as a student would (make grade), under an outer deadline, as a user
#      who owns nothing else: as root, a uid of its own (UID_BASE + n: no account is created;
#      setpriv drops every capability and group); as anyone else, as that user;
#   3. records the score (the scoreboard's Progress total, and build/report/results.json), the
#      processes left behind (of that uid, or carrying this run's tag in their environment),
#      the files changed in the copy outside build/ and new files in /tmp and /dev/shm, and
#      whether grading hung; then kills what was left and removes the copy.
# Modes:
#   sandbox     make grade as is (the test programs enter their sandbox where the kernel allows)
#   nosandbox   the same under build/tools/deny-userns (user namespaces denied: Ubuntu 24.04, Docker)
#   gradescope  (root only) the Gradescope package (make gradescope) set up by its setup.sh in a fake
#               /autograder tree (AUTOGRADER_ROOT), the attack as the submission, run_autograder run
#               as root in a PID and a network namespace with user namespaces denied, as in
#               Gradescope's container;
#               the score is the fake root's results/results.json, the files checked are its source/
# An attack fails if it scores a point, gives no report, leaves a process, changes a file outside the
# copy's build/ or leaves one in /tmp or /dev/shm, or grading outlives the deadline. Without the
# sandbox the course files and /tmp are the student's own, writable by their programs; in Gradescope
# mode /tmp is the container's, thrown away after the submission: there such files are shown, not
# failed (the autograder's own course must stay unchanged). One line per attack and
# mode: name, mode, score, processes left, files changed, seconds, verdict; then the plain line
# "attacks: N passed, M failed". Exit 0 when none failed, 1 otherwise, 2 usage. Interrupted (INT,
# TERM or HUP, to this script or to its process group) it ends the gradings running, kills what they
# left, removes their copies, says "attacks: interrupted" and exits 130.
#
# Safety: every attack's own code touches only the course tree it was built in, and kill(-1) only
# inside a PID namespace. This script adds an address-space ceiling (2 GiB, not under SAN=1) and,
# as root, a process ceiling per uid, so that an attack the grader does not stop cannot take a
# shared machine down; they are the runner's, not the grader's defences.
set -uo pipefail
export LC_ALL=C

# uids UID_BASE + 101... for this run: a block of 1000 of its own, so that two suites side by side never share one
UID_BASE=${SOCKLAB_ATTACK_UID_BASE:-$((3900000 + ($$ % 1000) * 1000))}
export SOCKLAB_ATTACK_UID_BASE=$UID_BASE
# Seconds for one attack's build and grading: a correct grader takes 15-150 s here, but make test
# runs the attacks at nice 19 beside its selftest, and beside another make test (CI beside make
# flake, 2 cores) the first six took 200-336 s; a hang still shows, later.
DEADLINE=${SOCKLAB_ATTACK_DEADLINE:-600}
MEM_KIB=$((2 * 1024 * 1024))                 # the runner's address-space ceiling
SRC=$(pwd)
# The copies live outside /tmp: as root, each run gets a /tmp of its own mounted over the real one.
WORKDIR=${SOCKLAB_ATTACK_DIR:-/var/tmp}
ATTACKS=$SRC/tests/attacks

die() { printf 'attacks: %s\n' "$*" >&2; exit 2; }
[ -f "$SRC/tools/attacks.sh" ] && [ -d "$ATTACKS" ] || die "run me from the course repository's root"

# ---- one attack in one mode (run by xargs: tools/attacks.sh --one MODE NAME N OUTDIR) ----------------

# The processes left: of uid $1 (when root), or with tag $2 in their environment. "pid comm" lines.
leftovers() {
    local uid=$1 tag=$2 p
    {
        [ "$(id -u)" = 0 ] && ps -u "$uid" -o pid=,comm= 2>/dev/null
        for p in $(grep -lsz "^SOCKLAB_ATTACK=$tag\$" /proc/[0-9]*/environ 2>/dev/null); do
            p=${p#/proc/}
            p=${p%/environ}
            [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] || echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
        done
    } | awk '{ $1 = $1 } NF' | sort -u -n
}

# Kill what leftovers lists, until nothing is left (SIGKILL also ends a stopped process).
kill_leftovers() {
    local i pids
    for i in $(seq 50); do
        pids=$(leftovers "$1" "$2" | awk '{ print $1 }')
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086 # a list of pids
        kill -KILL $pids 2>/dev/null
        sleep 0.1
    done
}

# Checksums of the files under $1, less build/, one "sum  path" line each.
sums() { (cd "$1" && find . -path ./build -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum); }

# The score in a scoreboard (the last Progress line) and in a results.json: the larger, or "-".
score_of() {
    local board=$1 json=$2 a b
    a=$(sed 's/\x1b\[[0-9;]*m//g' "$board" 2>/dev/null | grep -E '^Progress:' | tail -n 1 |
        grep -oE '[0-9]+/[0-9]+ points' | cut -d/ -f1)
    b=$(grep -oE '"score": *[0-9.]+' "$json" 2>/dev/null | head -n 1 | grep -oE '[0-9.]+$')
    if [ -z "$a$b" ]; then echo -; else printf '%s\n%s\n' "${a:-0}" "${b:-0}" | sort -g | tail -n 1; fi
}

# The lessons attack $1 is graded on: those its files are in, and those on a "grades:" line of its
# README (an attack on another lesson's tests names it there).
graded_lessons() {
    { (cd "$ATTACKS/$1" && find lessons -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sed 's|^lessons/||')
      sed -n 's/^grades: *//p' "$ATTACKS/$1/README.md" | tr ' ' '\n'; } | awk NF | sort -u | paste -sd' '
}

# Lay attack $1 over the course files in $2, taking the skeletons from $3; the attacks' shared
# helpers, tests/attacks/attack.h, go beside the attack's files in each folder that has some.
lay() {
    local f
    (cd "$1" && find . -type f ! -name README.md | sed 's|^\./||') | while IFS= read -r f; do
        mkdir -p "$(dirname "$2/$f")"
        if [ -f "$3/$f" ]; then cat "$3/$f" "$1/$f" > "$2/$f.new" && mv "$2/$f.new" "$2/$f"
        else cp "$1/$f" "$2/$f"; fi
        cp "$ATTACKS/attack.h" "$(dirname "$2/$f")/attack.h"
    done
}

# One result line, as the suite prints it.
result_line() { printf '%-16s %-10s %5s %5s %5s %7s  %s%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${8:+ ($8)}"; }

# The grading command "$@", run in the folder $1: in the background, so that a TERM or an INT
# (make test interrupted) reaches one_stopped at once rather than when grading ends; timeout
# leads a process group of its own, which a signal to ours does not reach.
GRADING=
grading() {
    local rc
    (cd "$1" && shift && exec "$@") &
    GRADING=$!
    wait "$GRADING"
    rc=$?
    GRADING=
    return "$rc"
}

# Interrupted: stop the grading (timeout passes the signal on to its group, and kills it 5 s
# later), kill what it left (uid $2, tag $3) and remove the copy $1, so that nothing outlives us.
one_stopped() {
    trap - TERM INT HUP
    if [ -n "$GRADING" ]; then kill -TERM "$GRADING" 2>/dev/null; wait "$GRADING" 2>/dev/null; fi
    kill_leftovers "$2" "$3"
    rm -rf "$1"
    exit 143
}

one() {
    local mode=$1 name=$2 n=$3 out=$4 root=0 uid tag work t0 t1 rc score procs files tmpf verdict why=()
    [ "$(id -u)" = 0 ] && root=1
    uid=$(( root ? UID_BASE + n : $(id -u) ))
    tag=$name.$mode.$$
    work=$(mktemp -d "$WORKDIR/socklab-attack.XXXXXX")
    trap 'one_stopped "$work" "$uid" "$tag"' TERM INT HUP
    chmod 0755 "$work"
    mkdir -p "$work/tmp" "$work/shm"
    chmod 1777 "$work/tmp" "$work/shm"
    touch "$work/.stamp"
    if [ "$root" = 1 ] && [ -n "$(ps -u "$uid" -o pid= 2>/dev/null)" ]; then
        result_line "$name" "$mode" - - - 0 FAIL "uid $uid already runs processes: set SOCKLAB_ATTACK_UID_BASE" | tee "$out/$name.$mode"
        rm -rf "$work"
        return
    fi
    t0=$(date +%s.%N)
    if [ "$mode" = gradescope ]; then
        gradescope_one "$name" "$work" "$tag"
    else
        local_one "$mode" "$name" "$work" "$tag" "$uid" "$root"
    fi
    rc=$(cat "$work/.rc")
    t1=$(date +%s.%N)
    sleep 0.5 # a daemon's chance to act after grading, as it would have
    { leftovers "$uid" "$tag"; cat "$work/.left" 2>/dev/null; } > "$work/.left-all"
    procs=$(wc -l < "$work/.left-all")
    awk '{ print $2 }' "$work/.left-all" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }' > "$work/.procs"
    kill_leftovers "$uid" "$tag"
    score=$(score_of "$work/.board" "$work/.json")
    files=$(diff "$work/.sums.before" <(sums "$work/.checked") 2>/dev/null | grep -c '^[<>]')
    # Files left in /tmp and /dev/shm: as root each run has its own (bind-mounted from $work/tmp
    # and $work/shm); otherwise the user's new ones, less the temporary files that the compiler
    # (cc??????.*) and Criterion (bxfi_*) of runs beside this one have open. Criterion's runner
    # socket is the grader's.
    if [ "$root" = 1 ]; then
        tmpf=$(cd "$work" && find tmp shm -mindepth 1 -maxdepth 1 ! -name 'criterion_*.sock' ! -name 'socklab-grade.*' | sed 's|^shm/|/dev/shm/|; s|^tmp/|/tmp/|' | sort)
    else
        tmpf=$(find /tmp /dev/shm -xdev -mindepth 1 -maxdepth 1 -user "$uid" -newer "$work/.stamp" \
            ! -name 'criterion_*.sock' ! -name 'bxfi_*' ! -name 'cc??????.*' ! -name 'socklab-attack*' 2>/dev/null | sort)
    fi
    verdict=ok
    case $rc in 124|137) verdict=FAIL; why+=("grading hung: killed at the ${DEADLINE} s deadline") ;; esac
    if [ "$score" != - ] && awk -v s="$score" 'BEGIN { exit !(s > 0) }'; then verdict=FAIL; why+=("scored $score"); fi
    if [ "$procs" -gt 0 ]; then verdict=FAIL; why+=("left running: $(cat "$work/.procs")"); fi
    if [ "$files" -gt 0 ]; then
        if [ "$mode" = nosandbox ]; then why+=("changed course files: the student's own, without a sandbox")
        else verdict=FAIL; why+=("changed files of the course"); fi
    fi
    if [ -n "$tmpf" ]; then
        case $mode in
            nosandbox) why+=("left files, the student's own, without a sandbox: $(echo $tmpf)") ;;
            gradescope) why+=("left files in the container, which is thrown away: $(echo $tmpf)") ;;
            *) verdict=FAIL; why+=("left files: $(echo $tmpf)") ;;
        esac
    fi
    if [ "$score" = - ]; then verdict=FAIL; why+=("no report: neither a scoreboard total nor a results.json (exit $rc)"); fi
    result_line "$name" "$mode" "$score" "$procs" "$files" "$(printf '%.0f' "$(echo "$t1 - $t0" | bc)")" "$verdict" \
        "$(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')" | tee "$out/$name.$mode"
    if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

# SENV: the environment a student's make runs with (HOME $1, tag $2): nothing of ours but the tag.
student_env() {
    SENV=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$1" LANG=C TERM=dumb SOCKLAB_ATTACK="$2")
    [ -z "${SOCKLAB_SLOW:-}" ] || SENV+=(SOCKLAB_SLOW="$SOCKLAB_SLOW")
    [ -z "${SAN:-}" ] || SENV+=(SAN="$SAN")
}

# Copy the course (tracked files, the built grader and tests), lay the attack, make grade.
local_one() {
    local mode=$1 name=$2 work=$3 tag=$4 uid=$5 root=$6 course=$3/course
    mkdir -p "$course/build" "$work/home"
    # as a student's repository has it: no solutions, no mutants of them
    (cd "$SRC" && git ls-files -z -- . ':!solutions' ':!tests/mutants' | tar --null -T - -cf -) | tar -xf - -C "$course"
    cp -a "$SRC/build/tools" "$SRC/build/tests" "$SRC/build/.cflags" "$course/build/"
    lay "$ATTACKS/$name" "$course" "$SRC"
    sums "$course" > "$work/.sums.before"
    ln -s course "$work/.checked"
    local drop=() deny=() limits="ulimit -v $MEM_KIB"
    [ -n "${SAN:-}" ] && limits=:
    if [ "$root" = 1 ]; then
        chown -R "$uid:$uid" "$course" "$work/home"
        # a /tmp and /dev/shm of this run's own, then the uid with no capability
        drop=(unshare --mount --propagation private sh -c 'mount --bind "$0/shm" /dev/shm && mount --bind "$0/tmp" /tmp && exec "$@"' "$work"
              setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all)
        limits+="; ulimit -u 2000"
    fi
    [ "$mode" = nosandbox ] && deny=("$course/build/tools/deny-userns")
    local sel
    sel=$(graded_lessons "$name")
    student_env "$work/home" "$tag"
    grading "$course" timeout -k 5 "$DEADLINE" "${drop[@]}" \
        "${SENV[@]}" "${deny[@]}" bash -c "$limits; exec make -s grade SEL='$sel'" \
        > "$work/.board" 2>&1 < /dev/null
    echo $? > "$work/.rc"
    ln -s course/build/report/results.json "$work/.json"
}

# The fake /autograder: a copy of the template, the attack as the submission, run_autograder as
# root in a PID and a network namespace (a container's own loopback, which run_autograder's
# grade --host-loopback hands to the tests) with user namespaces denied; the leftovers in that
# namespace are listed before it ends (its end kills them), so they count for uid-less root runs too.
gradescope_one() {
    local name=$1 work=$2 tag=$3 g=$2/ag
    cp -a "$GS_TEMPLATE" "$g"
    mkdir -p "$g/submission"
    lay "$ATTACKS/$name" "$g/submission" "$g/source/socklab"
    sums "$g/source" > "$work/.sums.before"
    ln -s ag/source "$work/.checked"
    # a copy of /etc/hosts bound over it, as Docker binds one into each container (run_autograder
    # puts the tests' names into it)
    cp /etc/hosts "$work/etc-hosts" && chmod go-w "$work/etc-hosts"
    local inner='ip link set lo up && mount --bind "$W/shm" /dev/shm && mount --bind "$W/tmp" /tmp && mount --bind "$W/etc-hosts" /etc/hosts || exit 125
        cd "$G" && "$G/run_autograder" > "$G/stdout" 2>&1; sleep 0.5
        for p in /proc/[0-9]*; do p=${p#/proc/}; [ "$p" = $$ ] && continue
            read -r c 2>/dev/null < /proc/$p/comm && echo "$p $c"; done > "$G/left"'
    student_env "$work" "$tag"
    grading . timeout -k 5 "$DEADLINE" "${SENV[@]}" G="$g" W="$work" AUTOGRADER_ROOT="$g" bash -c "ulimit -v $MEM_KIB; exec \"\$@\"" - \
        unshare --pid --fork --mount --mount-proc --net "$SRC/build/tools/deny-userns" bash -c "$inner" < /dev/null
    echo $? > "$work/.rc"
    ln -s ag/stdout "$work/.board"
    ln -s ag/results/results.json "$work/.json"
    cp "$g/left" "$work/.left" 2>/dev/null # what was left in the container, before its end killed it
}

if [ "${1:-}" = --one ]; then
    shift
    GS_TEMPLATE=${GS_TEMPLATE:-}
    one "$@"
    exit 0
fi

# ---- the whole suite -------------------------------------------------------------------------------------

MODES=${SOCKLAB_ATTACK_MODES:-sandbox nosandbox gradescope}
JOBS=${SOCKLAB_ATTACK_JOBS:-6}
NAMES=()
while [ $# -gt 0 ]; do
    case $1 in
        --modes) MODES=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --keep) export KEEP=1; shift ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        -*) die "unknown option $1 (usage: tools/attacks.sh [--modes M] [--jobs N] [--keep] [NAME...])" ;;
        *) NAMES+=("$1"); shift ;;
    esac
done
[ "${#NAMES[@]}" -gt 0 ] || mapfile -t NAMES < <(cd "$ATTACKS" && for d in */; do [ -f "$d/README.md" ] && echo "${d%/}"; done)
for n in "${NAMES[@]}"; do [ -f "$ATTACKS/$n/README.md" ] || die "no attack $n in tests/attacks/"; done
command -v git >/dev/null && git -C "$SRC" rev-parse >/dev/null 2>&1 || die "needs a git checkout (the copy is the files git tracks)"
for f in build/tools/grade build/tools/deny-userns; do [ -x "$f" ] || die "$f is not built (make attacks builds it)"; done

OUT=$(mktemp -d "${TMPDIR:-/tmp}/socklab-attacks.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
# Interrupted (INT, TERM, HUP): stop the attacks running, each of which ends its grading, kills what
# that left and removes its copy (one_stopped) within seconds; wait for them, then end.
RUNNING=
stop_all() {
    trap - INT TERM HUP
    local kids i
    [ -n "$RUNNING" ] && kids=$(pgrep -P "$RUNNING")
    # shellcheck disable=SC2086 # a list of pids
    kill -TERM ${kids:-} $RUNNING 2>/dev/null
    # shellcheck disable=SC2086
    for i in $(seq 300); do [ -n "${kids:-}" ] && kill -0 $kids 2>/dev/null || break; sleep 0.1; done
    echo "attacks: interrupted" >&2
    exit 130
}
trap stop_all INT TERM HUP
chmod 0755 "$OUT"
export SRC ATTACKS UID_BASE DEADLINE MEM_KIB KEEP WORKDIR
T0=$(date +%s)
result_line attack mode score procs files seconds verdict

for mode in $MODES; do
    if [ "$mode" = gradescope ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "attacks: gradescope mode skipped: Gradescope runs its autograder as root, and so must this (sudo make attacks)"
            continue
        fi
        # The package, set up once by its own setup.sh in a template of /autograder.
        GS_TEMPLATE=$OUT/gs-template
        mkdir -p "$GS_TEMPLATE/source" "$GS_TEMPLATE/results"
        # lessons 01 and 02 only: what the attacks aim at, and half the time
        if ! L="01 02" tools/gradescope.sh > "$OUT/gs-build.log" 2>&1; then
            cat "$OUT/gs-build.log" >&2; die "make gradescope failed"
        fi
        unzip -q build/gradescope/socklab-autograder-01-02.zip -d "$GS_TEMPLATE/source"
        cp "$GS_TEMPLATE/source/run_autograder" "$GS_TEMPLATE/run_autograder"
        # the grader and the tests already built here, so that setup.sh only checks them
        mkdir -p "$GS_TEMPLATE/source/socklab/build"
        cp -a build/tools build/tests build/.cflags "$GS_TEMPLATE/source/socklab/build/"
        if ! AUTOGRADER_ROOT=$GS_TEMPLATE SOCKLAB_SKIP_APT=1 bash "$GS_TEMPLATE/source/setup.sh" > "$OUT/gs-setup.log" 2>&1; then
            cat "$OUT/gs-setup.log" >&2; die "the Gradescope package's setup.sh failed"
        fi
        export GS_TEMPLATE
    fi
    if [ "$mode" = sandbox ] && [ "$(id -u)" != 0 ]; then :; fi
    i=0
    for n in "${NAMES[@]}"; do
        i=$((i + 1))
        m=$(( $(printf '%s\n' $MODES | grep -n "^$mode\$" | cut -d: -f1) * 100 + i ))
        echo "$mode $n $m $OUT"
    done | nice -n 5 xargs -P "$JOBS" -L 1 "$0" --one &
    RUNNING=$! # xargs, whose children are the attacks running; waited for so that a signal acts at once
    wait "$RUNNING"
    RUNNING=
done

pass=0 fail=0
for f in "$OUT"/*.*; do
    case $f in */gs-*) continue ;; esac
    if grep -q '  ok' "$f"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "attacks: $pass passed, $fail failed ($(( $(date +%s) - T0 )) s)"
[ "$fail" = 0 ]
