/*
 * selftest.c - grade --selftest (make test): each lesson's tests against
 * the solution (every test must pass), the skeleton (every graded test must
 * fail) and each mutant (at least one test must fail).
 */
#define _GNU_SOURCE
#include "grade.h"
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Print each problem of a selftest check; count passes and failures. */
struct tally {
    int passed, failed, skipped;
};

static void check(struct tally *t, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(struct tally *t, bool ok, const char *fmt, ...)
{
    if (ok) {
        t->passed++;
        return;
    }
    t->failed++;
    va_list ap;
    va_start(ap, fmt);
    printf("  %sFAIL%s ", RED, OFF);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

/* A copy of the listed tests of listed, none run yet, for one variant. */
static struct run clone_run(const struct run *listed, const char *variant)
{
    struct run run = {.lesson = listed->lesson, .variant = variant, .n = listed->n};
    run.r = xcalloc(listed->n ? listed->n : 1, sizeof *run.r);
    for (size_t i = 0; i < listed->n; i++) {
        run.r[i] = listed->r[i];
        run.r[i].name = xstrdup(listed->r[i].name);
        run.r[i].desc = xstrdup(listed->r[i].desc);
        run.r[i].hint = xstrdup(listed->r[i].hint);
        run.r[i].msg = xstrdup(listed->r[i].msg);
    }
    return run;
}

static void selftest_mutants(const struct run *listed, struct tally *t)
{
    const char *lesson = listed->lesson;
    char dir[1024], testbin[PATH_MAX + 300];
    snprintf(dir, sizeof dir, "tests/mutants/%s", lesson);
    dirs_staged_bin(lesson, testbin, sizeof testbin);
    DIR *d = opendir(dir);
    if (!d)
        return;
    int caught = 0, total = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 6, ".patch") != 0)
            continue;
        char name[256], bindir[1400], log[1400];
        snprintf(name, sizeof name, "%.*s", (int)(len - 6), e->d_name);
        snprintf(bindir, sizeof bindir, "build/mutants/%s/%s", lesson, name);
        snprintf(log, sizeof log, "build/report/logs/%s-mutant-%s.log", lesson, name);
        struct stat sb;
        if (stat(bindir, &sb) != 0 || !S_ISDIR(sb.st_mode)) { /* a missing program would fail every test */
            total++;
            check(t, false, "mutant %s/%s was not built (%s): make test builds it", lesson, name, bindir);
            continue;
        }
        struct run run = clone_run(listed, name);
        run_lesson(&run, testbin, bindir, log, true);
        bool failed = false;
        for (size_t i = 0; i < run.n; i++) /* --fail-fast: the tests after a failure have no result */
            failed |= !result_is(&run.r[i], "passed") && !result_is(&run.r[i], "skipped") &&
                      !result_is(&run.r[i], "no result");
        total++;
        caught += failed;
        check(t, failed && !run.problem, "mutant %s/%s passes every test: the suite misses this bug%s%s",
              lesson, name, run.problem ? ": " : "", run.problem ? run.problem : "");
        run_free(&run);
    }
    closedir(d);
    printf("  mutants:  %d/%d caught\n", caught, total);
}

static void selftest_lesson(const struct run *listed, struct tally *t)
{
    const char *lesson = listed->lesson;
    char log[1200], bindir[1024], testbin[PATH_MAX + 300];
    printf("%s%s%s\n", BOLD, lesson, OFF);
    dirs_staged_bin(lesson, testbin, sizeof testbin);
    check(t, !listed->problem, "%s: %s", lesson, listed->problem ? listed->problem : "");
    if (listed->problem)
        return;
    check(t, listed->n >= 8, "%s has %zu graded tests; a lesson needs at least 8", lesson, listed->n);

    struct run sol = clone_run(listed, "solution");
    snprintf(log, sizeof log, "build/report/logs/%s-solution.log", lesson);
    snprintf(bindir, sizeof bindir, "build/sol/%s", lesson);
    run_lesson(&sol, testbin, bindir, log, false);
    check(t, !sol.problem, "%s solution: %s", lesson, sol.problem ? sol.problem : "");
    int spass = 0, sskip = 0;
    for (size_t j = 0; j < sol.n; j++) {
        const struct result *r = &sol.r[j];
        if (result_is(r, "skipped")) {
            sskip++;
            t->skipped++;
            printf("  %sskip%s %s: %s\n", YELLOW, OFF, r->name, r->msg);
            continue;
        }
        spass += result_is(r, "passed");
        check(t, result_is(r, "passed"), "solution fails %s (%s): %s\n%s", r->name, r->status, r->desc,
              r->msg);
    }
    printf("  solution: %d/%zu tests pass", spass, sol.n);
    if (sskip)
        printf(", %d skipped", sskip);
    printf("\n");

    struct run sk = clone_run(listed, "skeleton");
    snprintf(log, sizeof log, "build/report/logs/%s-skeleton.log", lesson);
    snprintf(bindir, sizeof bindir, "build/skel/%s", lesson);
    run_lesson(&sk, testbin, bindir, log, false);
    check(t, !sk.problem, "%s skeleton: %s", lesson, sk.problem ? sk.problem : "");
    int sfail = 0;
    for (size_t j = 0; j < sk.n; j++) {
        const struct result *r = &sk.r[j];
        if (result_is(r, "skipped")) {
            t->skipped++;
            continue;
        }
        bool failed = !result_is(r, "passed");
        sfail += failed;
        check(t, failed, "the skeleton passes %s (%s): a test that passes on the skeleton grades nothing",
              r->name, r->desc);
        check(t, strncmp(r->status, "crashed", 7) != 0,
              "the skeleton %s in %s: a skeleton must run without crashing", r->status, r->name);
    }
    printf("  skeleton: %d/%zu tests fail\n", sfail, sk.n);
    run_free(&sol);
    run_free(&sk);
    selftest_mutants(listed, t);
}

/* grade --selftest LESSON...: prints a block per lesson, then "test: N
 * passed, M failed"; returns 0 when nothing failed, else 1. */
int selftest(char **lessons, int n)
{
    struct tally t = {0};
    mkdir("build/report", 0755);
    mkdir("build/report/logs", 0755);
    struct run *listed = xcalloc((size_t)n, sizeof *listed);
    run_prepare_all(listed, n, lessons, "list");
    for (int i = 0; i < n; i++) {
        selftest_lesson(&listed[i], &t);
        run_free(&listed[i]);
    }
    free(listed);
    printf("\ntest: %d passed, %d failed", t.passed, t.failed);
    if (t.skipped)
        printf(", %d skipped", t.skipped);
    printf("\n");
    return t.failed ? 1 : 0;
}
