/*
 * harness.c - the socklab grader's test library (see harness.h).
 *
 * Three processes matter. The grader (tools/grade.c) starts a lesson's test
 * program and reads results from a pipe. The test program's main (below)
 * enters a private user + network namespace when the kernel allows, then
 * hands over to Criterion, whose runner forks a worker per test and, once
 * all have ended, calls our POST_ALL hook, which writes one line per test
 * to the grader's pipe. A worker runs one test: it starts the student's
 * programs as children in their own process groups and kills those groups
 * when the test ends. The student's code never runs in the runner.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SL_MAX_PROCS 32
#define SL_MAX_STEPS 24
#define SL_DEFAULT_WAIT 5.0

struct sl_buf {
    char *data;
    size_t len, cap;
};

struct sl_proc {
    pid_t pid;
    int in, out, err; /* our ends of the child's stdin/stdout/stderr; -1 once closed */
    struct sl_buf obuf, ebuf;
    size_t ocursor, ecursor; /* where sl_wait_line / sl_wait_err look next */
    bool exited, exit_logged;
    int status;
    char *name; /* the program's short name, for messages */
    char *cmdline;
    char line[1024];
};

/* Per-test state; each test runs in its own worker process. */
static struct sl_proc *procs[SL_MAX_PROCS];
static int nprocs;
static char *steps[SL_MAX_STEPS];
static int nsteps, steps_dropped;
static char tmpdir[PATH_MAX];

/* ---- small utilities ---------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sl_deadline(double seconds)
{
    const char *slow = getenv("SOCKLAB_SLOW");
    double f = slow ? strtod(slow, NULL) : 1.0;
    return seconds * (f >= 1.0 && f <= 100.0 ? f : 1.0);
}

static void buf_append(struct sl_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
        char *d = realloc(b->data, cap);
        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

/* Text shown to a student inside one report line: newlines become "\n",
 * control bytes '?', cut to `max` bytes. Returns a new string. */
static char *one_line(const char *text, size_t max)
{
    struct sl_buf b = {0};
    buf_append(&b, "", 0);
    for (const char *s = text ? text : ""; *s; s++) {
        if (b.len >= max) {
            buf_append(&b, "...", 3);
            break;
        }
        if (*s == '\n')
            buf_append(&b, s[1] ? "\\n" : "", s[1] ? 2 : 0);
        else if (*s == '\t')
            buf_append(&b, " ", 1);
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            buf_append(&b, "?", 1);
        else
            buf_append(&b, s, 1);
    }
    return b.data;
}

/* ---- steps, failures, skips -------------------------------------------- */

void sl_step(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
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
    for (int i = nprocs - 1; i >= 0; i--)
        if (procs[i])
            return procs[i]->cmdline;
    return NULL;
}

/* Fail the test with a report in keyed lines the grader lays out:
 * status:, expected:, got:, step:, try:. */
static void fail_with(const char *status, const char *expected, const char *got) __attribute__((noreturn));
static void fail_with(const char *status, const char *expected, const char *got)
{
    struct sl_buf m = {0};
    buf_append(&m, "", 0);
    char *e = one_line(expected, 400), *g = one_line(got, 600);
    if (status) {
        char *st = xasprintf("status: %s\n", status);
        buf_append(&m, st, strlen(st));
        free(st);
    }
    char *head = xasprintf("expected: %s\ngot: %s\n", e, g);
    buf_append(&m, head, strlen(head));
    free(head);
    free(e);
    free(g);
    for (int i = 0; i < nsteps; i++) {
        char *s = one_line(steps[i], 300);
        char *l =
            i == 4 && steps_dropped
                ? xasprintf("step: (%d more steps)\nstep: %d. %s\n", steps_dropped, i + 1 + steps_dropped, s)
                : xasprintf("step: %d. %s\n", i + 1 + (i >= 4 ? steps_dropped : 0), s);
        buf_append(&m, l, strlen(l));
        free(l);
        free(s);
    }
    const char *cmd = last_cmdline();
    if (cmd) {
        char *t = xasprintf("try: %s\n", cmd);
        buf_append(&m, t, strlen(t));
        free(t);
    }
    cr_assert_fail("%s", m.data);
    abort(); /* not reached */
}

void sl_fail(const char *expected, const char *got_fmt, ...)
{
    va_list ap;
    va_start(ap, got_fmt);
    char *got = xvasprintf(got_fmt, ap);
    va_end(ap);
    fail_with(NULL, expected, got);
}

void sl_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = xvasprintf(fmt, ap);
    va_end(ap);
    cr_skip_test("%s", why);
    abort();
}

/* ---- starting programs --------------------------------------------------- */

/* Real peers that `make deps` installs: missing, they skip a test. */
static bool is_real_peer(const char *name)
{
    static const char *const peers[] = {"socat", "ncat",    "getent", "ss",     "ping",
                                        "ip",    "openssl", "tshark", "ffmpeg", "gst-launch-1.0"};
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
        if (strcmp(name, peers[i]) == 0)
            return true;
    return false;
}

static const char *bin_dir(void)
{
    const char *d = getenv("SOCKLAB_BIN");
    return d && *d ? d : ".";
}

/* The file to execute for prog, in a new string, or NULL (and the test
 * skipped or failed, saying why). */
static char *resolve_prog(const char *prog)
{
    char *p = xasprintf("%s/%s", bin_dir(), prog);
    if (strchr(prog, '/') == NULL && access(p, X_OK) == 0)
        return p;
    free(p);
    if (strchr(prog, '/'))
        return strdup(prog);
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    for (char *save, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        p = xasprintf("%s/%s", dir, prog);
        if (access(p, X_OK) == 0) {
            free(copy);
            return p;
        }
        free(p);
    }
    free(copy);
    if (is_real_peer(prog))
        sl_skip("this test uses the real program '%s' as a peer, and it is not installed: "
                "run 'make deps'",
                prog);
    char *want = xasprintf("your program '%s' built in %s/", prog, bin_dir());
    fail_with(NULL, want,
              "no such program there: did 'make' build it? Run 'make' and read the "
              "compiler's errors");
}

/* A shell-quoted copy of arg, appended to b. */
static void quote_arg(struct sl_buf *b, const char *arg)
{
    bool plain = *arg != '\0';
    for (const char *s = arg; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%", *s))
            plain = false;
    if (plain) {
        buf_append(b, arg, strlen(arg));
        return;
    }
    buf_append(b, "'", 1);
    for (const char *s = arg; *s; s++)
        if (*s == '\'')
            buf_append(b, "'\\''", 4);
        else
            buf_append(b, s, 1);
    buf_append(b, "'", 1);
}

static char *make_cmdline(const char *path, char *const argv[], const char *dir)
{
    struct sl_buf b = {0};
    buf_append(&b, "", 0);
    if (dir) {
        buf_append(&b, "(cd ", 4);
        quote_arg(&b, dir);
        buf_append(&b, " && ", 4);
    }
    quote_arg(&b, path);
    for (int i = 1; argv[i]; i++) {
        buf_append(&b, " ", 1);
        quote_arg(&b, argv[i]);
    }
    if (dir)
        buf_append(&b, ")", 1);
    return b.data;
}

/* In the child: become a process group of its own that dies with the test,
 * with the pipes as stdio and nothing else open; then exec. */
static void child_exec(const char *path, char *const argv[], const char *dir, int pin[2], int pout[2],
                       int perr[2], int report)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0)
        goto fail;
    if (dup2(report, 3) < 0)
        goto fail;
    if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        goto fail;
    if (close_range(4, ~0U, 0) != 0)
        for (int fd = 4; fd < 1024; fd++)
            close(fd);
    if (dir && chdir(dir) < 0)
        goto fail;
    execv(path, argv);
fail:;
    int e = errno;
    ssize_t n = write(3, &e, sizeof e);
    (void)n;
    _exit(127);
}

static struct sl_proc *start(const char *dir, const char *prog, char *const argv[])
{
    if (nprocs == SL_MAX_PROCS)
        sl_fail("a test to start at most 32 programs", "more: this is a bug in the test");
    char *path = resolve_prog(prog);
    int pin[2], pout[2], perr[2], rep[2];
    if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0 ||
        pipe2(rep, O_CLOEXEC) < 0)
        sl_fail("to create pipes for the program", "pipe2: %s", strerror(errno));
    struct sl_proc *p = calloc(1, sizeof *p);
    p->name = strdup(prog);
    p->cmdline = make_cmdline(path, argv, dir);
    fflush(NULL);
    p->pid = fork();
    if (p->pid < 0)
        sl_fail("to start a program", "fork: %s", strerror(errno));
    if (p->pid == 0)
        child_exec(path, argv, dir, pin, pout, perr, rep[1]);
    setpgid(p->pid, p->pid); /* also here, so a kill right after cannot miss */
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    close(rep[1]);
    p->in = pin[1];
    p->out = pout[0];
    p->err = perr[0];
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    procs[nprocs++] = p;
    int e;
    ssize_t n = read(rep[0], &e, sizeof e);
    close(rep[0]);
    sl_step("started `%s`", p->cmdline);
    if (n == (ssize_t)sizeof e)
        sl_fail("the program to start", "could not run %s: %s", path, strerror(e));
    free(path);
    return p;
}

static char **collect_args(const char *prog, va_list ap)
{
    size_t n = 1, cap = 8;
    char **argv = calloc(cap, sizeof *argv);
    argv[0] = (char *)prog;
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        if (n + 2 > cap)
            argv = realloc(argv, (cap *= 2) * sizeof *argv);
        argv[n++] = a;
    }
    argv[n] = NULL;
    return argv;
}

struct sl_proc *sl_startv(const char *prog, char *const argv[])
{
    return start(NULL, prog, argv);
}

struct sl_proc *sl_start(const char *prog, ...)
{
    va_list ap;
    va_start(ap, prog);
    char **argv = collect_args(prog, ap);
    va_end(ap);
    struct sl_proc *p = start(NULL, prog, argv);
    free(argv);
    return p;
}

struct sl_proc *sl_start_in(const char *dir, const char *prog, ...)
{
    va_list ap;
    va_start(ap, prog);
    char **argv = collect_args(prog, ap);
    va_end(ap);
    struct sl_proc *p = start(dir, prog, argv);
    free(argv);
    return p;
}

struct sl_proc *sl_run(const char *prog, ...)
{
    va_list ap;
    va_start(ap, prog);
    char **argv = collect_args(prog, ap);
    va_end(ap);
    struct sl_proc *p = start(NULL, prog, argv);
    free(argv);
    sl_close_stdin(p);
    sl_wait_exit(p, SL_DEFAULT_WAIT);
    return p;
}

/* ---- watching programs --------------------------------------------------- */

/* Read what is available on fd into b; returns false at EOF or error (and
 * closes fd). */
static bool drain(int *fd, struct sl_buf *b)
{
    char chunk[4096];
    for (;;) {
        ssize_t n = read(*fd, chunk, sizeof chunk);
        if (n > 0) {
            if (b->len < (16u << 20)) /* keep at most 16 MiB of output */
                buf_append(b, chunk, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        close(*fd);
        *fd = -1;
        return false;
    }
}

static void reap(struct sl_proc *p)
{
    if (p->exited)
        return;
    int st;
    if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->exited = true;
        p->status = st;
    }
}

/* Wait up to `until` (monotonic) for output or exit, collecting both. */
static void pump(struct sl_proc *p, double until)
{
    struct pollfd fds[2] = {{.fd = p->out, .events = POLLIN}, {.fd = p->err, .events = POLLIN}};
    double left = until - now();
    int ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
    reap(p);
    if (p->exited && ms > 50)
        ms = 50; /* it exited: only what is still in the pipes */
    if (p->out < 0 && p->err < 0) {
        if (!p->exited && ms > 0) { /* no pipes left: wait for the exit itself */
            for (double end = now() + ms / 1000.0; !p->exited && now() < end;) {
                struct timespec ts = {0, 2000000};
                nanosleep(&ts, NULL); /* polling waitpid: nothing else to wait on */
                reap(p);
            }
        }
        return;
    }
    if (poll(fds, 2, ms) > 0) {
        if (fds[0].revents && p->out >= 0)
            drain(&p->out, &p->obuf);
        if (fds[1].revents && p->err >= 0)
            drain(&p->err, &p->ebuf);
    }
    reap(p);
}

static const char *describe_status(int st, char *buf, size_t len)
{
    if (WIFEXITED(st))
        snprintf(buf, len, "exit code %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, len, "killed by %s%s", sigabbrev_np(WTERMSIG(st)) ? "SIG" : "signal ",
                 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
    else
        snprintf(buf, len, "status %#x", st);
    return buf;
}

static void kill_group(struct sl_proc *p)
{
    if (p->pid > 0)
        kill(-p->pid, SIGKILL);
}

static const char *wait_text(struct sl_proc *p, struct sl_buf *b, size_t *cursor, int *fd, const char *needle,
                             double seconds, const char *stream)
{
    double until = now() + sl_deadline(seconds);
    for (;;) {
        while (b->data && *cursor < b->len) {
            char *nl = memchr(b->data + *cursor, '\n', b->len - *cursor);
            if (!nl)
                break;
            size_t len = (size_t)(nl - (b->data + *cursor));
            char *line = b->data + *cursor;
            *cursor += len + 1;
            if (memmem(line, len, needle, strlen(needle))) {
                snprintf(p->line, sizeof p->line, "%.*s", (int)len, line);
                sl_step("`%s` printed \"%s\"", p->name, p->line);
                return p->line;
            }
        }
        double left = until - now();
        bool closed = *fd < 0;
        /* Its output closed: it is most likely exiting; give it a moment,
         * so that the report can say how it ended and what it said. */
        for (double end = now() + 1.0; closed && !p->exited && now() < end;)
            pump(p, end);
        if (left <= 0 || closed) {
            char want[512], st[64];
            snprintf(want, sizeof want, "%s to print a line containing \"%s\" on %s within %.0f s", p->name,
                     needle, stream, sl_deadline(seconds));
            if (closed && p->exited)
                sl_fail(want, "it ended (%s) after printing: %s%s%s",
                        describe_status(p->status, st, sizeof st), b->len ? b->data : "(nothing)",
                        b == &p->obuf && p->ebuf.len ? "; on stderr: " : "",
                        b == &p->obuf && p->ebuf.len ? p->ebuf.data : "");
            if (closed)
                sl_fail(want, "it closed its %s after printing: %s", stream, b->len ? b->data : "(nothing)");
            fail_with("timed out", want,
                      b->len ? b->data
                             : "it printed nothing (is the line flushed? stdout to a pipe is buffered)");
        }
        pump(p, until);
    }
}

const char *sl_wait_line(struct sl_proc *p, const char *needle, double seconds)
{
    return wait_text(p, &p->obuf, &p->ocursor, &p->out, needle, seconds, "stdout");
}

const char *sl_wait_err(struct sl_proc *p, const char *needle, double seconds)
{
    return wait_text(p, &p->ebuf, &p->ecursor, &p->err, needle, seconds, "stderr");
}

int sl_wait_exit(struct sl_proc *p, double seconds)
{
    double until = now() + sl_deadline(seconds);
    while (!p->exited && now() < until)
        pump(p, until);
    if (!p->exited) {
        kill_group(p);
        char want[256];
        snprintf(want, sizeof want, "%s to exit within %.0f s", p->name, sl_deadline(seconds));
        char *got = xasprintf("it was still running, so the test killed it; it had printed: %s",
                              p->obuf.len ? p->obuf.data : "(nothing)");
        fail_with("timed out", want, got);
    }
    /* Collect what is left in the pipes (a forked child may keep them open). */
    double end = now() + 0.2;
    while ((p->out >= 0 || p->err >= 0) && now() < end)
        pump(p, end);
    if (!p->exit_logged) {
        char st[64];
        sl_step("`%s` ended: %s", p->name, describe_status(p->status, st, sizeof st));
        p->exit_logged = true;
    }
    return p->status;
}

static void expect_exit(struct sl_proc *p, int code, bool any_failure)
{
    int st = sl_wait_exit(p, SL_DEFAULT_WAIT);
    char want[256], got[64];
    if (any_failure)
        snprintf(want, sizeof want, "%s to fail with a non-zero exit code", p->name);
    else
        snprintf(want, sizeof want, "%s to exit with code %d", p->name, code);
    if (WIFSIGNALED(st)) {
        char status[64];
        snprintf(status, sizeof status, "crashed (%s%s)", sigabbrev_np(WTERMSIG(st)) ? "SIG" : "",
                 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
        char *g = xasprintf("it was %s; stderr: %s", describe_status(st, got, sizeof got),
                            p->ebuf.len ? p->ebuf.data : "(nothing)");
        fail_with(status, want, g);
    }
    int c = WEXITSTATUS(st);
    if (any_failure ? c == 0 : c != code)
        sl_fail(want, "exit code %d; stderr: %s", c, p->ebuf.len ? p->ebuf.data : "(nothing)");
}

void sl_expect_exit(struct sl_proc *p, int code)
{
    expect_exit(p, code, false);
}
void sl_expect_failure(struct sl_proc *p)
{
    expect_exit(p, 0, true);
}

const char *sl_out(struct sl_proc *p)
{
    if (p->out >= 0)
        pump(p, now());
    return p->obuf.data ? p->obuf.data : "";
}

const char *sl_err(struct sl_proc *p)
{
    if (p->err >= 0)
        pump(p, now());
    return p->ebuf.data ? p->ebuf.data : "";
}

void sl_write(struct sl_proc *p, const char *text)
{
    size_t len = strlen(text), off = 0;
    while (off < len && p->in >= 0) {
        ssize_t n = write(p->in, text + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            sl_fail("to write to the program's stdin", "write: %s (did it exit? %s)", strerror(errno),
                    sl_err(p));
        off += (size_t)n;
    }
}

void sl_close_stdin(struct sl_proc *p)
{
    if (p->in >= 0) {
        close(p->in);
        p->in = -1;
    }
}

void sl_signal(struct sl_proc *p, int sig)
{
    sl_step("sent %s to `%s`", sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal", p->name);
    if (!p->exited)
        kill(-p->pid, sig);
}

pid_t sl_pid(const struct sl_proc *p)
{
    return p->pid;
}
const char *sl_cmdline(const struct sl_proc *p)
{
    return p->cmdline;
}

/* ---- checks on text ------------------------------------------------------ */

void sl_expect_contains(const char *text, const char *needle, const char *what)
{
    if (strstr(text ? text : "", needle))
        return;
    char *want = xasprintf("%s to contain \"%s\"", what, needle);
    fail_with(NULL, want, text && *text ? text : "(nothing)");
}

void sl_expect_not_contains(const char *text, const char *needle, const char *what)
{
    if (!strstr(text ? text : "", needle))
        return;
    char *want = xasprintf("%s not to contain \"%s\"", what, needle);
    fail_with(NULL, want, text);
}

void sl_expect_one_line_error(struct sl_proc *p)
{
    const char *e = sl_err(p);
    int lines = 0;
    for (const char *s = e; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len > 0)
            lines++;
        s += len + (nl != NULL);
    }
    char *want = xasprintf("%s to print exactly one line on stderr (the error)", p->name);
    if (lines != 1)
        fail_with(NULL, want, lines ? e : "(nothing on stderr)");
    free(want);
}

void sl_expect_error(struct sl_proc *p, int code, const char *needle)
{
    sl_expect_exit(p, code);
    sl_expect_one_line_error(p);
    char *what = xasprintf("%s's error line", p->name);
    sl_expect_contains(sl_err(p), needle, what);
    free(what);
}

const char *sl_field(const char *line, const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);
    for (const char *s = line; (s = strstr(s, key)) != NULL; s++) {
        if (s != line && s[-1] != ' ')
            continue;
        const char *v = s + klen;
        snprintf(buf, len, "%.*s", (int)strcspn(v, " \r\n"), v);
        return buf;
    }
    return NULL;
}

const char *sl_find_line(const char *text, const char *needle, char *buf, size_t len)
{
    for (const char *s = text ? text : ""; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (memmem(s, n, needle, strlen(needle))) {
            snprintf(buf, len, "%.*s", (int)n, s);
            return buf;
        }
        s += n + (nl != NULL);
    }
    return NULL;
}

int sl_count_lines(const char *text, const char *needle)
{
    int count = 0;
    for (const char *s = text ? text : ""; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (memmem(s, n, needle, strlen(needle)))
            count++;
        s += n + (nl != NULL);
    }
    return count;
}

long sl_number_after(const char *line, const char *key)
{
    long result = -1;
    for (const char *s = line ? strstr(line, key) : NULL; s; s = strstr(s + 1, key)) {
        char *end;
        errno = 0;
        long v = strtol(s + strlen(key), &end, 10);
        if (end != s + strlen(key) && errno == 0)
            result = v;
    }
    return result;
}

/* ---- hygiene ------------------------------------------------------------- */

int sl_fd_count(const struct sl_proc *p)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)p->pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int sl_zombie_count(const struct sl_proc *p)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int zombies = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], stat[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        char *rp = strrchr(stat, ')'); /* the command name may hold spaces */
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == p->pid && state == 'Z')
            zombies++;
    }
    closedir(d);
    return zombies;
}

const char *sl_fd_target(const struct sl_proc *p, int fd, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)p->pid, fd);
    ssize_t n = readlink(path, buf, len - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

int sl_socket_count(const struct sl_proc *p, char *desc, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)p->pid);
    DIR *d = opendir(path);
    if (!d)
        sl_fail("to read the open fds of the running program", "opendir %s: %s", path, strerror(errno));
    int n = 0;
    size_t used = 0;
    if (desc && len)
        desc[0] = '\0';
    for (struct dirent *e; (e = readdir(d));) {
        char link[128];
        if (e->d_name[0] == '.' || !sl_fd_target(p, (int)strtol(e->d_name, NULL, 10), link, sizeof link) ||
            strncmp(link, "socket:[", 8) != 0)
            continue;
        n++;
        if (desc && used < len) {
            int w = snprintf(desc + used, len - used, "%s%s=%s", used ? " " : "", e->d_name, link);
            if (w > 0)
                used += (size_t)w < len - used ? (size_t)w : len - used;
        }
    }
    closedir(d);
    return n;
}

/* The state letter of the program in /proc/PID/stat ('R' running, 'S'
 * sleeping, 'Z' exited, not yet reaped), or 'X' when it is gone. */
static char proc_state(const struct sl_proc *p)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)p->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 'X';
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')'); /* the name may hold spaces */
    return paren && paren[1] == ' ' && paren[2] ? paren[2] : 'X';
}

void sl_wait_blocked(struct sl_proc *p, double seconds)
{
    double until = now() + sl_deadline(seconds);
    char state;
    while ((state = proc_state(p)) != 'S' && state != 'Z' && state != 'X' && now() < until) {
        struct timespec tick = {0, 1000000};
        nanosleep(&tick, NULL); /* a bounded poll of /proc: there is no event for "blocked" */
    }
    sl_step("waited for `%s` to block", p->name);
    char want[256];
    snprintf(want, sizeof want, "%s to wait (blocked reading its input, say) until the test acts", p->name);
    sl_expect(state == 'S', want, "%s",
              state == 'Z' || state == 'X' ? "it exited instead" : "it kept running without waiting");
}

/* ---- sockets ------------------------------------------------------------- */

int sl_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        sl_fail("to find a free port", "%s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

int sl_tcp_connect(const char *host, int port, double seconds)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        sl_fail("a numeric address to connect to", "%s: %s", host, gai_strerror(rc));
    sl_step("connect to %s port %d", host, port);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        sl_fail("a socket", "socket: %s", strerror(errno));
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS) {
        int e = errno;
        freeaddrinfo(res);
        sl_fail("to connect", "connect %s port %d: %s", host, port, strerror(e));
    }
    freeaddrinfo(res);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&pfd, 1, (int)(sl_deadline(seconds) * 1000)) != 1)
        fail_with("timed out", "to connect", "no answer to the connection");
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err)
        sl_fail("to connect", "connect %s port %d: %s", host, port, strerror(err));
    fcntl(fd, F_SETFL, 0);
    return fd;
}

/* ---- the sandbox --------------------------------------------------------- */

bool sl_sandboxed(void)
{
    const char *s = getenv("SOCKLAB_SANDBOX");
    return s && strcmp(s, "1") == 0;
}

const char *sl_sandbox_note(void)
{
    const char *s = getenv("SOCKLAB_SANDBOX_NOTE");
    return s ? s : "";
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Bring up the loopback interface of the new network namespace. */
static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* How to allow user namespaces on this machine. */
static const char *userns_advice(void)
{
    const char *given = getenv("SOCKLAB_SANDBOX_ADVICE"); /* set where a platform knows better */
    if (given && *given)
        return given;
    FILE *f = fopen("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "r");
    int v = 0;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 0;
        fclose(f);
    }
    if (v == 1)
        return "AppArmor restricts unprivileged user namespaces here (Ubuntu 23.10 and later); allow "
               "them with 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'";
    return "on Ubuntu 23.10 and later, 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'; "
           "in Docker, run the container with '--security-opt seccomp=unconfined'";
}

/* Enter a private user + network namespace, mapping us to root inside, and
 * bring up its loopback. Returns NULL, or the step that failed (errno set). */
static const char *sandbox_try(uid_t uid, gid_t gid)
{
    char map[64];
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
        return "unshare";
    snprintf(map, sizeof map, "0 %d 1", (int)uid);
    if (write_file("/proc/self/uid_map", map) != 0)
        return "write uid_map";
    if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
        return "write setgroups";
    snprintf(map, sizeof map, "0 %d 1", (int)gid);
    if (write_file("/proc/self/gid_map", map) != 0)
        return "write gid_map";
    if (loopback_up() != 0)
        return "bring up lo";
    /* Root mapped into a user namespace is not root over the files: a tree
     * that only its owner may enter is out of reach there, and Criterion
     * runs each test by the test program's full path. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        if (access(exe, X_OK) != 0 && errno == EACCES)
            return "reach the programs to grade";
    }
    return NULL;
}

/* Enter the sandbox if this machine allows it. It is tried first in a child,
 * so that a half-made namespace (allowed to unshare, denied the uid map, as
 * under Ubuntu's AppArmor rule) never becomes ours. Sets SOCKLAB_SANDBOX=1
 * for the workers, or leaves a note saying what failed and how to allow it. */
static void sandbox_enter(void)
{
    static const char *const steps_[] = {"unshare",       "write uid_map", "write setgroups",
                                         "write gid_map", "bring up lo",   "reach the programs to grade"};
    uid_t uid = geteuid();
    gid_t gid = getegid();
    const char *what = "fork";
    int err = 0;
    if (getenv("SOCKLAB_NO_SANDBOX")) {
        setenv("SOCKLAB_SANDBOX", "0", 1);
        setenv("SOCKLAB_SANDBOX_NOTE",
               "the sandbox is turned off (SOCKLAB_NO_SANDBOX is set): tests ran on "
               "this machine's loopback; tests that need it were skipped",
               1);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        const char *failed = sandbox_try(uid, gid);
        for (int i = 0; failed && i < 6; i++)
            if (strcmp(failed, steps_[i]) == 0)
                _exit(10 + i);
        _exit(0);
    }
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        what = sandbox_try(uid, gid);
        err = errno;
        if (!what) {
            setenv("SOCKLAB_SANDBOX", "1", 1);
            setenv("SOCKLAB_SANDBOX_NOTE", "", 1);
            return;
        }
    } else if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) >= 10 && WEXITSTATUS(st) < 16) {
        what = steps_[WEXITSTATUS(st) - 10];
        err = 0;
    }
    char note[640];
    if (strcmp(what, "reach the programs to grade") == 0)
        snprintf(note, sizeof note, "%s",
                 "tests ran on this machine's loopback, not in a private network namespace: inside one, "
                 "this checkout is out of reach (it sits in a directory only its owner may enter); grade "
                 "as the user who owns it, and the sandbox works again");
    else
        snprintf(note, sizeof note,
                 "tests ran on this machine's loopback, not in a private network namespace (%s%s%s: user "
                 "namespaces are denied here); tests that need one were skipped. To allow them: %s",
                 what, err ? ": " : "", err ? strerror(err) : "", userns_advice());
    setenv("SOCKLAB_SANDBOX", "0", 1);
    setenv("SOCKLAB_SANDBOX_NOTE", note, 1);
}

void sl_private_hosts(const char *content)
{
    if (!sl_sandboxed())
        sl_skip("this test needs a private /etc/hosts, which needs the sandbox: %s", sl_sandbox_note());
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/hosts", sl_tmpdir());
    FILE *f = fopen(path, "w");
    if (!f || fputs(content, f) < 0 || fclose(f) != 0)
        sl_fail("to write a private hosts file", "%s: %s", path, strerror(errno));
    chmod(path, 0644);
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount(path, "/etc/hosts", NULL, MS_BIND, NULL) != 0)
        sl_skip("could not give this test a private /etc/hosts: %s", strerror(errno));
    /* A name service cache daemon would answer from its cache instead. */
    if (access("/run/nscd", F_OK) == 0 && mount("none", "/run/nscd", "tmpfs", 0, NULL) != 0)
        sl_skip("could not hide nscd's cache from this test: %s", strerror(errno));
    sl_step("gave the test a private /etc/hosts");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

const char *sl_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/socklab.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            int e = errno;
            tmpdir[0] = '\0';
            sl_fail("a temporary directory", "mkdtemp: %s", strerror(e));
        }
    }
    return tmpdir;
}

/* ---- test lifecycle ------------------------------------------------------ */

void sl_test_init(void)
{
    signal(SIGPIPE, SIG_IGN);
    /* Not dumpable: the student's programs (same user) cannot open our
     * /proc/PID/fd, where the grader's results pipe is. */
    prctl(PR_SET_DUMPABLE, 0);
    /* Orphans of the student's programs (a forked server's children) come
     * to us, so that they can be killed and reaped at the end. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void sl_test_fini(void)
{
    for (int i = 0; i < nprocs; i++) {
        kill_group(procs[i]);
        if (!procs[i]->exited)
            waitpid(procs[i]->pid, NULL, 0);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) /* reap adopted orphans */
        ;
    if (tmpdir[0])
        nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

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
            char buf[512], pts[16], line[16];
            const char *status = t->test_status == CR_STATUS_SKIPPED  ? "skip"
                                 : t->timed_out                       ? "fail"
                                 : t->crashed                         ? "fail"
                                 : t->test_status == CR_STATUS_PASSED ? "pass"
                                                                      : "fail";
            snprintf(pts, sizeof pts, "%d", m ? m->points : 0);
            snprintf(line, sizeof line, "%d", m ? m->line : 0);
            fputs("test", f);
            put_field(f, t->test->name);
            put_field(f, line);
            put_field(f, pts);
            put_field(f, status);
            put_field(f, t->test->data ? t->test->data->description : "");
            put_field(f, m ? m->hint : "");
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

int main(int argc, char **argv)
{
    sandbox_enter();
    prctl(PR_SET_DUMPABLE, 0); /* see sl_test_init */
    struct criterion_test_set *tests = criterion_initialize();
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
