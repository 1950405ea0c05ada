/*
 * grade.h - what the grader's modules share (the grader: tools/grade/, built
 * into build/tools/grade; usage and what the scores rest on in main.c).
 *
 * The modules, along the grader's seams:
 *   main.c        options, the student mode (grade each lesson, the Progress line), main
 *   run.c         the tests a lesson has: the staged test program, its list, the results
 *                 protocol matched against it, a lesson that does not compile, scores
 *   proc.c        running and killing the test programs (deadlines, --run-as, subreaper)
 *   scoreboard.c  what a student reads on the terminal
 *   reports.c     results.json, junit.xml, classroom.json and Classroom's result line
 *   dirs.c        grade's own directories: the stage, the new report, moving it into place
 *   watchdog.c    the parent half that bounds the run and says when no report was written
 *   selftest.c    grade --selftest: solutions pass, skeletons and mutants fail
 */
#ifndef SOCKLAB_GRADE_H
#define SOCKLAB_GRADE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define LESSON_DEADLINE 300 /* seconds for one lesson's whole test program, times SOCKLAB_SLOW */
#define LIST_DEADLINE 20    /* seconds for a test program to list its tests, times SOCKLAB_SLOW */

struct result {
    char *name, *desc, *hint, *msg;
    int line, points;
    bool reported;   /* a result for it arrived on the pipe */
    char status[48]; /* passed, failed, timed out, crashed (SIGSEGV), skipped, does not compile ... */
};

struct run {
    const char *lesson, *variant; /* variant: "solution", "skeleton", a mutant */
    struct result *r;             /* the tests the test program listed, then their results */
    size_t n;
    char *sandbox_note;
    char *problem;       /* what went wrong with the run as a whole, or NULL */
    char *compile_error; /* the lesson's first compiler error, when it does not compile */
};

/* main.c: allocation that cannot fail (grade exits, saying why) */
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s); /* NULL gives "" */

/* run.c */
void run_add_problem(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the value of a "key: " line of a failure message (up to its '\n', *len bytes), or NULL */
const char *result_field(const char *msg, const char *key, int *len);
bool result_is(const struct result *r, const char *status);
void result_set(struct result *r, const char *status, const char *msg);
int run_stage_test_program(const char *stagedir, const char *lesson, char *path, size_t len, char **why);
int run_list_tests(struct run *run, const char *testbin);
char *run_compile_error(const char *path);
void run_lesson(struct run *run, const char *testbin, const char *bindir, const char *logpath,
                bool fail_fast);
void run_fail_uncompiled(struct run *run, char *error);
void run_free(struct run *run);
void run_score(const struct run *run, int *got, int *max);
void run_prepare_all(struct run *runs, int n, char **lessons, const char *variant);

/* proc.c */
extern double proc_slow;                /* SOCKLAB_SLOW: every deadline is multiplied by it */
extern long proc_run_uid, proc_run_gid; /* --run-as: the test programs' user; -1: grade's own */
extern bool proc_host_loopback;         /* --host-loopback: they get CAP_NET_RAW and this machine's lo */
void proc_kill_descendants(void);
char *proc_run_test_program(const char *testbin, const char *arg, bool list, const char *bindir, int logfd,
                            double seconds, bool *timed_out, int *status, char **why);

/* scoreboard.c */
extern bool board_color; /* escape sequences on the terminal */
const char *board_c(const char *code);
#define RED board_c("\033[31m")
#define GREEN board_c("\033[32m")
#define YELLOW board_c("\033[33m")
#define BOLD board_c("\033[1m")
#define DIM board_c("\033[2m")
#define OFF board_c("\033[0m")
void board_print_lesson(const struct run *run, bool detail);

/* reports.c: each returns 0, or -1 having said why */
int report_write_results_json(const char *dir, struct run *runs, size_t nruns);
int report_write_junit(const char *dir, struct run *runs, size_t nruns);
int report_write_classroom(const char *path, const char *dir, struct run *runs, int n);

/* dirs.c */
extern char dirs_stage[PATH_MAX], dirs_new_report[PATH_MAX];
int dirs_remove_tree(const char *path);
bool dirs_report_is_ours(const char *report, char *why, size_t len);
int dirs_report_clear_foreign(const char *report);
int dirs_commit_report(const char *report);
int dirs_private(const char *path, const char *name, char *out, size_t len);
void dirs_staged_bin(const char *lesson, char *path, size_t len);

/* watchdog.c */
void watchdog(double deadline, const char *report);

/* selftest.c */
int selftest(char **lessons, int n);

#endif
