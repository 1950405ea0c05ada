#!/usr/bin/env bash
# tools/book.sh: build the socklab book, and check it as a reader would.
#
# usage: tools/book.sh build   (make book)
#        tools/book.sh check   (make book-check: builds, then checks)
#        tools/book.sh figures (only draws diagrams/*.dot into book/figures/, as make book does)
#        tools/book.sh check-figures (only checks that book/figures/ is up to date, as check does)
#        tools/book.sh clean
#
# build  renders diagrams/*.dot with graphviz (SVG for the HTML, PNG for EPUB and PDF), then
#        assembles book/*.md (front and back matter) and every lessons/NN-slug/README.md with
#        pandoc and tools/book-filter.lua into build/book/:
#          index.html + one page per chapter   open build/book/index.html
#          socklab.epub
#          socklab.pdf                         when a LaTeX engine (xelatex) is installed
#        It also brings book/figures/NAME.svg (committed: what GitHub and an editor's preview
#        show, linked from the chapters as ../../book/figures/NAME.svg) up to date.
# check  builds (leaving book/figures/ alone), then fails when: a committed figure is missing or
#        stale (not what graphviz draws from its diagrams/NAME.dot today); a link or image in the HTML does not resolve; a line of a
#        solution region (solutions/*/*.[ch], between BEGIN SOLUTION and END SOLUTION) appears
#        in the HTML or the EPUB; epubcheck rejects the EPUB; headless Chromium, opening every
#        page, sees a missing resource or a console error. It writes screenshots (laptop and
#        phone) of the title page, the first chapter and a page with a diagram to
#        build/book/screenshots/.
#
# Runs from the repository root and needs no network. Environment:
#   BOOK_LESSONS    folder holding the chapters NN-slug/README.md (default: lessons)
#   BOOK_SOLUTIONS  folder holding the solutions (default: solutions)
#   BOOK_OUT        output folder (default: build/book)
#   BOOK_PDF        auto (default): PDF when xelatex is installed; 0: never; 1: required
#   BOOK_JOBS       pandoc runs in parallel (default: number of cores)
set -euo pipefail

OUT=${BOOK_OUT:-build/book}
LESSONS=${BOOK_LESSONS:-lessons}
SOLUTIONS=${BOOK_SOLUTIONS:-solutions}
BOOK_PDF=${BOOK_PDF:-auto}
JOBS=${BOOK_JOBS:-$(nproc 2>/dev/null || echo 2)}
WORK=$OUT/.work
FILTER=tools/book-filter.lua
PDF_ENGINE=xelatex

# The diagrams in the order a reader meets them; any other diagrams/*.dot follow by name.
DIAGRAM_ORDER=(tcpip-layers socket-lifecycle fd-table tcp-handshake tcp-states event-loops voice-pipeline rtp-header)
# One look for every diagram: the files set shapes and colours, never the font.
DOT_STYLE=(-Gfontname=Helvetica -Nfontname=Helvetica -Efontname=Helvetica
           -Gfontsize=11 -Nfontsize=11 -Efontsize=10 -Gbgcolor=white -Gpad=0.2)

say()  { printf 'book: %s\n' "$*"; }
die()  { printf 'book: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: run make deps"; }
yq()   { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }   # a YAML single-quoted string

[ -f tools/book.sh ] && [ -d book ] || die "run me from the repository root"
case $OUT in ''|/|.|..) die "BOOK_OUT=$OUT is not a place to build into" ;; esac

# ------------------------------------------------------------------------------------------------
# build

# The committed figures: book/figures/NAME.svg, drawn from diagrams/NAME.dot, so that GitHub, the
# student repository and an editor's Markdown preview show them (chapters link
# ../../book/figures/NAME.svg). Graphviz is deterministic: the same source and the same graphviz
# give the same bytes. Each figure's second line records a hash of its source and style, so that a
# check on another graphviz version can still tell a stale figure from a differently drawn one.
FIGURES=book/figures

figure_stamp() {  # diagrams/NAME.dot: the line book/figures/NAME.svg carries
    local hash
    hash=$( { printf '%s\n' "${DOT_STYLE[*]}"; cat "$1"; } | sha256sum | cut -c1-16)
    printf '<!-- socklab figure: drawn from %s by tools/book.sh (do not edit; run make book); source %s -->' "$1" "$hash"
}

render_diagrams() {
    mkdir -p "$OUT/diagrams" "$WORK/png"
    local f name n=0
    for f in diagrams/*.dot; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .dot)
        dot "${DOT_STYLE[@]}" -Tsvg "$f" -o "$WORK/dot.svg" 2>"$WORK/dot.err" ||
            { cat "$WORK/dot.err" >&2; die "graphviz failed on $f"; }
        # the stamp goes after the XML declaration
        { head -n 1 "$WORK/dot.svg"; figure_stamp "$f"; echo; tail -n +2 "$WORK/dot.svg"; } > "$OUT/diagrams/$name.svg"
        dot "${DOT_STYLE[@]}" -Gdpi=192 -Tpng "$f" -o "$WORK/png/$name.png" 2>"$WORK/dot.err" ||
            { cat "$WORK/dot.err" >&2; die "graphviz failed on $f"; }
        if [ -s "$WORK/dot.err" ]; then sed "s|^|book: $f: |" "$WORK/dot.err" >&2; fi
        n=$((n + 1))
    done
    say "diagrams: $n rendered (SVG and PNG)"
}

# make book: bring book/figures/ up to date with what was just drawn.
update_figures() {
    mkdir -p "$FIGURES"
    local f name changed=()
    for f in "$OUT"/diagrams/*.svg; do
        [ -e "$f" ] || continue
        name=$(basename "$f")
        cmp -s "$f" "$FIGURES/$name" && continue
        cp "$f" "$FIGURES/$name"
        changed+=("$FIGURES/$name")
    done
    for f in "$FIGURES"/*.svg; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .svg)
        [ -f "diagrams/$name.dot" ] || { rm -f "$f"; changed+=("$f (removed: no diagrams/$name.dot)"); }
    done
    if [ "${#changed[@]}" -gt 0 ]; then
        say "figures: updated ${changed[*]}: commit them"
    else
        say "figures: $FIGURES/ is up to date"
    fi
}

# A figure a chapter shows must be legible where most students read it: on GitHub on a phone.
# GitHub scales an image down to its column, about PHONE_COLUMN px wide on a 390 px screen (the
# page's and the README box's margins), so a label drawn at S points in a figure W points wide
# shows at S * PHONE_COLUMN / W px. Fail when a chapter's figure has a label under PHONE_MIN_PX:
# split it or make it narrower (diagrams/README.md says how). Tapping it opens it full size.
PHONE_COLUMN=326
PHONE_MIN_PX=8
check_phone_legibility() {
    local svg name rc=0 line
    for svg in $(grep -oh 'book/figures/[A-Za-z0-9_.-]*\.svg)\]' lessons/*/README.md 2>/dev/null |
                 sed 's/)\]$//' | sort -u); do
        # only the images (![..](src)) count: a link may open a bigger picture on purpose
        [ -f "$svg" ] || continue
        line=$(awk -v col="$PHONE_COLUMN" -v min="$PHONE_MIN_PX" '
            !w && match($0, /<svg width="[0-9.]+pt"/) { w = substr($0, RSTART + 12, RLENGTH - 15) + 0 }
            { s = $0
              while (match(s, /font-size="[0-9.]+"/)) {
                  f = substr(s, RSTART + 11, RLENGTH - 12) + 0
                  if (!small || f < small) small = f
                  s = substr(s, RSTART + RLENGTH) } }
            END { if (!w || !small) { print "ok"; exit }
                  px = small * col / w
                  printf "%s %.1f %.0f %.1f\n", (px < min ? "small" : "ok"), px, w, small }' "$svg")
        case $line in
            small*) set -- $line
                fail "$svg: its smallest label is $2 px on a phone (${3} pt wide, ${4} pt text, shown $PHONE_COLUMN px wide on GitHub); the goal is $PHONE_MIN_PX px: split it or make it narrower"
                rc=1 ;;
        esac
    done
    return $rc
}

# make book-check: fail when a committed figure is missing or stale.
check_figures() {
    local f name fresh here old other_ver="" bad=0 n=0 other=0
    here=$(dot -V 2>&1 | sed -n 's/.*version \([^ ]*\).*/\1/p')
    for f in diagrams/*.dot; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .dot)
        fresh=$OUT/diagrams/$name.svg
        n=$((n + 1))
        if [ ! -f "$FIGURES/$name.svg" ]; then
            fail "$FIGURES/$name.svg is missing: run make book (it draws $f) and commit it"; bad=1; continue
        fi
        cmp -s "$fresh" "$FIGURES/$name.svg" && continue
        old=$(sed -n 's/.*Generated by graphviz version \([^ ]*\).*/\1/p' "$FIGURES/$name.svg" | head -n 1)
        if [ "$old" != "$here" ] && [ "$(sed -n 2p "$FIGURES/$name.svg")" = "$(figure_stamp "$f")" ]; then
            other=$((other + 1)); other_ver=$old   # another graphviz, the same source: not stale
            continue
        fi
        fail "$FIGURES/$name.svg is stale: $f (or the style in tools/book.sh) changed since it was drawn; run make book and commit $FIGURES/"
        bad=1
    done
    for f in "$FIGURES"/*.svg; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .svg)
        [ -f "diagrams/$name.dot" ] || { fail "$f has no diagrams/$name.dot: remove it"; bad=1; }
    done
    check_phone_legibility || bad=1
    [ "$bad" -eq 0 ] || return 0
    if [ "$other" -gt 0 ]; then
        say "check: figures: $n in $FIGURES/ match their sources ($other drawn by graphviz $other_ver, here $here: compared by source hash)"
    else
        say "check: figures: $n in $FIGURES/ are byte for byte what graphviz $here draws"
    fi
}

# diagrams/*.dot in reading order
diagram_names() {
    local name f
    for name in "${DIAGRAM_ORDER[@]}"; do [ -f "diagrams/$name.dot" ] && echo "$name"; done
    for f in diagrams/*.dot; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .dot)
        [[ " ${DIAGRAM_ORDER[*]} " == *" $name "* ]] || echo "$name"
    done
}

# The metadata the filter reads: the parts in reading order, the diagrams, the plots.
write_parts() {
    local f slug cap title
    {
        echo "book-parts:"
        for f in book/how-to-use.md book/setting-up.md book/grading.md; do
            echo "  - {id: $(basename "$f" .md), src: $(yq "$f"), kind: front}"
        done
        for f in "$LESSONS"/[0-9][0-9]-*/README.md; do
            [ -e "$f" ] || continue
            slug=$(basename "$(dirname "$f")")
            echo "  - {id: $slug, src: $(yq "$f"), kind: lesson, number: '$((10#${slug%%-*}))'}"
        done
        for f in book/measurements.md book/diagrams.md; do
            echo "  - {id: $(basename "$f" .md), src: $(yq "$f"), kind: back}"
        done
        echo "book-diagrams:"
        while read -r slug; do
            cap=$(sed -n 's|^[[:space:]]*//[[:space:]]*caption:[[:space:]]*||p' "diagrams/$slug.dot" | head -n 1)
            title=$(sed -n 's|^[[:space:]]*//[[:space:]]*title:[[:space:]]*||p' "diagrams/$slug.dot" | head -n 1)
            echo "  - {name: $slug, title: $(yq "$title"), caption: $(yq "$cap")}"
        done < <(diagram_names)
        echo "book-plots:"
        for f in build/bench/*.png build/bench/*.svg; do
            [ -e "$f" ] && echo "  - $(yq "$f")"
        done
        echo "date: $(yq "$(date -u +%Y-%m-%d)")"
    } > "$WORK/parts.yaml"
}

copy_assets() {
    cp book/book.css "$OUT/book.css"
    local f d slug
    if compgen -G 'build/bench/*.png' >/dev/null || compgen -G 'build/bench/*.svg' >/dev/null; then
        mkdir -p "$OUT/bench"
        for f in build/bench/*.png build/bench/*.svg; do [ -e "$f" ] && cp "$f" "$OUT/bench/"; done
    fi
    # a chapter's own pictures (lessons/NN-slug/*.png ...) go to media/NN-slug/
    for d in "$LESSONS"/[0-9][0-9]-*/; do
        [ -d "$d" ] || continue
        slug=$(basename "$d")
        for f in "$d"*.png "$d"*.svg "$d"*.jpg "$d"*.jpeg "$d"*.gif; do
            [ -e "$f" ] || continue
            mkdir -p "$OUT/media/$slug"
            cp "$f" "$OUT/media/$slug/"
        done
    done
}

# pandoc with what every output shares; warnings go to the build log
pandoc_book() {
    pandoc --from=gfm --metadata-file=book/metadata.yaml --metadata-file="$WORK/parts.yaml" \
        --lua-filter="$FILTER" "$@"
}

html_page() {  # id src
    pandoc_book "$2" --to=html5 --standalone --wrap=none --template=book/template.html \
        --toc --toc-depth=2 -M book-mode=page -M book-part="$1" \
        ${HAVE_PDF:+-M book-pdf=true} -o "$OUT/$1.html" 2>"$WORK/log/$1.log"
}

build_html() {
    mkdir -p "$WORK/log"
    local ids=() srcs=() line id src i running=0
    while IFS=$'\t' read -r id src; do ids+=("$id"); srcs+=("$src"); done < <(
        sed -n 's/^  - {id: \([^,]*\), src: '"'"'\(.*\)'"'"', kind:.*/\1\t\2/p' "$WORK/parts.yaml")
    local pids=()
    for i in "${!ids[@]}"; do
        html_page "${ids[$i]}" "${srcs[$i]}" &
        pids+=($!)
        running=$((running + 1))
        if [ "$running" -ge "$JOBS" ]; then wait "${pids[0]}" || die "pandoc failed on ${srcs[0]}: see $WORK/log/"; pids=("${pids[@]:1}"); running=$((running - 1)); fi
    done
    for i in "${pids[@]}"; do wait "$i" || die "pandoc failed: see $WORK/log/"; done
    pandoc_book book/index.md --to=html5 --standalone --wrap=none --template=book/template.html \
        -M book-mode=index ${HAVE_PDF:+-M book-pdf=true} -o "$OUT/index.html" 2>"$WORK/log/index.log"
    cat "$WORK"/log/*.log | sort -u >> "$WORK/build.log"
    say "html: $OUT/index.html and ${#ids[@]} pages, $((${#ids[@]} - 5)) of them lessons"
}

build_epub() {
    pandoc_book book/index.md --to=epub3 --toc --toc-depth=2 --epub-chapter-level=1 \
        --css=book/epub.css --highlight-style=tango -M book-mode=single -M book-png="$WORK/png" \
        -o "$OUT/socklab.epub" 2>>"$WORK/build.log"
    say "epub: $OUT/socklab.epub"
}

build_pdf() {
    pandoc_book book/index.md --to=latex --pdf-engine="$PDF_ENGINE" --toc --toc-depth=1 \
        --top-level-division=chapter --highlight-style=tango --resource-path=.:"$WORK/png" \
        --include-in-header=book/pdf-header.tex \
        -V documentclass=report -V classoption=oneside -V papersize=a4 -V geometry:margin=25mm \
        -V fontsize=11pt -V mainfont="DejaVu Serif" -V sansfont="DejaVu Sans" \
        -V monofont="DejaVu Sans Mono" -V monofontoptions=Scale=0.85 -V colorlinks=true \
        -M book-mode=single -M book-png="$WORK/png" \
        -o "$OUT/socklab.pdf" 2>>"$WORK/build.log" || die "the PDF failed: see $WORK/build.log"
    say "pdf: $OUT/socklab.pdf"
}

build() {
    need pandoc; need dot
    local t0=$SECONDS
    rm -rf "$OUT"
    mkdir -p "$OUT" "$WORK"
    : > "$WORK/build.log"
    HAVE_PDF=
    case $BOOK_PDF in
        0) ;;
        1) need "$PDF_ENGINE"; HAVE_PDF=1 ;;
        *) command -v "$PDF_ENGINE" >/dev/null 2>&1 && HAVE_PDF=1 ;;
    esac
    render_diagrams
    if [ "${BOOK_UPDATE_FIGURES:-1}" = 1 ]; then update_figures; fi
    write_parts
    copy_assets
    build_html
    build_epub
    if [ -n "$HAVE_PDF" ]; then
        build_pdf
    else
        if [ "$BOOK_PDF" = 0 ]; then say "pdf: skipped (BOOK_PDF=0)"
        else say "pdf: skipped, no LaTeX engine ($PDF_ENGINE): run make deps-pdf, then make book"; fi
    fi
    # warnings: the filter's own (links that go nowhere ...) and pandoc's
    if grep -q . "$WORK/build.log"; then
        grep -v '^\s*$' "$WORK/build.log" | sort -u | sed 's/^/book: /; s/^book: book: /book: /' >&2
    fi
    say "built in $((SECONDS - t0))s: open $OUT/index.html"
}

# ------------------------------------------------------------------------------------------------
# check

FAILED=0
fail() { printf 'book-check: FAIL %s\n' "$*" >&2; FAILED=1; }

# Every href and src in the HTML names a file that exists, and an id that exists in it.
check_links() {
    local out
    out=$(cd "$OUT" && awk '
        FNR == 1 { files[FILENAME] = 1 }
        {
            line = $0
            while (match(line, / id="[^"]*"/)) {
                ids[FILENAME SUBSEP substr(line, RSTART + 5, RLENGTH - 6)] = 1
                line = substr(line, RSTART + RLENGTH)
            }
            line = $0
            while (match(line, /(href|src)="[^"]*"/)) {
                ref = substr(line, RSTART, RLENGTH)
                sub(/^(href|src)="/, "", ref); sub(/"$/, "", ref)
                refs[++n] = FILENAME "\t" ref
                line = substr(line, RSTART + RLENGTH)
            }
        }
        END {
            for (i = 1; i <= n; i++) {
                split(refs[i], a, "\t"); from = a[1]; ref = a[2]
                if (ref ~ /^[a-z][a-z0-9+.-]*:/) continue            # https:, mailto:
                path = ref; frag = ""
                if (index(ref, "#")) { path = substr(ref, 1, index(ref, "#") - 1); frag = substr(ref, index(ref, "#") + 1) }
                if (path == "") path = from
                if (!(path in files)) {
                    if ((getline junk < path) < 0) { print from ": " ref ": no such file"; continue }
                    close(path)
                }
                if (frag != "" && path ~ /\.html$/ && !((path SUBSEP frag) in ids))
                    print from ": " ref ": no id \"" frag "\" in " path
            }
            print "LINKS " n
        }' *.html)
    local n
    n=$(sed -n 's/^LINKS //p' <<<"$out")
    if grep -qv '^LINKS ' <<<"$out"; then
        grep -v '^LINKS ' <<<"$out" | sed 's/^/book-check: FAIL broken link: /' >&2
        FAILED=1
    else
        say "check: links and images: $n in the HTML, all resolve"
    fi
}

# One line per non-trivial line of a solution region: stripped, spaces squeezed, 20+ characters,
# with a call or a test in it (a "(": bare declarations and initializers say little), not a
# comment, and not also found outside the regions (boilerplate the skeleton shows too).
solution_lines() {
    local files=() f
    for f in "$SOLUTIONS"/*/*.c "$SOLUTIONS"/*/*.h; do [ -e "$f" ] && files+=("$f"); done
    [ "${#files[@]}" -gt 0 ] || return 0
    local lesson_files=()
    for f in "$LESSONS"/*/*.c "$LESSONS"/*/*.h; do [ -e "$f" ] && lesson_files+=("$f"); done
    awk -v calls_only=0 -f tools/solution-lines.awk "${files[@]}" ${lesson_files[@]+"${lesson_files[@]}"} | sort
}

check_solutions() {
    solution_lines > "$WORK/solution-lines.tsv"
    if [ -f book/allow-lines.txt ]; then   # lines a chapter may show although a solution has them
        awk -F'\t' 'NR == FNR { gsub(/[ \t]+/, " "); sub(/^ /, ""); sub(/ $/, ""); allow[$0] = 1; next }
                    !($2 in allow)' book/allow-lines.txt "$WORK/solution-lines.tsv" > "$WORK/solution-lines.tmp"
        mv "$WORK/solution-lines.tmp" "$WORK/solution-lines.tsv"
    fi
    cut -f2- "$WORK/solution-lines.tsv" > "$WORK/solution-lines.txt"
    local n f
    n=$(wc -l < "$WORK/solution-lines.txt")
    : > "$WORK/book-text.txt"
    for f in "$OUT"/*.html; do
        pandoc -f html -t plain --wrap=none "$f" | sed "s|^|$(basename "$f"): |" >> "$WORK/book-text.txt"
    done
    pandoc -f epub -t plain --wrap=none "$OUT/socklab.epub" | sed 's|^|socklab.epub: |' >> "$WORK/book-text.txt"
    sed -i 's/[[:space:]]\+/ /g' "$WORK/book-text.txt"
    if [ "$n" -eq 0 ]; then
        say "check: solutions: no solution regions found in $SOLUTIONS/ (nothing to leak yet)"
        return
    fi
    if grep -F -f "$WORK/solution-lines.txt" "$WORK/book-text.txt" > "$WORK/solution-hits.txt"; then
        fail "solution text in the book (a chapter must explain, not print the solution):"
        # which solution line, from which file, on which page
        awk -F'\t' 'NR == FNR { line[NR] = $2; file[NR] = $1; n = NR; next }
            { page = $0; sub(/: .*/, "", page)
              for (i = 1; i <= n; i++) if (index($0, line[i]) && !seen[page SUBSEP i]++)
                  printf "book-check:     %s shows, from %s: %s\n", page, file[i], line[i] }' \
            "$WORK/solution-lines.tsv" "$WORK/solution-hits.txt" | grep -v '^book-check:     socklab.epub' | head -n 30 >&2
        echo "book-check:   (show the idea with other names, or, for a line every program needs, add it to book/allow-lines.txt)" >&2
    else
        say "check: solutions: none of $n solution lines appears in the HTML or the EPUB"
    fi
}

# Debian's /usr/bin/epubcheck is the jar itself, which runs only where binfmt_misc knows jars.
epubcheck_run() {
    local bin jar
    bin=$(command -v epubcheck || true)
    jar=${bin:+$(readlink -f "$bin")}
    [ -n "$jar" ] || jar=/usr/share/java/epubcheck.jar
    [ -e "$jar" ] || die "epubcheck is not installed: run make deps"
    case $jar in
        *.jar) need java; java -jar "$jar" "$@" ;;
        *)     "$jar" "$@" ;;
    esac
}

check_epub() {
    if epubcheck_run -q "$OUT/socklab.epub" > "$WORK/epubcheck.log" 2>&1; then
        say "check: epubcheck: no errors or warnings"
    else
        fail "epubcheck rejects $OUT/socklab.epub:"
        grep -E '^(ERROR|FATAL|WARNING)' "$WORK/epubcheck.log" | head -n 20 | sed 's/^/book-check:     /' >&2
    fi
}

check_build_log() {
    local missing='could not fetch|not found|has no diagrams/|figure number|\[WARNING\]'
    if grep -qiE "$missing" "$WORK/build.log"; then
        fail "the build reported a missing file:"
        grep -iE "$missing" "$WORK/build.log" | sort -u | sed 's/^/book-check:     /' >&2
    fi
}

CHROME_ARGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
             --disable-background-networking --disable-component-update --disable-sync
             --disable-default-apps --disable-extensions --mute-audio --hide-scrollbars
             --enable-logging=stderr --v=0)

chrome() {  # args...: runs headless chromium with a throwaway profile
    local profile
    profile=$(mktemp -d "${TMPDIR:-/tmp}/book-chromium.XXXXXX")
    local slow=${SOCKLAB_SLOW:-1}
    [[ $slow =~ ^[1-9][0-9]?$ ]] || slow=1   # SOCKLAB_SLOW=N: a slow machine, N times the time
    timeout -k 10 $((60 * slow)) "$CHROMIUM" "${CHROME_ARGS[@]}" --user-data-dir="$profile" "$@" || { local rc=$?; rm -rf "$profile"; return $rc; }
    rm -rf "$profile"
}

# Open a copy of a page with tools/book-probe.js injected; prints its findings (PROBE lines)
# and the console messages chromium logged.
probe_page() {  # file.html (in $WORK/probe) width
    local page=$1 width=$2 dom log
    dom=$WORK/probe-out/$(basename "$page" .html)-$width.dom
    log=${dom%.dom}.log
    # A page always answers (PROBE OK, or what is wrong with it); no answer at all is the browser
    # that did not start or finish in time on a loaded machine: try once more before saying so.
    local try
    for try in 1 2; do
        chrome --window-size="$width,900" --virtual-time-budget=3000 --dump-dom \
            "file://$(realpath "$page")" > "$dom" 2> "$log" || true
        grep -q 'PROBE ' "$dom" && break
    done
    grep -o 'PROBE [^<]*' "$dom" | sed 's/&gt;/>/g; s/&lt;/</g; s/&amp;/\&/g' || echo "PROBE no answer (the page did not load)"
    grep -E ':CONSOLE[:(]' "$log" | sed 's/^.*CONSOLE[^]]*\] /PROBE console: /' || true
}

make_probe_site() {
    rm -rf "$WORK/probe" "$WORK/probe-out"
    mkdir -p "$WORK/probe" "$WORK/probe-out"
    cp -r "$OUT"/*.html "$OUT/book.css" "$OUT/diagrams" "$WORK/probe/"
    for d in bench media; do [ -d "$OUT/$d" ] && cp -r "$OUT/$d" "$WORK/probe/"; done
    cp tools/book-probe.js "$WORK/probe/"
    sed -i 's|<meta charset="utf-8" />|&<script src="book-probe.js"></script>|' "$WORK/probe/"*.html
    # the canary: a page with a broken image and a console error, which the probe must see
    cat > "$WORK/probe/canary.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8" /><script src="book-probe.js"></script>
<link rel="stylesheet" href="book.css" /></head><body><p>canary</p>
<img src="diagrams/no-such-diagram.svg" alt="broken on purpose" />
<script>console.error("canary console error");</script></body></html>
EOF
}

check_browser() {
    CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
    [ -n "$CHROMIUM" ] || die "chromium is not installed: run make deps"
    make_probe_site
    # 1. the probe must see a broken image and a console error, or this check proves nothing
    local canary
    canary=$(probe_page "$WORK/probe/canary.html" 1280)
    if ! grep -q 'no-such-diagram.svg' <<<"$canary" || ! grep -q 'canary console error' <<<"$canary"; then
        fail "the browser probe cannot see a broken image or a console error:"
        sed 's/^/book-check:     /' <<<"$canary" >&2
        return
    fi
    # 2. every page, at phone width (where layout problems show), two browsers at a time
    local f out bad=0 pages=0 pids=()
    for f in "$WORK"/probe/*.html; do
        [ "$(basename "$f")" = canary.html ] && continue
        pages=$((pages + 1))
        probe_page "$f" 390 > "$WORK/probe-out/$(basename "$f" .html).result" &
        pids+=($!)
        if [ "${#pids[@]}" -ge "$JOBS" ]; then wait "${pids[0]}" || true; pids=("${pids[@]:1}"); fi
    done
    wait
    for f in "$WORK"/probe-out/*.result; do
        out=$(cat "$f")
        if [ "$out" != "PROBE OK" ]; then
            if grep -v '^PROBE OK$' <<<"$out" | grep -qv '^PROBE layout:'; then
                fail "$(basename "$f" .result).html in Chromium:"; bad=1
            else
                echo "book-check: note: $(basename "$f" .result).html in Chromium:" >&2
            fi
            grep -v '^PROBE OK$' <<<"$out" | sed 's/^PROBE /book-check:     /' >&2
        fi
    done
    [ "$bad" -eq 0 ] && say "check: chromium: $pages pages load with no missing resource and no console error (canary caught)"
    # 3. screenshots of what a reader sees first, and of a chapter down to its first diagram
    mkdir -p "$OUT/screenshots"
    local chapter diagram_page
    chapter=$(cd "$OUT" && ls | grep -E '^[0-9][0-9]-.*\.html$' | head -n 1 || true)
    [ -n "$chapter" ] || chapter=how-to-use.html
    diagram_page=$(cd "$OUT" && grep -l '<figure id="fig-' [0-9][0-9]-*.html 2>/dev/null | head -n 1 || true)
    [ -n "$diagram_page" ] || diagram_page=diagrams.html
    shot index index.html 900 844
    shot chapter "$chapter" 900 844
    shot diagram "$diagram_page" "$(figure_bottom "$diagram_page" 1280 900)" "$(figure_bottom "$diagram_page" 390 844)"
    say "check: screenshots: $OUT/screenshots/ (index, $chapter, $diagram_page down to its first diagram; laptop and phone)"
}

# How tall a window must be to show a page down to its first diagram (the probe measures it).
figure_bottom() {  # page width min
    local dom=$WORK/probe-out/${1%.html}-$2.dom bottom
    [ -f "$dom" ] || probe_page "$WORK/probe/$1" "$2" > /dev/null
    bottom=$(grep -o 'FIGURE-BOTTOM [0-9]*' "$dom" | head -n 1 | cut -d' ' -f2 || true)
    bottom=$(( ${bottom:-0} + 40 ))
    [ "$bottom" -lt "$3" ] && bottom=$3
    [ "$bottom" -gt 8000 ] && bottom=8000
    echo "$bottom"
}

# A screenshot is for people to look at; the probe above has already loaded
# each page. So a browser that runs out of time twice (a loaded machine: the
# probe's pages answered) is a warning, and any other failure fails.
shot_one() {  # file page chromium-args...
    local file=$1 page=$2 try rc
    shift 2
    for try in 1 2; do
        chrome "$@" --screenshot="$file" "file://$(realpath "$OUT")/$page" >/dev/null 2>&1 && return 0
        rc=$?
    done
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        say "warning: no screenshot of $page: chromium ran out of time twice (a loaded machine? SOCKLAB_SLOW=N gives it N times as long)"
    else
        fail "chromium could not take a screenshot of $page (exit $rc)"
    fi
}

shot() {  # name page laptop-height phone-height
    shot_one "$OUT/screenshots/$1-laptop.png" "$2" --window-size="1280,$3"
    shot_one "$OUT/screenshots/$1-phone.png" "$2" --window-size="390,$4" --force-device-scale-factor=2
}

check() {
    local t0=$SECONDS t step times=""
    BOOK_UPDATE_FIGURES=0
    for step in build check_figures check_build_log check_links check_solutions check_epub check_browser; do
        t=$SECONDS
        "$step"
        case $step in build|check_links|check_solutions|check_epub|check_browser)
            times="$times${times:+, }${step#check_} $((SECONDS - t))s" ;;
        esac
    done
    if [ "$FAILED" -ne 0 ]; then
        die "check FAILED in $((SECONDS - t0))s ($times)"
    fi
    say "check passed in $((SECONDS - t0))s ($times)"
}

case ${1:-} in
    build) build ;;
    check) check ;;
    figures) need dot; mkdir -p "$WORK"; render_diagrams; update_figures ;;
    check-figures) need dot; mkdir -p "$WORK"; render_diagrams; check_figures
        [ "$FAILED" -eq 0 ] || die "book/figures/ is stale" ;;
    clean) rm -rf "$OUT" ;;
    *) echo "usage: tools/book.sh build|check|figures|check-figures|clean" >&2; exit 2 ;;
esac
