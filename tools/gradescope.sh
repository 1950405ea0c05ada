#!/usr/bin/env bash
# tools/gradescope.sh: build socklab's Gradescope autograder (make gradescope).
#
# usage: tools/gradescope.sh         an autograder for every lesson that has tests
#        L=04 tools/gradescope.sh    one lesson's (make gradescope L=04; L="04 05" for several)
#
# Writes build/gradescope/socklab-autograder.zip (socklab-autograder-04.zip with L=04) laid out
# as Gradescope's autograder specification asks:
#   setup.sh         at the root: Gradescope runs it once, as root, to build the image (Ubuntu);
#                    it apt-gets the packages of make deps-list (DEPS_BUILD, tests/peers.txt) (not the book's
#                    tools) and builds the grader and the tests (tools/gradescope/setup.sh)
#   run_autograder   at the root: grades one submission into /autograder/results/results.json
#                    (tools/gradescope/run_autograder)
#   socklab/         the autograder's own course: Makefile, tests/ (not tests/mutants/), tools/
#                    (the grader's, with tools/grade/; not the book's nor the instructors'), lib/
#                    (the course library), the graded lessons' skeletons (.c, .h, lesson.mk) and
#                    those of the earlier lessons whose files they reuse (lesson.mk's
#                    ../NN-slug/FILE.c), and lessons.txt, the lessons it grades
# The zip is checked for solution text as the student repository is (tools/student-repo.sh).
#
# After writing the zip it grades the solutions and the skeletons with it, as Gradescope would (in
# a temporary folder laid out like /autograder, user namespaces denied as in Gradescope's
# containers; as root, with a copy of /etc/hosts bound over the real one, as Docker binds one into
# each container), and states the total a perfect submission gets there: the points to give the
# assignment. The solutions must score every point of it, the skeletons none. Run it as root: as
# anyone else, the tests that Gradescope runs with root's means are skipped and left out.
# Try it here on any submission:
#   tools/gradescope.sh --try [SUBMISSION_DIR]     (DENY=deny: user namespaces denied)
# unzips it into a temporary AUTOGRADER_ROOT, runs setup.sh (apt-get skipped unless
# SOCKLAB_SKIP_APT=0) and run_autograder on SUBMISSION_DIR (default: nothing, so the skeletons
# are graded), and prints results.json.
set -euo pipefail

OUT=build/gradescope
say() { printf 'gradescope: %s\n' "$*"; }
die() { printf 'gradescope: %s\n' "$*" >&2; exit 1; }

[ -f tools/gradescope.sh ] && [ -f Makefile ] && [ -d lessons ] || die "run me from the course repository's root"
command -v zip >/dev/null 2>&1 || die "zip is not installed (apt-get install zip)"

# The lessons that have a chapter folder and tests, or those L names.
lessons() {
    local d slug
    for d in lessons/[0-9][0-9]-*/; do
        [ -d "$d" ] || continue
        slug=$(basename "$d")
        [ -f "tests/$slug.c" ] || [ -d "tests/$slug" ] || continue
        if [ -n "${L:-}" ]; then
            local want ok=0
            for want in $L; do [ "$slug" = "$want" ] || [ "${slug%%-*}" = "$want" ] && ok=1; done
            [ "$ok" = 1 ] || continue
        fi
        echo "$slug"
    done
}


build() {
    local stage zip name slug f
    mapfile -t slugs < <(lessons)
    [ "${#slugs[@]}" -gt 0 ] || die "no lesson matches L=${L:-}: the lessons with tests are $(L='' lessons | tr '\n' ' ')"
    name=socklab-autograder
    [ -n "${L:-}" ] && name+="-$(printf '%s\n' "${slugs[@]}" | cut -d- -f1 | paste -sd-)"
    stage=$OUT/$name
    zip=$OUT/$name.zip
    rm -rf "$stage" "$zip"
    mkdir -p "$stage/socklab/lessons"

    local packages
    packages=$(env -u MAKEFLAGS -u MAKELEVEL make -s --no-print-directory deps-list)
    [ -n "${packages// /}" ] || die "make deps-list names no package: cannot say what setup.sh installs"
    sed "s|@PACKAGES@|$packages|" tools/gradescope/setup.sh > "$stage/setup.sh"
    cp tools/gradescope/run_autograder "$stage/run_autograder"
    chmod 0755 "$stage/setup.sh" "$stage/run_autograder"

    cp Makefile "$stage/socklab/"
    # tests/, less the mutants (patches against the solutions) and the fuzzers' corpora
    tar -cf - --exclude=tests/mutants --exclude=tests/mutation --exclude=tests/attacks --exclude=tests/fuzz --exclude='*.o' --exclude='*.d' tests |
        tar -C "$stage/socklab" -xf -
    # tools/: the grader's, not the book's nor the instructors'
    mkdir -p "$stage/socklab/tools"
    for f in tools/*; do
        [ -f "$f" ] || continue
        case ${f#tools/} in
            book*|student-repo.sh|gradescope.sh|fuzz.sh|mutate.c|attacks.sh|flake.sh) continue ;;
        esac
        cp -p "$f" "$stage/socklab/tools/"
    done
    cp -pr tools/grade "$stage/socklab/tools/"   # the grader's sources (tools/grade/*.c, grade.h)
    cp -pr tools/preload "$stage/socklab/tools/" # faultio.so, which the tests' .faults preload
    # lib/: the course library every lesson's program links (given, never graded)
    mkdir -p "$stage/socklab/lib"
    for f in lib/*.c lib/*.h; do [ -e "$f" ] && cp -p "$f" "$stage/socklab/lib/"; done
    # the graded lessons, and the earlier lessons whose files they reuse (../NN-slug/FILE.c in
    # their lesson.mk): those ship too, ungraded, and run_autograder takes the student's files of them
    shipped=($(for slug in "${slugs[@]}"; do
        echo "$slug"
        { grep -v '^[[:space:]]*#' lessons/"$slug"/lesson.mk | grep -oE '\.\./[0-9][0-9]-[A-Za-z0-9_-]+/' || true; } | cut -d/ -f2
    done | sort -u))
    for slug in "${shipped[@]}"; do
        [ -d lessons/"$slug" ] || die "a lesson.mk reuses lessons/$slug, which does not exist"
        mkdir -p "$stage/socklab/lessons/$slug"
        for f in lessons/"$slug"/*.c lessons/"$slug"/*.h lessons/"$slug"/lesson.mk; do
            [ -e "$f" ] && cp -p "$f" "$stage/socklab/lessons/$slug/"
        done
    done
    printf '%s\n' "${slugs[@]}" > "$stage/socklab/lessons.txt"

    tools/student-repo.sh --leaks "$stage/socklab" >/dev/null || die "the autograder would show solutions (see above): no zip written"

    (cd "$stage" && zip -q -r -X "../$name.zip" setup.sh run_autograder socklab)
    local pts desc=""
    for slug in "${slugs[@]}"; do
        pts=$(tr '\n' ' ' < <(cat tests/"$slug".c tests/"$slug"/*.c 2>/dev/null) |
              grep -oE '(^|[^A-Za-z0-9_])GRADED[[:space:]]*\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*,[[:space:]]*[0-9]+' |
              grep -oE '[0-9]+$' | awk '{ s += $1 } END { print s + 0 }')
        total=$((total + pts))
        desc+="${desc:+, }${slug%%-*} ($pts)"
    done
    say "wrote $zip ($(du -k "$zip" | cut -f1) KiB): grades $desc, $total points in all"
    ZIP=$zip
}

# A fresh autograder from the zip in a folder laid out like /autograder ($ROOT), set up.
unpack() {
    ROOT=$(mktemp -d "${TMPDIR:-/tmp}/socklab-autograder.XXXXXX")
    chmod 0755 "$ROOT"
    mkdir -p "$ROOT/source" "$ROOT/submission" "$ROOT/results"
    unzip -q "$ZIP" -d "$ROOT/source"
    cp "$ROOT/source/run_autograder" "$ROOT/run_autograder"
    AUTOGRADER_ROOT=$ROOT SOCKLAB_SKIP_APT=${SOCKLAB_SKIP_APT:-1} bash "$ROOT/source/setup.sh" > "$ROOT/setup.log" 2>&1 ||
        { cat "$ROOT/setup.log" >&2; die "setup.sh failed (above; the folder is $ROOT)"; }
}

# Grade submission dir $1 in $ROOT, as Gradescope would: $2 "deny" runs it with user
# namespaces denied (build/tools/deny-userns), as in a Docker container. As root, in a mount
# namespace of its own where /etc/hosts is a copy bound over the real one, as Docker binds one
# into each container: run_autograder puts the tests' names (tests/hosts.txt) into that copy,
# never into this machine's /etc/hosts; and in a network namespace of its own, whose loopback
# lesson 08's tests may use (run_autograder's grade --host-loopback), never this machine's.
grade_in() {
    local sub=$1 deny=${2:-}
    rm -rf "$ROOT/submission" "$ROOT/results"
    mkdir -p "$ROOT/submission" "$ROOT/results"
    [ -z "$sub" ] || cp -a "$sub/." "$ROOT/submission/"
    local pre=()
    if [ "$(id -u)" = 0 ]; then
        cp /etc/hosts "$ROOT/etc-hosts" && chmod go-w "$ROOT/etc-hosts"
        # and a network of its own, as each container has: grade --host-loopback uses its loopback
        pre=(unshare --mount --net --propagation private sh -c 'ip link set lo up && mount --bind "$0" /etc/hosts && exec "$@"' "$ROOT/etc-hosts")
    fi
    [ "$deny" = deny ] && pre+=("$PWD/build/tools/deny-userns")
    # Gradescope's environment has no L (ours selects what the zip holds, and would select again inside)
    (cd "$ROOT" && env -u L -u MAKEFLAGS -u MAKELEVEL AUTOGRADER_ROOT="$ROOT" "${pre[@]}" ./run_autograder) > "$ROOT/stdout" 2>&1 || true
}

json_num() { sed -n "s/^  \"$2\": \\([0-9]*\\),*\$/\\1/p" "$1" | sed -n 1p; }

# The solutions laid out as a student's repository, in a new folder (printed).
solutions_submission() {
    local d slug
    d=$(mktemp -d "${TMPDIR:-/tmp}/socklab-perfect.XXXXXX")
    for slug in "${shipped[@]}"; do
        mkdir -p "$d/lessons/$slug"
        cp solutions/"$slug"/*.c solutions/"$slug"/*.h "$d/lessons/$slug/" 2>/dev/null || true
    done
    echo "$d"
}

# What a perfect submission scores there: the solutions, graded by the zip's autograder with user
# namespaces denied (Gradescope's Docker containers deny them). Says the total, and fails unless
# the solutions score every point results.json counts.
measure() {
    [ -d solutions ] || { say "no solutions/ here: the total a perfect submission gets is not measured"; return 0; }
    make -s build/tools/deny-userns >/dev/null || die "cannot build build/tools/deny-userns"
    local sub score max skipped
    sub=$(solutions_submission)
    unpack
    grade_in "$sub" deny
    rm -rf "$sub"
    [ -s "$ROOT/results/results.json" ] || die "the autograder wrote no results.json for the solutions (see $ROOT/stdout)"
    score=$(json_num "$ROOT/results/results.json" score)
    max=$(json_num "$ROOT/results/results.json" max_score)
    skipped=$(grep -c '"name": "\[skipped here\]' "$ROOT/results/results.json" || true)
    [ "$skipped" = 0 ] && skipped=
    [ -n "$score" ] && [ "$score" = "$max" ] ||
        die "the solutions score $score/$max in the autograder (see $ROOT/results/results.json)"
    # and the skeletons (an empty submission) nothing
    local skel
    grade_in "" deny
    skel=$(json_num "$ROOT/results/results.json" score)
    [ "$skel" = 0 ] || die "the skeletons score ${skel:-nothing} in the autograder, not 0 (see $ROOT/results/results.json)"
    say "a perfect submission scores $max points there (measured: the solutions $score/$max, the skeletons $skel/$max, user namespaces denied as in Gradescope's containers${skipped:+; $skipped test(s) cannot run there and are left out}); the course's tests add up to $total"
    say "on Gradescope: a Programming Assignment worth $max points; Configure Autograder, base image Ubuntu (24.04 if offered), upload the zip"
    rm -rf "$ROOT"
}

try() {
    local sub=${1:-}
    build
    unpack
    say "try: AUTOGRADER_ROOT=$ROOT"
    grade_in "$sub" "${DENY:-}"
    python3 -m json.tool "$ROOT/results/results.json" 2>/dev/null || cat "$ROOT/results/results.json"
    say "try: the run's output is in $ROOT/stdout; remove $ROOT when done"
}

slugs=()
shipped=()
total=0
case ${1:-} in
    '') build; measure ;;
    --try) shift; try "${1:-}" ;;
    *) echo "usage: tools/gradescope.sh [--try [SUBMISSION_DIR]]   (L=NN for one lesson)" >&2; exit 2 ;;
esac
