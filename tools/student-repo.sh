#!/usr/bin/env bash
# tools/student-repo.sh: write the repository students get, and check it.
#
# usage: tools/student-repo.sh DIR        write it into DIR (make student-repo DIR=...)
#        tools/student-repo.sh --check    write one into a temporary folder and check it (make test)
#        tools/student-repo.sh --leaks D  only the leak check below, on the folder D (tools/gradescope.sh)
#
# DIR must be new, empty (a fresh clone of an empty repository, holding only .git, is fine) or
# an earlier student repository written by this script (it has a .socklab-student file): then
# its files are replaced and its git history kept. Anything else is refused.
#
# What the students get, from this working tree (tracked files and new ones git does not ignore):
#   lessons/ (chapters and skeletons), lib/ (the course library: given helpers, never graded),
#   tests/ without tests/mutants/ (mutants are patches
#   against the solutions), book/, diagrams/, tools/ without the instructors' tools (this
#   script, gradescope.sh, gradescope/, classroom/), Makefile, .clang-format, .gitignore,
#   .devcontainer/; and, written here: README.md for students (tools/classroom/README.md with
#   the lesson list and "How grading works" of the course README), the GitHub Classroom
#   workflow .github/workflows/classroom.yml (tools/classroom/classroom.yml with one grader
#   step per lesson, worth the sum of its tests' points), and .socklab-student (where it came
#   from). Then `git init` and one commit, where git is installed.
#
# Before anything is written, the copy is checked for leaks, and nothing is written if it has
# one: a solutions/ folder, a mutant or a .patch, a solution marker line (BEGIN/END SOLUTION),
# the marker words outside the tools that implement them, or a line of a solution region
# (solutions/*/*.[ch] between the markers; the same lines tools/book.sh looks for in the book),
# less the idioms listed in tools/classroom/allow-lines.txt (and book/allow-lines.txt).
#
# --check writes one into a temporary folder and checks it as a student would meet it: the
# files it must have and must not have; the leak check again, and on a copy with a solution
# file, a mutant and solutions/ planted in it (it must see them); one commit, nothing left
# uncommitted; the dev container's JSON and the workflow's YAML (a grader step per lesson
# worth its total, the reporter's inputs; where python3 can); writing again into it updates
# it, and a non-empty folder is refused; `make` builds it; its `make help` lists no target that
# needs solutions/; `make grade L=NN` (and `make grade` in the lesson's folder) on the first
# lesson's skeleton scores 0 and writes build/report/results.json with that lesson's total;
# `make test` there points at `make grade` (a note instead while the Makefile still runs the
# instructors' proof there). Then it removes the folder. Each problem is one line
# "student-repo: FAIL ..."; the exit status is 1 if there was any. About 10 s.
set -euo pipefail

STAMP=.socklab-student
SHIP=(lessons lib tests book diagrams tools Makefile .clang-format .gitignore .devcontainer)
# Never shipped: solution text, or instructors' tools that need the solutions (fuzz targets link them).
DROP_RE='^(tests/mutants/|tests/mutation/|tests/attacks/|tools/attacks\.sh$|tools/flake\.sh$|tools/mutate\.c$|tests/fuzz/|tools/fuzz\.sh$|tools/student-repo\.sh$|tools/gradescope\.sh$|tools/gradescope/|tools/classroom/)|\.patch$|(^|/)solutions/'
# Files that name the markers because they implement them: only a marker line is a leak there.
MARKER_TOOLS_RE='^(Makefile|tools/skelgen\.c|tools/book\.sh|tools/solution-lines\.awk)$'
MARKER_LINE_RE='^[[:space:]]*(/\*|//|#)?[[:space:]]*(BEGIN|END) SOLUTION[[:space:]]*(\*/)?[[:space:]]*$'

say()  { printf 'student-repo: %s\n' "$*"; }
die()  { printf 'student-repo: %s\n' "$*" >&2; exit 1; }
FAILED=0
fail() { printf 'student-repo: FAIL %s\n' "$*" >&2; FAILED=1; }

[ -f tools/student-repo.sh ] && [ -f Makefile ] && [ -d lessons ] || die "run me from the course repository's root"
ROOT=$(pwd -P)

# ---- what goes in ------------------------------------------------------------------------------

# The course files to ship, one path a line.
course_files() {
    local list
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        list=$(git -C "$ROOT" ls-files -co --exclude-standard -- "${SHIP[@]}")
    else
        list=$(find "${SHIP[@]}" -type f -not -path 'build/*' 2>/dev/null)
    fi
    local f
    while IFS= read -r f; do
        [ -n "$f" ] && [ -f "$f" ] && [ ! -L "$f" ] && printf '%s\n' "$f"
    done <<<"$list" | grep -Ev "$DROP_RE" | sort
}

# The lessons that have a chapter folder and tests: NN-slug, one a line.
lessons() {
    local d slug
    for d in lessons/[0-9][0-9]-*/; do
        [ -d "$d" ] || continue
        slug=$(basename "$d")
        if [ -f "tests/$slug.c" ] || [ -d "tests/$slug" ]; then echo "$slug"; fi
    done
}

# A lesson's total: the points of its GRADED(name, POINTS, ...) tests.
lesson_points() {
    local slug=$1 files=()
    [ -f "tests/$slug.c" ] && files+=("tests/$slug.c")
    [ -d "tests/$slug" ] && while IFS= read -r f; do files+=("$f"); done < <(find "tests/$slug" -name '*.c' | sort)
    cat "${files[@]}" | tr '\n' ' ' |
        grep -oE '(^|[^A-Za-z0-9_])GRADED[[:space:]]*\([[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*,[[:space:]]*[0-9]+' |
        grep -oE '[0-9]+$' | awk '{ s += $1 } END { print s + 0 }'
}

# One section of the course README, without its heading: "## TITLE" up to the next "## ".
readme_section() {
    awk -v want="## $1" '
        /^## / { on = ($0 == want); started = 0; next }
        on && (started || $0 != "") { started = 1; print }' README.md | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# README.md for students: the template with the course README's lesson list and grading notes.
write_readme() {
    local out=$1 lessons_md grading_md
    lessons_md=$(printf '## The lessons\n\n%s\n' "$(readme_section 'The lessons')")
    grading_md=$(printf '## How grading works\n\n%s\n' "$(readme_section 'How grading works')")
    awk -v l="$lessons_md" -v g="$grading_md" '
        $0 == "<!-- @LESSONS@ -->" { print l; next }
        $0 == "<!-- @GRADING@ -->" { print g; next }
        { print }' tools/classroom/README.md > "$out"
}

# .github/workflows/classroom.yml: one grader step per lesson, and the reporter's inputs.
write_workflow() {
    local out=$1 slug nn pts steps="" env="" runners=""
    while IFS= read -r slug; do
        nn=${slug%%-*}
        pts=$(lesson_points "$slug")
        steps+="      - name: \"Lesson $slug ($pts points, each test its own)\""$'\n'
        steps+="        id: lesson$nn"$'\n'
        steps+="        if: always()"$'\n'
        steps+="        timeout-minutes: 10"$'\n'
        steps+="        run: make grade L=$nn CLASSROOM_OUT=\"\$GITHUB_OUTPUT\""$'\n'
        env+="          LESSON${nn}_RESULTS: \"\${{ steps.lesson$nn.outputs.result }}\""$'\n'
        runners+="${runners:+,}lesson$nn"
    done < <(lessons)
    [ -n "$runners" ] || die "no lesson has tests: nothing to grade"
    awk -v steps="${steps%$'\n'}" -v env="${env%$'\n'}" -v runners="$runners" '
        /^ *# @LESSON-STEPS@$/ { print steps; next }
        /^ *# @RESULTS-ENV@$/  { print env; next }
        { gsub(/@RUNNERS@/, runners); print }' tools/classroom/classroom.yml > "$out"
}

# tests/README.md is the teaching assistants' guide: its section on mutants does not apply.
write_tests_readme() {
    awk '/^## / { skip = ($0 ~ /^## Mutants/) } !skip' tests/README.md > "$1"
}

course_version() {
    local v
    v=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || { echo "an unknown version (not a git checkout)"; return; }
    [ -z "$(git -C "$ROOT" status --porcelain -- "${SHIP[@]}" README.md 2>/dev/null)" ] || v="$v with uncommitted changes"
    echo "commit $v"
}

# Copy what ships into the empty folder $1, and write the generated files.
stage() {
    local st=$1 f n=0
    while IFS= read -r f; do
        mkdir -p "$st/$(dirname "$f")"
        cp -p "$f" "$st/$f"
        n=$((n + 1))
    done < <(course_files)
    [ -f tests/README.md ] && write_tests_readme "$st/tests/README.md"
    write_readme "$st/README.md"
    mkdir -p "$st/.github/workflows"
    write_workflow "$st/.github/workflows/classroom.yml"
    {
        echo "This repository was written by socklab's 'make student-repo' from $(course_version),"
        echo "on $(date -u +%Y-%m-%d). make student-repo may replace its files with a newer version."
    } > "$st/$STAMP"
    STAGED_FILES=$((n + 4))
}

# ---- leaks ---------------------------------------------------------------------------------------

# One line per non-trivial line of a solution region, much as tools/book.sh finds them:
# stripped, spaces squeezed, 20+ characters, not a comment, not also found outside the regions
# (boilerplate the skeletons show too), and with a call in it (book.sh takes any "(": here
# `if (family == AF_INET6) {` and casts, which any code about sockets writes, are left out).
# "FILE<TAB>LINE".
solution_lines() {
    local files=() f
    for f in solutions/*/*.c solutions/*/*.h; do [ -e "$f" ] && files+=("$f"); done
    [ "${#files[@]}" -gt 0 ] || return 0
    for f in lessons/*/*.c lessons/*/*.h; do [ -e "$f" ] && files+=("$f"); done
    awk -v calls_only=1 -f tools/solution-lines.awk "${files[@]}" | sort
}

# Check the tree $1 for anything that shows a solution; one FAIL line per problem.
leak_check() {
    local dir=$1 f hits
    if [ -e "$dir/solutions" ]; then fail "$dir has a solutions/ folder"; fi
    if [ -e "$dir/tests/mutants" ]; then fail "$dir has tests/mutants/ (patches against the solutions)"; fi
    while IFS= read -r f; do
        fail "a patch (mutants are diffs of the solutions): ${f#"$dir"/}"
    done < <(find "$dir" -path "$dir/.git" -prune -o -path "$dir/build" -prune -o -type f -name '*.patch' -print)
    # the marker words: a marker line anywhere, the words at all outside the marker tools
    while IFS= read -r f; do
        local rel=${f#"$dir"/}
        if grep -nE "$MARKER_LINE_RE" "$f" >/dev/null; then
            fail "a solution marker line in $rel:$(grep -nE "$MARKER_LINE_RE" "$f" | head -n 1 | cut -d: -f1)"
        elif ! [[ $rel =~ $MARKER_TOOLS_RE ]]; then
            fail "the solution marker words in $rel:$(grep -nE 'BEGIN SOLUTION|END SOLUTION' "$f" | head -n 1 | cut -d: -f1)"
        fi
    done < <(grep -rlE 'BEGIN SOLUTION|END SOLUTION' --exclude-dir=.git --exclude-dir=build "$dir" 2>/dev/null || true)
    # the lines of the solution regions
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/student-leaks.XXXXXX")
    solution_lines > "$work/lines.tsv"
    local allow
    for allow in tools/classroom/allow-lines.txt book/allow-lines.txt; do
        [ -f "$allow" ] || continue
        awk -F'\t' 'NR == FNR { if ($0 ~ /^#/ || $0 ~ /^[ \t]*$/) next
                                gsub(/[ \t]+/, " "); sub(/^ /, ""); sub(/ $/, ""); ok[$0] = 1; next }
                    !($2 in ok)' "$allow" "$work/lines.tsv" > "$work/lines.tmp"
        mv "$work/lines.tmp" "$work/lines.tsv"
    done
    if [ -s "$work/lines.tsv" ]; then
        cut -f2- "$work/lines.tsv" > "$work/lines.txt"
        (cd "$dir" && find . -path ./.git -prune -o -path ./build -prune -o -type f -print0 |
            xargs -0 -r grep -IH '' 2>/dev/null) |
            sed 's/[[:space:]]\+/ /g' > "$work/text.txt" || true
        if grep -F -f "$work/lines.txt" "$work/text.txt" > "$work/hits.txt"; then
            awk -F'\t' 'NR == FNR { line[NR] = $2; file[NR] = $1; n = NR; next }
                { where = $0; sub(/:.*/, "", where); sub(/^\.\//, "", where)
                  for (i = 1; i <= n; i++) if (index($0, line[i]) && !seen[where SUBSEP i]++)
                      printf "%s shows a line of %s: %s\n", where, file[i], line[i] }' \
                "$work/lines.tsv" "$work/hits.txt" > "$work/report.txt"
            while IFS= read -r hits; do fail "solution text: $hits"; done < "$work/report.txt"
        fi
    fi
    SOLUTION_LINES=$(wc -l < "$work/lines.tsv")
    rm -rf "$work"
}

# ---- writing -----------------------------------------------------------------------------------

# Is $1 a folder we may write into? Prints "new", "empty" or "earlier"; dies otherwise.
target_kind() {
    local dir=$1
    if [ ! -e "$dir" ]; then echo new; return; fi
    [ -d "$dir" ] || die "$dir exists and is not a folder"
    local real
    real=$(cd "$dir" && pwd -P)
    case "$ROOT/" in "$real"/*) die "$dir is the course repository or a folder above it: choose a new or empty folder" ;; esac
    if [ -z "$(find "$dir" -mindepth 1 -maxdepth 1 ! -name .git -print -quit)" ]; then echo empty; return; fi
    [ -f "$dir/$STAMP" ] && { echo earlier; return; }
    die "$dir is not empty and is not an earlier student repository (it has no $STAMP file): choose a new or empty folder"
}

git_commit() {
    local dir=$1 kind=$2
    command -v git >/dev/null 2>&1 || { say "git is not installed: $dir is not a git repository yet"; return 0; }
    if [ ! -d "$dir/.git" ]; then
        git -C "$dir" init -q -b main 2>/dev/null || { git -C "$dir" init -q && git -C "$dir" symbolic-ref HEAD refs/heads/main; }
    fi
    local who=()
    git -C "$dir" config user.name >/dev/null 2>&1 || who+=(-c user.name=socklab)
    git -C "$dir" config user.email >/dev/null 2>&1 || who+=(-c user.email=socklab@localhost)
    git -C "$dir" add -A
    if git -C "$dir" diff --cached --quiet 2>/dev/null && git -C "$dir" rev-parse -q --verify HEAD >/dev/null; then
        say "no change since the last commit in $dir"
        return 0
    fi
    local msg
    msg="socklab for students, from the course's $(course_version)"
    [ "$kind" = earlier ] && msg="Update socklab, from the course's $(course_version)"
    git -C "$dir" "${who[@]}" -c commit.gpgsign=false commit -q -m "$msg"
    say "committed in $dir: $(git -C "$dir" log -1 --format='%h %s')"
}

# Write the students' repository into $1. Sets WRITTEN_LESSONS.
write_repo() {
    local dir=$1 kind st
    kind=$(target_kind "$dir")
    STAGE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/student-stage.XXXXXX")
    trap 'rm -rf "$STAGE_TMP"' EXIT
    st=$STAGE_TMP/repo        # made under the umask: cp -a gives DIR its mode
    mkdir "$st"
    stage "$st"
    leak_check "$st"
    if [ "$FAILED" -ne 0 ]; then
        die "nothing written to $dir: the copy shows solutions (see above)"
    fi
    mkdir -p "$dir"
    if [ "$kind" = earlier ]; then
        find "$dir" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
        say "$dir is an earlier student repository: its files are replaced, its git history kept"
    fi
    cp -a "$st/." "$dir/"
    rm -rf "$STAGE_TMP"
    WRITTEN_LESSONS=()
    local slug total=0 desc=""
    while IFS= read -r slug; do
        WRITTEN_LESSONS+=("$slug")
        local p
        p=$(lesson_points "$slug")
        total=$((total + p))
        desc+="${desc:+, }${slug%%-*} ($p)"
    done < <(lessons)
    say "wrote $dir: $STAGED_FILES files, no solutions ($SOLUTION_LINES solution lines checked); lessons and points: $desc, $total in all"
    git_commit "$dir" "$kind"
}

# ---- --check -------------------------------------------------------------------------------------

# Run a command in the student repository with a clean make environment; output to $2.
in_repo() {
    local repo=$1 log=$2; shift 2
    (cd "$repo" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u L -u DIR -u STRICT -u SAN -u V "$@") > "$log" 2>&1
}

check_files() {
    local repo=$1 f slug
    for f in README.md Makefile .gitignore .clang-format .github/workflows/classroom.yml \
             .devcontainer/devcontainer.json tests/harness/proc.c tests/harness.h tools/grade/main.c lib/cli.h lib/cli.c "$STAMP"; do
        [ -f "$repo/$f" ] || fail "the student repository has no $f"
    done
    for f in solutions tests/mutants tools/student-repo.sh tools/gradescope.sh tools/gradescope tools/classroom; do
        if [ -e "$repo/$f" ]; then fail "the student repository has $f"; fi
    done
    while IFS= read -r slug; do
        [ -f "$repo/lessons/$slug/README.md" ] || fail "the student repository has no chapter lessons/$slug/README.md"
    done < <(lessons)
    if grep -nE 'solutions/' "$repo/README.md" "$repo/tests/README.md" > /dev/null 2>&1; then
        fail "a README of the student repository points at solutions/: $(grep -nE 'solutions/' "$repo/README.md" "$repo/tests/README.md" | head -n 1)"
    fi
    if grep -q '@LESSONS@\|@GRADING@' "$repo/README.md"; then fail "README.md still has a template placeholder"; fi
    grep -q '^## The lessons' "$repo/README.md" || fail "README.md has no lesson list"
}

# The workflow parses, and grades each lesson for its total.
check_workflow() {
    local wf=$1
    if grep -q '@LESSON-STEPS@\|@RESULTS-ENV@\|@RUNNERS@' "$wf"; then fail "classroom.yml still has a template placeholder"; fi
    command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null || {
        say "note: python3 with yaml is not installed: classroom.yml not parsed"; return 0; }
    local want="" slug
    while IFS= read -r slug; do want+="${slug%%-*}=$(lesson_points "$slug") "; done < <(lessons)
    local out
    out=$(python3 - "$wf" "$want" <<'EOF'
import sys, yaml
wf, want = sys.argv[1], dict(x.split("=") for x in sys.argv[2].split())
try:
    doc = yaml.safe_load(open(wf))
except yaml.YAMLError as e:
    print("classroom.yml is not valid YAML: %s" % str(e).replace("\n", " ")); sys.exit()
job = doc["jobs"]["run-autograding-tests"]
steps = job["steps"]
graders = {s["id"]: s for s in steps if str(s.get("id", "")).startswith("lesson")}
reporter = [s for s in steps if "autograding-grading-reporter" in str(s.get("uses", ""))]
if doc.get("name") != "Autograding Tests":
    print("the workflow is not named 'Autograding Tests' (the reporter looks for that check run)")
if "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" not in " ".join(str(s.get("run", "")) for s in steps):
    print("the workflow does not allow user namespaces before grading")
for nn, pts in want.items():
    s = graders.get("lesson" + nn)
    if not s:
        print("no grader step for lesson %s" % nn); continue
    if s.get("run") != 'make grade L=%s CLASSROOM_OUT="$GITHUB_OUTPUT"' % nn:
        print("lesson %s's step runs %r" % (nn, s.get("run")))
    if s.get("if") != "always()":
        print("lesson %s's step does not run when an earlier one failed" % nn)
if job.get("name") != "Autograding Tests":
    print("the grading job is not named 'Autograding Tests': the reporter looks for the check run of that name")
if len(reporter) != 1:
    print("%d reporter steps" % len(reporter))
elif reporter[0].get("if") != "always()":
    print("the reporter does not run when a lesson's step failed")
else:
    runners = reporter[0]["with"]["runners"].split(",")
    env = reporter[0].get("env") or {}
    if sorted(runners) != sorted(graders):
        print("the reporter's runners %s are not the grader steps %s" % (runners, sorted(graders)))
    for r in runners:
        if env.get(r.upper() + "_RESULTS") != "${{ steps.%s.outputs.result }}" % r:
            print("the reporter has no %s_RESULTS for step %s" % (r.upper(), r))
EOF
)
    while IFS= read -r line; do if [ -n "$line" ]; then fail "$line"; fi; done <<<"$out"
}

# The first field named key in a results.json (score, max_score).
json_number() {
    sed -n "s/^  \"$2\": \\([0-9.]*\\),\$/\\1/p" "$1" | sed -n 1p
}

# The leak check must see a leak, or it proves nothing: plant one of each kind in a copy.
check_canary() {
    local repo=$1 canary=$2 sol lesson n
    sol=$(find solutions -name '*.c' -type f | sort | sed -n 1p)
    [ -n "$sol" ] || { say "note: no solution file to plant in the canary"; return 0; }
    lesson=$(basename "$(dirname "$sol")")
    mkdir -p "$canary"
    cp -a "$repo/lessons" "$canary/"
    cp "$sol" "$canary/lessons/$lesson/planted.c"              # solution lines and marker lines
    mkdir -p "$canary/tests/mutants/$lesson"                    # a mutant
    printf 'a bug\n--- a/x.c\n+++ b/x.c\n' > "$canary/tests/mutants/$lesson/bug.patch"
    mkdir -p "$canary/solutions"                                # a solutions/ folder
    n=$( (FAILED=0; leak_check "$canary") 2>&1 | grep -c '^student-repo: FAIL' || true)
    if [ "$n" -lt 4 ]; then
        fail "the leak check misses leaks: $n problems found in a copy with a solution file, a mutant and solutions/ planted in it"
    fi
    rm -rf "$canary"
}

check() {
    local t0=$SECONDS t times="" tmp repo log first pts
    CHECK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/socklab-student-check.XXXXXX")
    trap 'rm -rf "$CHECK_TMP"' EXIT
    tmp=$CHECK_TMP
    repo=$tmp/repo
    log=$tmp/log
    # 1. write it (the leak check runs before anything is written)
    t=$SECONDS
    if ! "$BASH" "$0" "$repo" > "$log" 2>&1; then
        grep '^student-repo: FAIL' "$log" >&2 || true
        fail "could not write a student repository: $(grep -v '^student-repo: FAIL' "$log" | tail -n 1)"
        exit 1
    fi
    times+="write $((SECONDS - t))s"
    check_files "$repo"
    leak_check "$repo"
    check_canary "$repo" "$tmp/canary"
    if command -v git >/dev/null 2>&1; then
        [ "$(git -C "$repo" rev-list --count HEAD 2>/dev/null)" = 1 ] || fail "the student repository does not have exactly one commit"
        [ -z "$(git -C "$repo" status --porcelain)" ] || fail "the student repository has uncommitted files after writing: $(git -C "$repo" status --porcelain | head -n 3 | tr '\n' ' ')"
        if git -C "$repo" ls-files | grep -E '^solutions/|^tests/mutants/|\.patch$' >/dev/null; then fail "the student repository's commit holds solutions or mutants"; fi
    fi
    if command -v python3 >/dev/null 2>&1; then
        python3 -m json.tool "$repo/.devcontainer/devcontainer.json" > /dev/null 2>"$tmp/json.err" ||
            fail ".devcontainer/devcontainer.json is not valid JSON: $(head -n 1 "$tmp/json.err")"
    fi
    check_workflow "$repo/.github/workflows/classroom.yml"
    # a second run into the same folder: an earlier student repository is updated, not refused
    "$BASH" "$0" "$repo" > "$log" 2>&1 || fail "writing again into an earlier student repository failed: $(tail -n 1 "$log")"
    mkdir -p "$tmp/other" && touch "$tmp/other/notes.txt"
    if "$BASH" "$0" "$tmp/other" > "$log" 2>&1; then
        fail "a non-empty folder that is not a student repository was not refused"
    elif ! grep -q 'not an earlier student repository' "$log"; then
        fail "refusing a non-empty folder does not say why: $(tail -n 1 "$log")"
    fi

    # 2. it builds
    t=$SECONDS
    if ! in_repo "$repo" "$log" make -s -j2; then
        fail "the student repository does not build (make): $(grep -m 1 -iE 'error|\*\*\*' "$log" || tail -n 1 "$log")"
    fi
    times+=", make $((SECONDS - t))s"

    # its make help lists only what students can run; make works in a lesson's folder
    if in_repo "$repo" "$log" make -s help; then
        local target
        for target in test solutions skeletons check-skeletons student-repo gradescope fuzz flake mutation format; do
            if grep -qE "^  $target( |$)" "$log"; then
                fail "make help in the student repository lists $target, which needs solutions/ or instructors' tools"
            fi
        done
        grep -qE '^  grade ' "$log" || fail "make help in the student repository does not list grade"
    else
        fail "make help failed in the student repository: $(tail -n 1 "$log")"
    fi

    # 3. the first lesson's skeleton grades to 0 points, with a report
    local all
    mapfile -t all < <(lessons)
    first=${all[0]}
    pts=$(lesson_points "$first")
    t=$SECONDS
    rm -f "$repo/build/report/results.json"
    if ! in_repo "$repo" "$log" make grade L="${first%%-*}"; then
        fail "make grade L=${first%%-*} failed in the student repository: $(tail -n 1 "$log")"
    elif [ ! -f "$repo/build/report/results.json" ]; then
        fail "make grade L=${first%%-*} wrote no build/report/results.json"
    else
        local score max
        score=$(json_number "$repo/build/report/results.json" score)
        max=$(json_number "$repo/build/report/results.json" max_score)
        [ "$score" = 0 ] || fail "the skeleton of $first scores $score points in the student repository; it should score 0"
        [ "$max" = "$pts" ] || fail "results.json gives $first $max points; its tests add up to $pts (the Classroom workflow uses that)"
        grep -q "Progress: 0 of 1 lesson complete, 0/$pts points" "$log" || fail "make grade L=${first%%-*} did not end with 'Progress: 0 of 1 lesson complete, 0/$pts points'"
    fi
    times+=", grade L=${first%%-*} $((SECONDS - t))s"
    if ! in_repo "$repo/lessons/$first" "$log" make -n grade || ! grep -q -- "$first" "$log"; then
        fail "make grade in lessons/$first/ does not grade that lesson: $(tail -n 1 "$log")"
    fi

    # 4. make test there: it cannot prove the course without the solutions, and should say so
    if in_repo "$repo" "$log" make -n test && grep -q -- '--selftest' "$log"; then
        say "note: make test in the student repository still runs the instructors' proof, which needs solutions/ (a Makefile change is pending)"
    else
        in_repo "$repo" "$log" timeout 60 make test || true
        grep -q 'make grade' "$log" || fail "make test in the student repository does not point at make grade: $(head -n 1 "$log")"
    fi

    if [ "$FAILED" -ne 0 ]; then
        die "check FAILED in $((SECONDS - t0))s ($times)"
    fi
    say "check passed in $((SECONDS - t0))s ($times): no solutions, no markers, no mutants, no solution lines ($SOLUTION_LINES checked); it builds; the skeleton of $first scores 0/$pts"
}

case ${1:-} in
    --check) check ;;
    --leaks)
        [ -d "${2:-}" ] || { echo "usage: tools/student-repo.sh --leaks DIR" >&2; exit 2; }
        leak_check "$2"
        [ "$FAILED" -eq 0 ] || exit 1
        say "no solutions, markers, mutants or solution lines in $2 ($SOLUTION_LINES solution lines checked)"
        ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
    ''|-*) echo "usage: tools/student-repo.sh DIR | --check" >&2; exit 2 ;;
    *)
        [ -d solutions ] || die "there is no solutions/ here: this is not the course repository (it may be a student repository already)"
        write_repo "$1"
        say "next: push it to an empty GitHub repository and make that the template of a GitHub Classroom assignment"
        ;;
esac
