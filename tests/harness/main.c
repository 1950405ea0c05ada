/*
 * main.c - the test program's main, and its report to the grader.
 *
 * The grader (tools/grade/) talks to a test program in two ways:
 *   --socklab-list   prints the lesson's graded tests, one line each,
 *                    "test NAME LINE POINTS DESCRIPTION HINT" (tab-separated,
 *                    fields escaped as put_field does), then "end"; it runs
 *                    nothing and enters no sandbox. The grader reads this
 *                    before any student program runs: it is the list of
 *                    tests it expects, with their points.
 *   SOCKLAB_RESULTS_FD  after the run, one "test" line per graded test on
 *                    that fd (see the report hook below), then "end".
 */
#define _GNU_SOURCE
#include "internal.h"
#include <criterion/hooks.h>
#include <criterion/internal/ordered-set.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* ---- reporting to the grader --------------------------------------------- */

/* Write s to f with tabs, newlines and backslashes escaped. */
static void put_field(FILE *f, const char *s)
{
    fputc('\t', f);
    for (; s && *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static const char *test_message(struct criterion_test_stats *t, char *buf, size_t len)
{
    if (t->test_status == CR_STATUS_SKIPPED)
        return t->message ? t->message : "skipped";
    if (t->timed_out) {
        snprintf(buf, len,
                 "status: timed out\nexpected: the test to finish within %.0f s\n"
                 "got: it was still running at the backstop deadline",
                 SL_TEST_TIMEOUT);
        return buf;
    }
    if (t->crashed) {
        snprintf(buf, len,
                 "status: crashed (SIG%s)\nexpected: the test itself to run to its end\n"
                 "got: the test process itself was killed by SIG%s (a bug in the test, or a program "
                 "that killed it)",
                 sigabbrev_np(t->signal) ? sigabbrev_np(t->signal) : "?",
                 sigabbrev_np(t->signal) ? sigabbrev_np(t->signal) : "?");
        return buf;
    }
    for (struct criterion_assert_stats *a = t->asserts; a; a = a->next)
        if (!a->passed)
            return a->message ? a->message : "failed";
    return "";
}

/* One line per test to the grader's pipe (fd from SOCKLAB_RESULTS_FD):
 * test NAME LINE POINTS STATUS DESCRIPTION HINT MESSAGE. Runs in Criterion's
 * runner process, after every worker has ended. */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    const char *env = getenv("SOCKLAB_RESULTS_FD");
    if (!env)
        return;
    int fd = (int)strtol(env, NULL, 10);
    FILE *f = fdopen(dup(fd), "w");
    if (!f)
        return;
    fputs("sandbox", f);
    put_field(f, sl_sandbox_note());
    fputc('\n', f);
    for (struct criterion_suite_stats *s = stats->suites; s; s = s->next) {
        for (struct criterion_test_stats *t = s->tests; t; t = t->next) {
            const struct sl_meta *m = t->test->data ? t->test->data->data : NULL;
            if (!m) /* not a GRADED test: the grader does not expect it */
                continue;
            char buf[512], pts[16], line[16];
            const char *status = t->test_status == CR_STATUS_SKIPPED  ? "skip"
                                 : t->timed_out                       ? "fail"
                                 : t->crashed                         ? "fail"
                                 : t->test_status == CR_STATUS_PASSED ? "pass"
                                                                      : "fail";
            snprintf(pts, sizeof pts, "%d", m->points);
            snprintf(line, sizeof line, "%d", m->line);
            fputs("test", f);
            put_field(f, t->test->name);
            put_field(f, line);
            put_field(f, pts);
            put_field(f, status);
            put_field(f, t->test->data ? t->test->data->description : "");
            put_field(f, m->hint);
            put_field(f, test_message(t, buf, sizeof buf));
            fputc('\n', f);
        }
    }
    fputs("end\n", f);
    fclose(f);
}

/* Under SAN=1: a failing check ends a test by a long jump out of it, leaving
 * the test's strings behind in a process that is about to end. Those are
 * not the student's leaks, so the harness itself is not leak-checked (the
 * student's programs are: a leak there fails the test). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

/* --socklab-list: print the graded tests of this program to stdout (see the
 * top of this file). Returns 0, or 1 when stdout could not be written. */
static int list_tests(struct criterion_test_set *set)
{
    FOREACH_SET(struct criterion_suite_set * s, set->suites)
    {
        FOREACH_SET(struct criterion_test * t, s->tests)
        {
            const struct sl_meta *m = t->data ? t->data->data : NULL;
            if (!m)
                continue;
            char pts[16], line[16];
            snprintf(pts, sizeof pts, "%d", m->points);
            snprintf(line, sizeof line, "%d", m->line);
            fputs("test", stdout);
            put_field(stdout, t->name);
            put_field(stdout, line);
            put_field(stdout, pts);
            put_field(stdout, t->data->description);
            put_field(stdout, m->hint);
            fputc('\n', stdout);
        }
    }
    fputs("end\n", stdout);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--socklab-list") == 0) {
        struct criterion_test_set *tests = criterion_initialize();
        int rc = list_tests(tests);
        criterion_finalize(tests);
        return rc;
    }
    sl_sandbox_enter();
    prctl(PR_SET_DUMPABLE, 0); /* see sl_test_init */
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
