/*
 * grade - run socklab's lesson tests and score them.
 *
 * usage: grade [--bin DIR] [--detail] [--strict] [--report DIR] [--compile-logs DIR]
 *              [--classroom FILE] [--run-as UID:GID [--host-loopback]] LESSON...
 *        grade --selftest LESSON...
 *
 * Student mode (the default) runs build/tests/LESSON against the programs
 * in DIR/LESSON (default build/lessons), prints a scoreboard and writes
 * junit.xml and results.json (Gradescope) into the report directory
 * (default build/report), after every program it started has ended.
 * --compile-logs DIR: a lesson with DIR/LESSON.log (the Makefile's grade
 * recipe writes the compiler's output there when it fails) is not run: every
 * test fails as "does not compile", with the first compiler error.
 * --classroom FILE: also append GitHub Classroom's "result=BASE64" line
 * (autograding-command-grader's output, per-test points) to FILE.
 * --run-as UID:GID (root only; Gradescope's run_autograder): the test
 * programs, and so the student's programs they start, run as that user,
 * with no capabilities and no_new_privs; grade itself, the copies of the
 * test programs and the reports stay root's.
 * --host-loopback (with --run-as; Gradescope's run_autograder): this machine
 * is a throwaway container whose loopback nothing else uses, and it allows
 * no sandbox. The test programs get CAP_NET_RAW (only that) and
 * SOCKLAB_HOST_LOOPBACK=1, so that a test that needs raw sockets and a
 * capture of lo, and no network settings of its own, runs on this
 * machine's loopback, one such test at a time (sl_host_loopback).
 *
 * --selftest is what `make test` runs: each lesson's tests against the
 * solution (build/sol: every test must pass), against the skeleton
 * (build/skel: the lesson's skeleton linked with the solutions of the
 * earlier lessons' files it reuses, as a student who finished those lessons
 * has it; every graded test must fail) and against each mutant
 * (build/mutants/LESSON/NAME: at least one test must fail). It ends with
 * one line "test: N passed, M failed (S s)".
 *
 * What the scores rest on:
 * - Before any program under test runs, each lesson's test program is copied
 *   into a private directory (build/.grade.XXXXXX), and that copy lists its
 *   graded tests, with their points (--socklab-list). The copy is what runs.
 * - Results arrive through a pipe that the student's programs never hold
 *   (the harness closes it in them), and are only matched against that list:
 *   a test of another name, a second result for a test, other points or no
 *   result at all are failures; points are the listed ones.
 * - grade is a subreaper: whatever a lesson's programs leave running (setsid,
 *   double forks) is killed before the next lesson and before any report.
 * - Reports are written into a new directory grade makes (.report.XXXXXX next
 *   to the report directory) and moved into place at the end; a report
 *   directory holding anything grade does not write, or a link, is never
 *   replaced: grade says so and exits 1.
 * - A watchdog (grade's parent half) continues a grader a program stopped,
 *   kills one past its deadline, and says when no report was written.
 * Same user and no sandbox, a program can still do what the user can (kill
 * the watchdog too, rewrite the report afterwards): see the threat model in
 * tests/README.md.
 *
 * Exit: 0 graded (student mode; with --strict, only when every test passed)
 * or all checks passed (selftest); 1 otherwise, a test program could not run
 * or list its tests, or no report could be written; 2 usage.
 */
#define _GNU_SOURCE
#include "grade.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* calloc, or grade exits saying why. */
void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        perror("grade: calloc");
        exit(1);
    }
    return p;
}

/* strdup (of "" for NULL), or grade exits saying why. */
char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        perror("grade: strdup");
        exit(1);
    }
    return d;
}

/* Grade one lesson: not run when it does not compile (a log in
 * compile_logs), else run against the programs in bin/LESSON. */
static void grade_lesson(struct run *run, const char *bin, const char *compile_logs, const char *logdir)
{
    char path[PATH_MAX + 300], bindir[PATH_MAX + 300], log[PATH_MAX + 300];
    if (!run->n) /* no list: nothing to grade against */
        return;
    if (compile_logs) {
        snprintf(path, sizeof path, "%s/%s.log", compile_logs, run->lesson);
        char *error = run_compile_error(path);
        if (error) {
            run_fail_uncompiled(run, error);
            return;
        }
    }
    snprintf(bindir, sizeof bindir, "%s/%s", bin, run->lesson);
    snprintf(log, sizeof log, "%s/%s.log", logdir, run->lesson);
    dirs_staged_bin(run->lesson, path, sizeof path);
    run_lesson(run, path, bindir, log, false);
}

struct options {
    const char *bin, *report, *compile_logs, *classroom;
    bool detail, strict;
};

static int grade_student(const struct options *o, char **lessons, int n)
{
    struct run *runs = xcalloc((size_t)n, sizeof *runs);
    char logdir[PATH_MAX + 10];
    snprintf(logdir, sizeof logdir, "%s/logs", dirs_new_report);
    if (mkdir(logdir, 0755) != 0) {
        fprintf(stderr, "grade: cannot make %s: %s\n", logdir, strerror(errno));
        return 1;
    }
    run_prepare_all(runs, n, lessons, "student");
    /* A failing test saves its packets (a pcap) beside the logs. */
    char shown[PATH_MAX + 10];
    snprintf(shown, sizeof shown, "%s/logs", o->report);
    setenv("SOCKLAB_WIRE_DIR", logdir, 1);
    setenv("SOCKLAB_WIRE_SHOWN", shown, 1);
    int got = 0, max = 0, complete = 0, skipped = 0;
    const char *failing = NULL; /* the first lesson with a failing test that ran */
    for (int i = 0; i < n; i++) {
        grade_lesson(&runs[i], o->bin, o->compile_logs, logdir);
        board_print_lesson(&runs[i], o->detail);
        fflush(stdout);
        int g, m;
        run_score(&runs[i], &g, &m);
        got += g;
        max += m;
        complete += !runs[i].problem && m > 0 && g == m;
        for (size_t j = 0; j < runs[i].n; j++) {
            skipped += result_is(&runs[i].r[j], "skipped") ? runs[i].r[j].points : 0;
            if (!failing && !result_is(&runs[i].r[j], "passed") && !result_is(&runs[i].r[j], "skipped") &&
                !result_is(&runs[i].r[j], "does not compile"))
                failing = runs[i].lesson;
        }
    }
    bool written = report_write_results_json(dirs_new_report, runs, (size_t)n) == 0 &&
                   report_write_junit(dirs_new_report, runs, (size_t)n) == 0 &&
                   (!o->classroom || report_write_classroom(o->classroom, dirs_new_report, runs, n) == 0);
    if (n > 0 && runs[0].sandbox_note && *runs[0].sandbox_note)
        printf("\n%sNote:%s %s\n", YELLOW, OFF, runs[0].sandbox_note);
    printf("\n%sProgress:%s %d of %d lesson%s complete, %d/%d points (%d%%)", BOLD, OFF, complete, n,
           n == 1 ? "" : "s", got, max, max ? got * 100 / max : 0);
    if (skipped)
        printf("; %d points were skipped here (see the note)", skipped);
    printf(".\n");
    if (failing && !o->detail)
        printf("Each failing test's steps and a command to try it by hand: make grade L=%.2s (one lesson).\n",
               failing);
    fflush(stdout);
    written = written && dirs_commit_report(o->report) == 0;
    if (written)
        printf("%sReports: %s/junit.xml, %s/results.json; test logs in %s/logs%s\n", DIM, o->report,
               o->report, o->report, OFF);
    else
        fprintf(stderr, "grade: no report was written (see above)\n");
    bool broken = !written;
    for (int i = 0; i < n; i++) {
        broken |= runs[i].problem != NULL;
        run_free(&runs[i]);
    }
    free(runs);
    return broken || (o->strict && got < max) ? 1 : 0;
}

static int count_runs(char **lessons, int n, bool self)
{
    int runs = n;
    for (int i = 0; self && i < n; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "tests/mutants/%s", lessons[i]);
        DIR *d = opendir(dir);
        runs += 1;
        for (struct dirent *e; d && (e = readdir(d));)
            runs += strstr(e->d_name, ".patch") != NULL;
        if (d)
            closedir(d);
    }
    return runs;
}

static void usage(FILE *to)
{
    fprintf(to, "usage: grade [--bin DIR] [--detail] [--strict] [--report DIR] [--compile-logs DIR]\n"
                "             [--classroom FILE] [--run-as UID:GID [--host-loopback]] LESSON...\n"
                "       grade --selftest LESSON...\n"
                "Grades each LESSON (e.g. 01-first-socket); see the comment in tools/grade/main.c.\n");
}

int main(int argc, char **argv)
{
    struct options o = {.bin = "build/lessons", .report = "build/report"};
    bool self = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        bool more = i + 1 < argc;
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--bin") == 0 && more) {
            o.bin = argv[++i];
        } else if (strcmp(argv[i], "--report") == 0 && more) {
            o.report = argv[++i];
        } else if (strcmp(argv[i], "--compile-logs") == 0 && more) {
            o.compile_logs = argv[++i];
        } else if (strcmp(argv[i], "--run-as") == 0 && more) {
            char *end;
            proc_run_uid = strtol(argv[++i], &end, 10);
            proc_run_gid = *end == ':' ? strtol(end + 1, &end, 10) : -1;
            if (*end || proc_run_uid <= 0 || proc_run_gid <= 0 || geteuid() != 0) {
                fprintf(stderr, "grade: --run-as UID:GID (both above 0) needs root\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--host-loopback") == 0) {
            proc_host_loopback = true;
        } else if (strcmp(argv[i], "--classroom") == 0 && more) {
            o.classroom = argv[++i];
        } else if (strcmp(argv[i], "--detail") == 0) {
            o.detail = true;
        } else if (strcmp(argv[i], "--strict") == 0) {
            o.strict = true;
        } else if (strcmp(argv[i], "--selftest") == 0) {
            self = true;
        } else {
            fprintf(stderr, "grade: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (proc_host_loopback && proc_run_uid < 0) {
        fprintf(stderr, "grade: --host-loopback goes with --run-as (root in a throwaway container)\n");
        return 2;
    }
    if (i == argc) {
        usage(stderr);
        return 2;
    }
    for (int j = i; j < argc; j++)
        if (!argv[j][0] || strchr(argv[j], '/') || argv[j][0] == '.') {
            fprintf(stderr, "grade: '%s' is not a lesson's name (like 01-first-socket)\n", argv[j]);
            return 2;
        }
    board_color = isatty(1) && !getenv("NO_COLOR");
    const char *env = getenv("SOCKLAB_SLOW");
    double f = env ? strtod(env, NULL) : 1.0;
    proc_slow = f >= 1.0 && f <= 100.0 ? f : 1.0;
    prctl(PR_SET_DUMPABLE, 0); /* programs under test cannot reach our fds */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit fails a write, and we say so */
    mkdir("build", 0755);
    if (dirs_private("build/grade", "grade", dirs_stage, sizeof dirs_stage) != 0) {
        fprintf(stderr, "grade: cannot make a private directory in build/: %s\n", strerror(errno));
        return 1;
    }
    if (proc_run_uid >= 0) /* the test programs' user may run the copies, not change them */
        chmod(dirs_stage, 0711);
    if (!self) {
        if (dirs_report_clear_foreign(o.report) != 0) {
            dirs_remove_tree(dirs_stage);
            return 1;
        }
        if (dirs_private(o.report, "report", dirs_new_report, sizeof dirs_new_report) != 0 ||
            chmod(dirs_new_report, 0755) != 0) {
            fprintf(stderr, "grade: cannot write a report next to %s: %s\n", o.report, strerror(errno));
            dirs_remove_tree(dirs_stage);
            return 1;
        }
    }
    int runs = count_runs(argv + i, argc - i, self);
    watchdog(((LESSON_DEADLINE + LIST_DEADLINE) * proc_slow + 30) * runs + 60, self ? NULL : o.report);
    return self ? selftest(argv + i, argc - i) : grade_student(&o, argv + i, argc - i);
}
