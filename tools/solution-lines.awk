# solution-lines.awk - the lines a chapter, the book or a student's repository must never show.
#
# usage: awk [-v calls_only=1] -f tools/solution-lines.awk SOLUTION_FILES... SKELETON_FILES...
#
# Prints "FILE<TAB>LINE" for each non-trivial line inside a BEGIN SOLUTION / END SOLUTION
# region: stripped, spaces squeezed, 20 characters or more, not a comment, not also found
# outside the regions of any file given (boilerplate the skeletons show too), and with a "("
# in it (a call or a test: bare declarations say little). With calls_only=1, only lines with
# a call (a name and "(", not if/for/sizeof ... nor a cast): `if (family == AF_INET6) {`,
# which any socket code writes, is then left out. tools/book.sh and tools/student-repo.sh
# use it.
function norm(s) { gsub(/[ \t\r]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
function has_call(s,   name) {
    while (match(s, /[A-Za-z_][A-Za-z0-9_]* ?[(]/)) {
        name = substr(s, RSTART, RLENGTH); sub(/ ?[(]$/, "", name)
        if (name !~ /^(if|for|while|switch|return|sizeof|alignof|_Alignof|do|else|case)$/) return 1
        s = substr(s, RSTART + RLENGTH)
    }
    return 0
}
FNR == 1 { on = 0 }
/BEGIN SOLUTION/ { on = 1; next }
/END SOLUTION/   { on = 0; next }
{
    s = norm($0)
    if (on) { if (!(s in cand)) cand[s] = FILENAME } else outside[s] = 1
}
END {
    for (s in cand) {
        if (s in outside) continue
        if (length(s) < 20) continue
        if (s ~ /^(\/\/|\/\*|\*)/) continue
        if (s ~ /^[{}();, ]*$/) continue
        if (s !~ /[(]/) continue
        if (calls_only && !has_call(s)) continue
        print cand[s] "\t" s
    }
}
