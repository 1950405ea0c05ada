#!/usr/bin/env bash
# watch.sh LESSON - regrade one lesson every time one of its files is saved.
# usage: tools/watch.sh 03-bind-and-ports   (make watch L=03 calls this)
#
# It waits with inotifywait (inotify-tools) where it is installed, and
# otherwise looks at the files' modification times once a second. When the
# lesson does not compile, its first compiler error (from the log that
# `make grade` writes, build/compile/LESSON.log) is the last thing on the
# screen. WATCH_POLL=1 looks at modification times even with inotifywait
# (inotify misses saves on some shared folders: WSL2's /mnt/c, a VM's or a
# container's mounts). WATCH_ONCE=1 grades once and returns (for testing).
set -u
lesson=${1:?usage: tools/watch.sh LESSON}
dir=lessons/$lesson
[ -d "$dir" ] || { echo "watch: no lesson directory $dir" >&2; exit 2; }
trap 'echo; exit 0' INT TERM

# The folders whose saving regrades: the lesson's own, and each earlier
# lesson's that its lesson.mk links a file from (lesson 03 builds with
# ../02-addresses/addr.c: editing that file changes lesson 03's grade too).
dirs=("$dir")
linked=$(sed -n 's/^[A-Za-z0-9_]*_SOURCES[ :]*=//p' "$dir/lesson.mk" 2>/dev/null | tr -s ' \t' '\n' | grep / | sort -u)
for f in $linked; do
    d=$(realpath -m --relative-to=. "$dir/${f%/*}")
    [ -d "$d" ] && [[ " ${dirs[*]} " != *" $d "* ]] && dirs+=("$d")
done

# The files whose saving regrades: sources, headers, the lesson's lesson.mk
# (not an editor's swap or backup files).
watched() {
    case $1 in *.c | *.h | lesson.mk) return 0 ;; *) return 1 ;; esac
}

# The first error in the compiler output $1 (gcc/clang or the linker), with
# the lines that show where; at most 12 lines.
first_error() {
    awk '
        !found && /In function|In file included/ { ctx = $0; next }
        !found && /(^|: )(fatal )?error: |undefined reference|multiple definition/ {
            found = 1
            if (ctx != "") print ctx
        }
        found {
            if (n > 0 && /^[^ ]+:[0-9]+(:[0-9]+)?: / && !/: note: /) exit
            print
            if (++n >= 12) exit
        }
        !found && !/^[^ ]+:[0-9]+(:[0-9]+)?: / { ctx = "" }' "$1"
}

# Grade the lesson; then, if it did not compile, show why, last.
grade() {
    local log
    printf 'watch: lesson %s, regraded when you save a file in %s (Ctrl-C stops)\n\n' "${lesson%%-*}" "${dirs[*]/%//}"
    make --no-print-directory grade L="${lesson%%-*}"
    for log in "build/compile/$lesson.log" "build/.compile-$lesson.log"; do
        [ -s "$log" ] || continue
        printf '\n\033[1mLesson %s does not compile.\033[0m The first error (all of them: %s):\n\n' "$lesson" "$log"
        first_error "$log" | sed 's/^/    /'
        [ -n "$(first_error "$log")" ] || sed -n '1,12s/^/    /p' "$log"
        break
    done
}

# A listing that changes when a watched file is saved.
snapshot() {
    local d f
    for d in "${dirs[@]}"; do
        for f in "$d"/*; do
            [ -f "$f" ] && watched "${f##*/}" && stat -c '%n %y %s' "$f"
        done
    done
}

# Return when a watched file of the lesson was saved.
wait_for_save() {
    if [ -z "${note:-}" ]; then
        local name
        while name=$(inotifywait -q -e close_write -e moved_to -e create --format '%f' "${dirs[@]}"); do
            watched "$name" && return 0
        done
        return 1
    fi
    local before now
    before=$(snapshot)
    while sleep 1; do
        now=$(snapshot)
        [ "$now" = "$before" ] || return 0
    done
}

note=
if [ "${WATCH_POLL:-0}" = 1 ]; then
    note="watch: looking for changes once a second (WATCH_POLL=1)"
elif ! command -v inotifywait >/dev/null; then
    note="watch: inotifywait is not installed (make deps installs it): looking for changes once a second"
fi
while :; do
    clear 2>/dev/null || true
    [ -z "$note" ] || echo "$note"
    grade
    [ "${WATCH_ONCE:-0}" = 1 ] && exit 0
    wait_for_save || exit 1
done
