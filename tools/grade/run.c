/*
 * run.c - the tests a lesson has and their results: the test program copied
 * before anything runs, its list of graded tests (--socklab-list), the
 * results protocol of its pipe matched against that list, a lesson that does
 * not compile, and a run's score.
 */
#define _GNU_SOURCE
#include "grade.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_FIELDS 8 /* test NAME LINE POINTS STATUS DESCRIPTION HINT MESSAGE */
#define LIST_FIELDS 6 /* test NAME LINE POINTS DESCRIPTION HINT */

/* Add a line to what went wrong with run as a whole. */
void run_add_problem(struct run *run, const char *fmt, ...)
{
    char *line = NULL, *all = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (run->problem && asprintf(&all, "%s\n%s", run->problem, line) >= 0) {
        free(run->problem);
        free(line);
        run->problem = all;
    } else if (!run->problem) {
        run->problem = line;
    } else {
        free(line);
    }
}

/* Undo the harness's field escaping in place (\\ \t \n). */
static char *unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return s;
}

/* Split line in place at every tab (an empty field is a field). Stores at
 * most max fields in f; returns how many fields the line has. */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;; p++) {
        char *tab = strchr(p, '\t');
        if (n < max)
            f[n] = p;
        n++;
        if (!tab)
            return n;
        *tab = '\0';
        p = tab;
    }
}

/* A decimal number of 0..limit in s, or -1. */
static int small_number(const char *s, int limit)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return *s && !*end && !errno && v >= 0 && v <= limit ? (int)v : -1;
}

/* The value of a "key: " line of a failure message, or NULL. Returns a
 * pointer into msg; the value ends at the next '\n'. */
const char *result_field(const char *msg, const char *key, int *len)
{
    size_t klen = strlen(key);
    for (const char *s = msg; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n >= klen && strncmp(s, key, klen) == 0) {
            *len = (int)(n - klen);
            return s + klen;
        }
        s += n + (nl != NULL);
    }
    return NULL;
}

/* Whether r's status is status ("passed", "skipped" ...). */
bool result_is(const struct result *r, const char *status)
{
    return strcmp(r->status, status) == 0;
}

/* Give r a status and a message (a copy of msg). */
void result_set(struct result *r, const char *status, const char *msg)
{
    snprintf(r->status, sizeof r->status, "%s", status);
    free(r->msg);
    r->msg = xstrdup(msg);
}

static int by_line(const void *a, const void *b)
{
    return ((const struct result *)a)->line - ((const struct result *)b)->line;
}

/* Copy build/tests/LESSON into stagedir, before any program under test runs,
 * and write the copy's path into path: the test program that runs is the one
 * built, even if a program replaces build/tests/LESSON meanwhile. Returns 0,
 * or -1 with *why set. */
int run_stage_test_program(const char *stagedir, const char *lesson, char *path, size_t len, char **why)
{
    char src[512];
    snprintf(src, sizeof src, "build/tests/%s", lesson);
    snprintf(path, len, "%s/%s", stagedir, lesson);
    int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (in < 0 || fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        asprintf(why, "the test program %s %s (run make)", src,
                 in < 0 && errno == ENOENT ? "was not built" : "is not a program make built");
        if (in >= 0)
            close(in);
        return -1;
    }
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    bool ok = out >= 0;
    char buf[65536];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) != 0)
        ok = n > 0 && write(out, buf, (size_t)n) == n;
    int err = errno;
    close(in);
    if (out >= 0 && (fchmod(out, 0555) != 0 || close(out) != 0))
        ok = false;
    if (!ok)
        asprintf(why, "could not copy the test program %s to %s: %s", src, path, strerror(err));
    return ok ? 0 : -1;
}

/* Ask the staged test program testbin for its graded tests (--socklab-list)
 * and store them in run, every one "not run" for now. Returns 0, or -1 with
 * run->problem set. */
int run_list_tests(struct run *run, const char *testbin)
{
    bool timed_out = false;
    char *why = NULL;
    char *text = proc_run_test_program(testbin, "--socklab-list", true, ".", -1, LIST_DEADLINE, &timed_out,
                                       NULL, &why);
    if (!text) {
        run_add_problem(run, "the test program could not list its tests: %s", why ? why : "?");
        free(why);
        return -1;
    }
    size_t cap = 0;
    bool ended = false;
    for (char *save, *l = strtok_r(text, "\n", &save); l && !ended; l = strtok_r(NULL, "\n", &save)) {
        char *f[LIST_FIELDS];
        if (strcmp(l, "end") == 0) {
            ended = true;
            continue;
        }
        int pts, line;
        if (split_fields(l, f, LIST_FIELDS) != LIST_FIELDS || strcmp(f[0], "test") != 0 ||
            (line = small_number(f[2], 1000000)) < 0 || (pts = small_number(f[3], 100)) < 1) {
            ended = false;
            break;
        }
        if (run->n == cap) {
            run->r = realloc(run->r, (cap = cap ? cap * 2 : 16) * sizeof *run->r);
            if (!run->r)
                exit(1);
        }
        struct result *r = &run->r[run->n++];
        *r = (struct result){.name = xstrdup(unescape(f[1])), .line = line, .points = pts};
        r->desc = xstrdup(unescape(f[4]));
        r->hint = xstrdup(unescape(f[5]));
        result_set(r, "not run", "");
    }
    free(text);
    if (!ended || run->n == 0) {
        run_add_problem(run, "the test program %s",
                        timed_out ? "did not list its tests in time"
                                  : "gave no list of its tests (--socklab-list)");
        return -1;
    }
    qsort(run->r, run->n, sizeof *run->r, by_line);
    return 0;
}

static struct result *find_test(struct run *run, const char *name)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->r[i].name, name) == 0)
            return &run->r[i];
    return NULL;
}

/* Match one "test" line of the results pipe (fields f) against the listed
 * tests: an unknown name, a second result or other points are failures. */
static void take_result(struct run *run, char **f)
{
    char *name = unescape(f[1]);
    struct result *r = find_test(run, name);
    if (!r) {
        run_add_problem(run, "the results named a test this lesson does not have (%.80s): not counted", name);
        return;
    }
    if (r->reported) {
        result_set(r, "reported twice",
                   "expected: one result for this test\ngot: two (something wrote to the grader's pipe)");
        return;
    }
    r->reported = true;
    if (small_number(f[3], 100) != r->points) {
        result_set(r, "wrong points", "expected: the points the test program lists\ngot: others");
        return;
    }
    char *msg = unescape(f[7]);
    int len;
    const char *st = result_field(msg, "status: ", &len);
    if (strcmp(f[4], "pass") == 0)
        result_set(r, "passed", msg);
    else if (strcmp(f[4], "skip") == 0)
        result_set(r, "skipped", msg);
    else if (strcmp(f[4], "fail") == 0 && st) {
        char status[48];
        snprintf(status, sizeof status, "%.*s", len > 40 ? 40 : len, st);
        result_set(r, status, msg);
    } else
        result_set(r, "failed", msg);
}

/* Mark the listed tests no result arrived for. */
static void mark_missing(struct run *run, bool ended)
{
    for (size_t i = 0; i < run->n; i++)
        if (!run->r[i].reported && result_is(&run->r[i], "not run"))
            result_set(&run->r[i], "no result",
                       ended ? "expected: a result for this test\ngot: the test program's report left it out"
                             : "expected: a result for this test\ngot: none: the lesson's test program did "
                               "not finish (see below)");
}

/* The first compiler error in the log at path ("file:line: error: ..."), or
 * its first line; NULL when there is no such log. */
char *run_compile_error(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = NULL, *first = NULL, *error = NULL;
    size_t cap = 0;
    while (!error && getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strstr(line, "error:") || strstr(line, "undefined reference") ||
            strstr(line, "multiple definition"))
            error = strndup(line, 300);
        else if (!first && line[strspn(line, " \t")] && strncmp(line, "make", 4) != 0)
            first = strndup(line, 300);
    }
    free(line);
    fclose(f);
    if (error) {
        free(first);
        return error;
    }
    return first ? first : xstrdup("the compiler failed (no message)");
}

/* Run the staged test program testbin against the programs in bindir,
 * collecting the results through a pipe; Criterion's own output goes to
 * logpath. run holds the listed tests (run_list_tests). */
void run_lesson(struct run *run, const char *testbin, const char *bindir, const char *logpath, bool fail_fast)
{
    int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (log < 0) {
        run_add_problem(run, "could not write the log %s: %s", logpath, strerror(errno));
        mark_missing(run, false);
        return;
    }
    bool timed_out = false;
    char *why = NULL;
    int st = -1;
    char *text = proc_run_test_program(testbin, fail_fast ? "--fail-fast" : "--always-succeed", false, bindir,
                                       log, LESSON_DEADLINE, &timed_out, &st, &why);
    close(log);
    if (!text) {
        run_add_problem(run, "%s", why ? why : "?");
        free(why);
        mark_missing(run, false);
        return;
    }
    bool ended = false;
    for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *f[TEST_FIELDS];
        int n = split_fields(l, f, TEST_FIELDS);
        if (ended) {
            run_add_problem(run, "the results went on after their end: not counted");
            break;
        } else if (strcmp(f[0], "end") == 0 && n == 1) {
            ended = true;
        } else if (strcmp(f[0], "sandbox") == 0 && n == 2) {
            free(run->sandbox_note);
            run->sandbox_note = xstrdup(unescape(f[1]));
        } else if (strcmp(f[0], "test") == 0 && n == TEST_FIELDS) {
            take_result(run, f);
        } else {
            run_add_problem(run, "a malformed line in the results: not counted");
        }
    }
    free(text);
    if (ended && !(st != -1 && WIFEXITED(st))) { /* results, then killed: they may not be its own */
        run_add_problem(run, "the test program was killed after its report (%s): its results are not counted",
                        st == -1                     ? "it did not end"
                        : sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st))
                                                     : "?");
        for (size_t i = 0; i < run->n; i++)
            if (result_is(&run->r[i], "passed"))
                result_set(
                    &run->r[i], "not counted",
                    "expected: the test program to end by itself after its report\ngot: it was killed");
    }
    mark_missing(run, ended);
    if (!ended)
        run_add_problem(run, "%s (see %s)",
                        timed_out ? "the lesson's tests did not finish in time"
                                  : "the test program ended without reporting: did a program kill it?",
                        logpath);
}

/* A lesson that does not compile: every listed test fails, with the first
 * compiler error. */
void run_fail_uncompiled(struct run *run, char *error)
{
    run->compile_error = error;
    char *msg = NULL;
    if (asprintf(&msg, "expected: the lesson to compile\ngot: %s", error) < 0)
        exit(1);
    for (size_t i = 0; i < run->n; i++)
        result_set(&run->r[i], "does not compile", msg);
    free(msg);
}

/* Free what run_lesson allocated in run. */
void run_free(struct run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        free(run->r[i].name);
        free(run->r[i].desc);
        free(run->r[i].hint);
        free(run->r[i].msg);
    }
    free(run->r);
    free(run->sandbox_note);
    free(run->problem);
    free(run->compile_error);
}

/* The points run's passed tests got, and all its tests' points. */
void run_score(const struct run *run, int *got, int *max)
{
    *got = *max = 0;
    for (size_t i = 0; i < run->n; i++) {
        *max += run->r[i].points;
        if (strcmp(run->r[i].status, "passed") == 0)
            *got += run->r[i].points;
    }
}

/* Copy every lesson's test program and read its list of tests, before any
 * program under test runs. A lesson that cannot is left with its problem. */
void run_prepare_all(struct run *runs, int n, char **lessons, const char *variant)
{
    for (int i = 0; i < n; i++) {
        char bin[PATH_MAX + 300], *why = NULL;
        runs[i].lesson = lessons[i];
        runs[i].variant = variant;
        if (run_stage_test_program(dirs_stage, lessons[i], bin, sizeof bin, &why) != 0) {
            run_add_problem(&runs[i], "%s", why);
            free(why);
            continue;
        }
        run_list_tests(&runs[i], bin);
    }
}
