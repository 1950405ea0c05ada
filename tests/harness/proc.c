/*
 * proc.c - starting the programs under test, talking to them and waiting for them.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sl_proc *sl_procs[SL_MAX_PROCS];
int sl_nprocs;

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
    char *p = sl_xasprintf("%s/%s", bin_dir(), prog);
    if (strchr(prog, '/') == NULL && access(p, X_OK) == 0)
        return p;
    free(p);
    if (strchr(prog, '/'))
        return strdup(prog);
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    for (char *save, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        p = sl_xasprintf("%s/%s", dir, prog);
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
    char *want = sl_xasprintf("your program '%s' built in %s/", prog, bin_dir());
    sl_fail_with(NULL, want,
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
        sl_buf_append(b, arg, strlen(arg));
        return;
    }
    sl_buf_append(b, "'", 1);
    for (const char *s = arg; *s; s++)
        if (*s == '\'')
            sl_buf_append(b, "'\\''", 4);
        else
            sl_buf_append(b, s, 1);
    sl_buf_append(b, "'", 1);
}

static char *make_cmdline(const char *path, char *const argv[], const char *dir)
{
    struct sl_buf b = {0};
    sl_buf_append(&b, "", 0);
    if (dir) {
        sl_buf_append(&b, "(cd ", 4);
        quote_arg(&b, dir);
        sl_buf_append(&b, " && ", 4);
    }
    quote_arg(&b, path);
    for (int i = 1; argv[i]; i++) {
        sl_buf_append(&b, " ", 1);
        quote_arg(&b, argv[i]);
    }
    if (dir)
        sl_buf_append(&b, ")", 1);
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
    if (sl_sandbox_child(0) != 0)
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
    if (sl_nprocs == SL_MAX_PROCS)
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
    sl_procs[sl_nprocs++] = p;
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
                sl_buf_append(b, chunk, (size_t)n);
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
void sl_pump(struct sl_proc *p, double until)
{
    struct pollfd fds[2] = {{.fd = p->out, .events = POLLIN}, {.fd = p->err, .events = POLLIN}};
    double left = until - sl_now();
    int ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
    reap(p);
    if (p->exited && ms > 50)
        ms = 50; /* it exited: only what is still in the pipes */
    if (p->out < 0 && p->err < 0) {
        if (!p->exited && ms > 0) { /* no pipes left: wait for the exit itself */
            for (double end = sl_now() + ms / 1000.0; !p->exited && sl_now() < end;) {
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

const char *sl_describe_status(int st, char *buf, size_t len)
{
    const char *limit = sl_limit_hit(st);
    if (limit)
        snprintf(buf, len, "killed: %s", limit);
    else if (WIFEXITED(st))
        snprintf(buf, len, "exit code %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, len, "killed by %s%s", sigabbrev_np(WTERMSIG(st)) ? "SIG" : "signal ",
                 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
    else
        snprintf(buf, len, "status %#x", st);
    return buf;
}

void sl_kill_group(struct sl_proc *p)
{
    if (p->pid > 0)
        kill(-p->pid, SIGKILL);
}

static const char *wait_text(struct sl_proc *p, struct sl_buf *b, size_t *cursor, int *fd, const char *needle,
                             double seconds, const char *stream)
{
    double until = sl_now() + sl_deadline(seconds);
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
        double left = until - sl_now();
        bool closed = *fd < 0;
        /* Its output closed: it is most likely exiting; give it a moment,
         * so that the report can say how it ended and what it said. */
        for (double end = sl_now() + 1.0; closed && !p->exited && sl_now() < end;)
            sl_pump(p, end);
        if (left <= 0 || closed) {
            char want[512], st[64];
            snprintf(want, sizeof want, "%s to print a line containing \"%s\" on %s within %.0f s", p->name,
                     needle, stream, sl_deadline(seconds));
            if (closed && p->exited)
                sl_fail(want, "it ended (%s) after printing: %s%s%s",
                        sl_describe_status(p->status, st, sizeof st), b->len ? b->data : "(nothing)",
                        b == &p->obuf && p->ebuf.len ? "; on stderr: " : "",
                        b == &p->obuf && p->ebuf.len ? p->ebuf.data : "");
            if (closed)
                sl_fail(want, "it closed its %s after printing: %s", stream, b->len ? b->data : "(nothing)");
            sl_fail_with("timed out", want,
                         b->len ? b->data
                                : "it printed nothing (is the line flushed? stdout to a pipe is buffered)");
        }
        sl_pump(p, until);
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
    double until = sl_now() + sl_deadline(seconds);
    while (!p->exited && sl_now() < until)
        sl_pump(p, until);
    if (!p->exited) {
        sl_kill_group(p);
        char want[256];
        snprintf(want, sizeof want, "%s to exit within %.0f s", p->name, sl_deadline(seconds));
        char *got = sl_xasprintf("it was still running, so the test killed it; it had printed: %s",
                                 p->obuf.len ? p->obuf.data : "(nothing)");
        sl_fail_with("timed out", want, got);
    }
    /* Collect what is left in the pipes (a forked child may keep them open). */
    double end = sl_now() + 0.2;
    while ((p->out >= 0 || p->err >= 0) && sl_now() < end)
        sl_pump(p, end);
    if (!p->exit_logged) {
        char st[64];
        sl_step("`%s` ended: %s", p->name, sl_describe_status(p->status, st, sizeof st));
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
        char *g = sl_xasprintf("it was %s; stderr: %s", sl_describe_status(st, got, sizeof got),
                               p->ebuf.len ? p->ebuf.data : "(nothing)");
        sl_fail_with(status, want, g);
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
        sl_pump(p, sl_now());
    return p->obuf.data ? p->obuf.data : "";
}

const char *sl_err(struct sl_proc *p)
{
    if (p->err >= 0)
        sl_pump(p, sl_now());
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

/* End every program this test started: kill each process group, reap. */
void sl_proc_end_all(void)
{
    for (int i = 0; i < sl_nprocs; i++) {
        sl_kill_group(sl_procs[i]);
        if (!sl_procs[i]->exited)
            waitpid(sl_procs[i]->pid, NULL, 0);
    }
}
