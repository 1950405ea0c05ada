#!/usr/bin/env bash
# setup.sh - socklab's Gradescope autograder: install what grading needs.
#
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu), with the zip unpacked in /autograder/source. It installs the
# compiler, Criterion and the real peers the tests talk to (the list comes
# from the course Makefile's DEPS_BUILD and DEPS_PEERS when the zip is made;
# not the book's tools), then builds the grader and the lessons' test
# programs once (by grading the skeletons, which also shows that every test
# runs), so that each submission only compiles its own lessons.
#
# AUTOGRADER_ROOT (default /autograder) moves the whole layout, for trying
# the autograder outside Gradescope; SOCKLAB_SKIP_APT=1 skips apt-get.
set -euo pipefail

ROOT=${AUTOGRADER_ROOT:-/autograder}
COURSE=$ROOT/source/socklab
PACKAGES="@PACKAGES@"

if [ "${SOCKLAB_SKIP_APT:-0}" != 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086 # a list of package names
    apt-get install -y -qq --no-install-recommends $PACKAGES
fi

# Build the grader and the test programs, and grade the skeletons once: a
# smoke test of the image (every test runs; a skeleton scores 0).
cd "$COURSE"
if ! make -s grade > build-setup.log 2>&1; then
    cat build-setup.log >&2
    echo "setup.sh: make grade failed on the skeletons: the autograder cannot grade" >&2
    exit 1
fi
grep -E '^Progress:|^Note:' build-setup.log || true
rm -rf build/lessons build/report build/compile build-setup.log
chmod -R go-w build && chmod -R a+rX build   # root's: the student's user may run the tests, not change them
echo "setup.sh: the grader and the tests of $(tr '\n' ' ' < lessons.txt)are built in $COURSE"
