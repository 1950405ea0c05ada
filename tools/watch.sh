#!/usr/bin/env bash
# watch.sh LESSON - regrade one lesson every time one of its files is saved.
# usage: tools/watch.sh 04-tcp-server   (make watch L=04 calls this)
set -u
lesson=${1:?usage: tools/watch.sh LESSON}
dir=lessons/$lesson
[ -d "$dir" ] || { echo "watch: no lesson directory $dir" >&2; exit 2; }
command -v inotifywait >/dev/null || { echo "watch: inotifywait is missing: run 'make deps' (inotify-tools)" >&2; exit 1; }
while :; do
  clear 2>/dev/null || true
  make --no-print-directory grade L="${lesson%%-*}"
  echo
  echo "watching $dir/ - save a file to regrade, Ctrl-C to stop"
  inotifywait -qq -e close_write -e moved_to -e create "$dir" || exit 1
done
