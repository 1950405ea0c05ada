/*
 * selftest.c - grade --selftest (make test): each lesson's tests against
 * the solution (every test must pass), the skeleton (every graded test must
 * fail) and each mutant (at least one test must fail).
 */
#define _GNU_SOURCE
#include "grade.h"
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* What one mutant's run came to, written by the worker that graded it into
 * memory the parent shares (so that the workers need no pipes). */
struct mutant_verdict {
    int state; /* 0 not graded (its worker died), 1 graded */
    bool caught;
    char problem[512];
};

/* The number of mutants graded at once: SOCKLAB_SELFTEST_JOBS, else 4. A
 * mutant's run mostly waits (for a deadline it misses, a peer, a timer), so
 * more runs than cores shorten make test; each is in its own process
 * groups, folders and logs, as when they ran one after the other. */
static int selftest_jobs(void)
{
    const char *env = getenv("SOCKLAB_SELFTEST_JOBS");
    int j = env ? atoi(env) : 4;
    return j >= 1 && j <= 64 ? j : 4;
}

/* In a worker process (a subreaper, as grade is: what the test program
 * leaves is its to kill): grade one mutant's programs in bindir with the
 * lesson's tests, --fail-fast, into *v. */
static void grade_mutant(const struct run *listed, const char *testbin, const char *name, const char *bindir,
                         struct mutant_verdict *v)
{
    char log[1400];
    snprintf(log, sizeof log, "build/report/logs/%s-mutant-%s.log", listed->lesson, name);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct run run = clone_run(listed, name);
    run_lesson(&run, testbin, bindir, log, true);
    bool failed = false;
    for (size_t i = 0; i < run.n; i++) /* --fail-fast: the tests after a failure have no result */
        failed |= !result_is(&run.r[i], "passed") && !result_is(&run.r[i], "skipped") &&
                  !result_is(&run.r[i], "no result");
    v->caught = failed;
    snprintf(v->problem, sizeof v->problem, "%s", run.problem ? run.problem : "");
    v->state = 1;
    run_free(&run);
}

/* Keep "name.patch" entries of tests/mutants/LESSON/ (scandir's filter). */
static int is_patch(const struct dirent *e)
{
    size_t len = strlen(e->d_name);
    return len >= 7 && strcmp(e->d_name + len - 6, ".patch") == 0;
}

/* The mutant of patch file "NAME.patch": its name and the folder its
 * programs are built in (build/mutants/LESSON/NAME); whether that folder
 * exists (a missing program would fail every test, so it is not graded). */
static bool mutant_dirs(const char *lesson, const char *patch, char *name, size_t namesz, char *bindir,
                        size_t bindirsz)
{
    snprintf(name, namesz, "%.*s", (int)(strlen(patch) - 6), patch);
    snprintf(bindir, bindirsz, "build/mutants/%s/%s", lesson, name);
    struct stat sb;
    return stat(bindir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Each mutant of the lesson (tests/mutants/LESSON/NAME.patch, built into
 * build/mutants/LESSON/NAME/) must fail at least one test. The mutants are
 * graded selftest_jobs() at once, each in a worker process; the verdicts
 * are printed in the mutants' name order once all are in. */
static void selftest_mutants(const struct run *listed, struct tally *t)
{
    const char *lesson = listed->lesson;
    char dir[1024], testbin[PATH_MAX + 300];
    snprintf(dir, sizeof dir, "tests/mutants/%s", lesson);
    dirs_staged_bin(lesson, testbin, sizeof testbin);
    struct dirent **names;
    int n = scandir(dir, &names, is_patch, alphasort);
    if (n <= 0)
        return;
    struct mutant_verdict *v =
        mmap(NULL, (size_t)n * sizeof *v, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED) {
        check(t, false, "%s mutants: mmap: %s", lesson, strerror(errno));
        goto out;
    }
    pid_t *workers = xcalloc((size_t)n, sizeof *workers);
    int jobs = selftest_jobs(), running = 0;
    fflush(NULL); /* nothing buffered is written twice by a worker */
    for (int i = 0; i <= n; i++) {
        while (running > 0 && (running >= jobs || i == n)) { /* wait for a worker's end */
            pid_t pid = waitpid(-1, NULL, 0);
            if (pid < 0 && errno != EINTR)
                break;
            for (int k = 0; k < n; k++)
                if (pid > 0 && workers[k] == pid) {
                    workers[k] = 0;
                    running--;
                }
        }
        if (i == n)
            break;
        char name[256], bindir[1400];
        if (!mutant_dirs(lesson, names[i]->d_name, name, sizeof name, bindir, sizeof bindir))
            continue; /* said below */
        pid_t pid = fork();
        if (pid == 0) {
            grade_mutant(listed, testbin, name, bindir, &v[i]);
            _exit(0);
        }
        if (pid < 0) {
            snprintf(v[i].problem, sizeof v[i].problem, "fork: %s", strerror(errno));
            v[i].state = 1;
            continue;
        }
        workers[i] = pid;
        running++;
    }
    free(workers);
    int caught = 0;
    for (int i = 0; i < n; i++) {
        char name[256], bindir[1400];
        if (!mutant_dirs(lesson, names[i]->d_name, name, sizeof name, bindir, sizeof bindir)) {
            check(t, false, "mutant %s/%s was not built (%s): make test builds it", lesson, name, bindir);
            continue;
        }
        const char *problem = v[i].state ? v[i].problem : "its grading process died";
        caught += v[i].caught;
        check(t, v[i].caught && !*problem, "mutant %s/%s passes every test: the suite misses this bug%s%s",
              lesson, name, *problem ? ": " : "", problem);
    }
    printf("  mutants:  %d/%d caught\n", caught, n);
    munmap(v, (size_t)n * sizeof *v);
out:
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
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
 * passed, M failed (S s)"; returns 0 when nothing failed, else 1. */
int selftest(char **lessons, int n)
{
    struct tally t = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mkdir("build/report", 0755);
    mkdir("build/report/logs", 0755);
    struct run *listed = xcalloc((size_t)n, sizeof *listed);
    run_prepare_all(listed, n, lessons, "list");
    for (int i = 0; i < n; i++) {
        selftest_lesson(&listed[i], &t);
        run_free(&listed[i]);
    }
    free(listed);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("\ntest: %d passed, %d failed", t.passed, t.failed);
    if (t.skipped)
        printf(", %d skipped", t.skipped);
    printf(" (%.0f s)\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return t.failed ? 1 : 0;
}
