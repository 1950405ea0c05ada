/*
 * report.c - steps, failures and skips: what a failing test tells the student.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <criterion/event.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *steps[SL_MAX_STEPS];
static int report_fd = -1; /* sl_report_of's pipe, in its child */
static int nsteps, steps_dropped;

/* Where the test was at its latest call that can fail (see sl_here). */
static const char *here_file;
static int here_line;

void sl_here(const char *file, int line)
{
    here_file = file;
    here_line = line;
}

/* ---- steps, failures, skips -------------------------------------------- */

void sl_step(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = sl_xvasprintf(fmt, ap);
    va_end(ap);
    if (nsteps == SL_MAX_STEPS) { /* keep the first few and the latest */
        free(steps[4]);
        memmove(&steps[4], &steps[5], sizeof steps[0] * (SL_MAX_STEPS - 5));
        nsteps--;
        steps_dropped++;
    }
    steps[nsteps++] = s;
}

static const char *last_cmdline(void)
{
    for (int i = sl_nprocs - 1; i >= 0; i--)
        if (sl_procs[i])
            return sl_procs[i]->cmdline;
    return NULL;
}

/* Fail the test with a report in keyed lines the grader lays out:
 * status:, expected:, got:, at:, step:, try:. Criterion's own log points
 * at the test's line too. */
void sl_fail_with(const char *status, const char *expected, const char *got)
{
    struct sl_buf m = {0};
    sl_buf_append(&m, "", 0);
    char *e = sl_one_line(expected, 400), *g = sl_one_line(got, 600);
    if (status) {
        char *st = sl_xasprintf("status: %s\n", status);
        sl_buf_append(&m, st, strlen(st));
        free(st);
    }
    char *head = sl_xasprintf("expected: %s\ngot: %s\n", e, g);
    sl_buf_append(&m, head, strlen(head));
    free(head);
    free(e);
    free(g);
    if (here_file) {
        char *at = sl_xasprintf("at: %s:%d\n", here_file, here_line);
        sl_buf_append(&m, at, strlen(at));
        free(at);
    }
    for (int i = 0; i < nsteps; i++) {
        char *s = sl_one_line(steps[i], 300);
        char *l = i == 4 && steps_dropped
                      ? sl_xasprintf("step: (%d more steps)\nstep: %d. %s\n", steps_dropped,
                                     i + 1 + steps_dropped, s)
                      : sl_xasprintf("step: %d. %s\n", i + 1 + (i >= 4 ? steps_dropped : 0), s);
        sl_buf_append(&m, l, strlen(l));
        free(l);
        free(s);
    }
    const char *cmd = last_cmdline();
    if (cmd) {
        char *t = sl_xasprintf("try: %s\n", cmd);
        sl_buf_append(&m, t, strlen(t));
        free(t);
    }
    sl_wire_report(&m);
    if (report_fd >= 0) { /* a check run by sl_report_of: its report goes there */
        for (size_t off = 0; off < m.len;) {
            ssize_t n = write(report_fd, m.data + off, m.len - off);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        sl_proc_end_all();
        _exit(1);
    }
    struct criterion_assert_stats stat = {
        .message = m.data,
        .passed = false,
        .file = here_file ? here_file : __FILE__,
        .line = here_file ? (unsigned)here_line : __LINE__,
    };
    criterion_send_assert(&stat);
    criterion_abort_test();
}

void sl_fail(const char *expected, const char *got_fmt, ...)
{
    va_list ap;
    va_start(ap, got_fmt);
    char *got = sl_xvasprintf(got_fmt, ap);
    va_end(ap);
    sl_fail_with(NULL, expected, got);
}

char *sl_report_of(void (*check)(void), double seconds)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        sl_fail("a pipe for the check's report", "pipe2: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        sl_fail("to run the check in a child", "fork: %s", strerror(errno));
    if (pid == 0) {
        close(p[0]);
        report_fd = p[1];
        sl_nprocs = 0; /* the test's programs are not the check's to end */
        check();
        sl_proc_end_all();
        _exit(0);
    }
    close(p[1]);
    struct sl_buf b = {0};
    sl_buf_append(&b, "", 0);
    double until = sl_now() + sl_deadline(seconds);
    char chunk[4096];
    for (;;) {
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        int left = (int)((until - sl_now()) * 1000);
        if (left <= 0 || poll(&pfd, 1, left) <= 0)
            break;
        ssize_t n = read(p[0], chunk, sizeof chunk);
        if (n <= 0)
            break;
        sl_buf_append(&b, chunk, (size_t)n);
    }
    close(p[0]);
    kill(pid, SIGKILL); /* past the deadline; harmless once it ended */
    waitpid(pid, NULL, 0);
    if (b.len == 0) {
        free(b.data);
        return NULL;
    }
    return b.data;
}

void sl_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = sl_xvasprintf(fmt, ap);
    va_end(ap);
    if (report_fd >= 0) { /* a check run by sl_report_of: no report, as if it passed */
        sl_proc_end_all();
        _exit(0);
    }
    cr_skip_test("%s", why);
    abort();
}
