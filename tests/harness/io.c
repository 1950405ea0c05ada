/*
 * io.c - the test's I/O loop: every wait and every write of the harness.
 *
 * One poll over every pipe of every program the test started (stdout and
 * stderr of each), each program's pidfd (readable when it exits) and the
 * one fd a wait is about (a stdin to write, a socket to read). So while the
 * test writes to one program or waits for a line, an exit, a socket or a
 * deadline, no program ever blocks on a full pipe, and an exit is seen at
 * once. Output kept per stream is bounded (see struct sl_stream).
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define READ_CHUNK (64u << 10)
#define READ_BUDGET (1u << 20) /* per stream and round: a flood cannot starve the others */

/* ---- output streams ------------------------------------------------------ */

/* Keep n more bytes of a stream: all of them up to SL_KEEP_MAX; past that,
 * the first SL_HEAD_KEEP bytes (once) and the latest SL_KEEP_MAX / 2. */
static void stream_keep(struct sl_stream *s, const char *data, size_t n)
{
    s->total += n;
    if (s->buf.len + n > SL_KEEP_MAX) {
        if (s->base == 0)
            sl_buf_append(&s->head, s->buf.data, s->buf.len < SL_HEAD_KEEP ? s->buf.len : SL_HEAD_KEEP);
        size_t keep = SL_KEEP_MAX / 2;
        if (n >= keep) {
            s->base += s->buf.len + (n - keep);
            s->buf.len = 0;
            data += n - keep;
            n = keep;
        } else {
            size_t drop = s->buf.len + n - keep;
            memmove(s->buf.data, s->buf.data + drop, s->buf.len - drop);
            s->buf.len -= drop;
            s->base += drop;
        }
    }
    sl_buf_append(&s->buf, data, n);
}

/* Read what the pipe has now (up to READ_BUDGET) into the stream; at end
 * of file or on an error, close it. */
static void stream_drain(struct sl_stream *s)
{
    static char chunk[READ_CHUNK];
    for (size_t got = 0; got < READ_BUDGET;) {
        ssize_t n = read(s->fd, chunk, sizeof chunk);
        if (n > 0) {
            stream_keep(s, chunk, (size_t)n);
            got += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        close(s->fd);
        s->fd = -1;
        return;
    }
}

/* The stream as text: all of it, or of a flood its head, a note and the
 * latest bytes. Valid until the stream changes. */
static const char *stream_text(struct sl_stream *s)
{
    if (s->base == 0)
        return s->buf.data ? s->buf.data : "";
    s->view.len = 0;
    sl_buf_append(&s->view, s->head.data, s->head.len);
    char *note = sl_xasprintf("\n[... %zu bytes not kept ...]\n", s->base - s->head.len);
    sl_buf_append(&s->view, note, strlen(note));
    free(note);
    sl_buf_append(&s->view, s->buf.data, s->buf.len);
    return s->view.data;
}

/* ---- the loop -------------------------------------------------------------- */

static void reap(struct sl_proc *p)
{
    int st;
    if (p->exited || waitpid(p->pid, &st, WNOHANG) != p->pid)
        return;
    p->exited = true;
    p->status = st;
    if (p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
}

short sl_io_round(int fd, short events, double until)
{
    struct pollfd pfd[SL_MAX_PROCS * 3 + 2];
    struct sl_proc *owner[SL_MAX_PROCS * 3];
    int n = 0;
    bool blind = false; /* a program with no pidfd: its exit is polled */
    for (int i = 0; i < sl_nprocs; i++) {
        struct sl_proc *p = sl_procs[i];
        int fds[3] = {p->out.fd, p->err.fd, p->exited ? -1 : p->pidfd};
        for (int k = 0; k < 3; k++)
            if (fds[k] >= 0) {
                owner[n] = p;
                pfd[n++] = (struct pollfd){.fd = fds[k], .events = POLLIN};
            }
        blind |= !p->exited && p->pidfd < 0;
    }
    int self = fd >= 0 ? n : -1;
    if (fd >= 0)
        pfd[n++] = (struct pollfd){.fd = fd, .events = events};
    int wire = sl_wire_fd() >= 0 ? n : -1; /* the capture's ring (wire.c) */
    if (wire >= 0)
        pfd[n++] = (struct pollfd){.fd = sl_wire_fd(), .events = POLLIN};
    double left = until - sl_now();
    int ms = left <= 0 ? 0 : left > 3600 ? 3600000 : (int)(left * 1000) + 1;
    if (blind && ms > 10)
        ms = 10;
    short ready = 0;
    if (poll(pfd, (nfds_t)n, ms) > 0) {
        for (int k = 0; k < n; k++) {
            if (!pfd[k].revents)
                continue;
            if (k == self) {
                ready = pfd[k].revents;
                continue;
            }
            if (k == wire)
                continue;
            struct sl_proc *p = owner[k];
            if (pfd[k].fd == p->out.fd)
                stream_drain(&p->out);
            else if (pfd[k].fd == p->err.fd)
                stream_drain(&p->err);
            else
                reap(p);
        }
    }
    if (blind)
        for (int i = 0; i < sl_nprocs; i++)
            if (sl_procs[i]->pidfd < 0)
                reap(sl_procs[i]);
    sl_wire_drain();
    return ready;
}

/* ---- exits ----------------------------------------------------------------- */

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

int sl_wait_exit(struct sl_proc *p, double seconds)
{
    double until = sl_now() + sl_deadline(seconds);
    while (!p->exited && sl_now() < until)
        sl_io_round(-1, 0, until);
    if (!p->exited) {
        sl_kill_group(p);
        char want[256];
        snprintf(want, sizeof want, "%s to exit within %.0f s", p->name, sl_deadline(seconds));
        char *got = sl_xasprintf("it was still running, so the test killed it; it had printed: %s",
                                 p->out.total ? stream_text(&p->out) : "(nothing)");
        sl_fail_with("timed out", want, got);
    }
    /* Collect what is left in the pipes (a forked child may keep them open). */
    double end = sl_now() + 0.2;
    while ((p->out.fd >= 0 || p->err.fd >= 0) && sl_now() < end)
        sl_io_round(-1, 0, end);
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
                               p->err.total ? stream_text(&p->err) : "(nothing)");
        sl_fail_with(status, want, g);
    }
    int c = WEXITSTATUS(st);
    if (any_failure ? c == 0 : c != code)
        sl_fail(want, "exit code %d; stderr: %s", c, p->err.total ? stream_text(&p->err) : "(nothing)");
}

void sl_expect_exit(struct sl_proc *p, int code)
{
    expect_exit(p, code, false);
}

void sl_expect_failure(struct sl_proc *p)
{
    expect_exit(p, 0, true);
}

/* ---- lines ----------------------------------------------------------------- */

/* The next whole line of s from its line cursor that contains needle, into
 * p->line; NULL if none has come yet. */
static const char *next_line_with(struct sl_proc *p, struct sl_stream *s, const char *needle)
{
    if (s->line_at < s->base)
        s->line_at = s->base; /* a flood: the lines in between were not kept */
    while (s->line_at < s->total) {
        char *start = s->buf.data + (s->line_at - s->base);
        size_t from = s->scan_at > s->line_at ? s->scan_at : s->line_at; /* a long line: only the new bytes */
        char *nl = memchr(s->buf.data + (from - s->base), '\n', s->total - from);
        if (!nl) {
            s->scan_at = s->total;
            return NULL;
        }
        size_t len = (size_t)(nl - start);
        s->line_at += len + 1;
        if (memmem(start, len, needle, strlen(needle))) {
            snprintf(p->line, sizeof p->line, "%.*s", (int)len, start);
            return p->line;
        }
    }
    return NULL;
}

static const char *wait_text(struct sl_proc *p, struct sl_stream *s, const char *needle, double seconds,
                             const char *stream)
{
    double until = sl_now() + sl_deadline(seconds);
    for (;;) {
        const char *line = next_line_with(p, s, needle);
        if (line) {
            sl_step("`%s` printed \"%s\"", p->name, line);
            return line;
        }
        double left = until - sl_now();
        bool closed = s->fd < 0;
        /* Its output closed: it is most likely exiting; give it a moment,
         * so that the report can say how it ended and what it said. */
        for (double end = sl_now() + 1.0; closed && !p->exited && sl_now() < end;)
            sl_io_round(-1, 0, end);
        if (left <= 0 || closed) {
            char want[512], st[64];
            const char *said = s->total ? stream_text(s) : "(nothing)";
            snprintf(want, sizeof want, "%s to print a line containing \"%s\" on %s within %.0f s", p->name,
                     needle, stream, sl_deadline(seconds));
            if (closed && p->exited)
                sl_fail(want, "it ended (%s) after printing: %s%s%s",
                        sl_describe_status(p->status, st, sizeof st), said,
                        s == &p->out && p->err.total ? "; on stderr: " : "",
                        s == &p->out && p->err.total ? stream_text(&p->err) : "");
            if (closed)
                sl_fail(want, "it closed its %s after printing: %s", stream, said);
            sl_fail_with("timed out", want,
                         s->total ? said
                                  : "it printed nothing (is the line flushed? stdout to a pipe is buffered)");
        }
        sl_io_round(-1, 0, until);
    }
}

const char *sl_wait_line(struct sl_proc *p, const char *needle, double seconds)
{
    return wait_text(p, &p->out, needle, seconds, "stdout");
}

const char *sl_wait_err(struct sl_proc *p, const char *needle, double seconds)
{
    return wait_text(p, &p->err, needle, seconds, "stderr");
}

int sl_wait_port(struct sl_proc *p, const char *needle, double seconds, const char **line)
{
    const char *l = sl_wait_line(p, needle, seconds);
    size_t len = strcspn(l, "\r");
    const char *colon = strrchr(l, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || end == colon + 1 || end != l + len || port < 1 || port > 65535) {
        char *want = sl_xasprintf("a line \"%sADDR:PORT\" with the port the kernel chose (1-65535)", needle);
        sl_fail(want, "\"%s\"", l);
    }
    if (line)
        *line = l;
    return (int)port;
}

/* ---- output as text -------------------------------------------------------- */

const char *sl_out(struct sl_proc *p)
{
    if (p->out.fd >= 0)
        sl_io_round(-1, 0, 0);
    return stream_text(&p->out);
}

const char *sl_err(struct sl_proc *p)
{
    if (p->err.fd >= 0)
        sl_io_round(-1, 0, 0);
    return stream_text(&p->err);
}

/* ---- stdin and stdout as byte streams ------------------------------------- */

/* "5 bytes (\"hello\")" or "10485760 bytes": what a step shows of data. */
static char *describe_bytes(const void *data, size_t len)
{
    const char *d = data;
    bool text = len <= 40;
    for (size_t i = 0; text && i < len; i++)
        text = d[i] == '\n' || (d[i] >= 0x20 && d[i] < 0x7f);
    if (!text)
        return sl_xasprintf("%zu bytes", len);
    char *copy = strndup(d, len), *shown = sl_one_line(copy, 60);
    char *s = sl_xasprintf("%zu bytes (\"%s\")", len, shown);
    free(copy);
    free(shown);
    return s;
}

void sl_write_bytes(struct sl_proc *p, const void *data, size_t len)
{
    char *what = describe_bytes(data, len);
    sl_step("wrote %s to `%s`'s stdin", what, p->name);
    free(what);
    if (p->in < 0)
        sl_fail("to write to the program's stdin", "its stdin is %s",
                p->exited ? "gone: it exited" : "closed");
    const char *d = data;
    size_t off = 0;
    double stall = sl_deadline(SL_DEFAULT_WAIT), until = sl_now() + stall;
    while (off < len) {
        short ready = sl_io_round(p->in, POLLOUT, until);
        if (ready) {
            ssize_t n = write(p->in, d + off, len - off);
            if (n > 0) {
                off += (size_t)n;
                until = sl_now() + stall; /* a deadline on progress, not on the whole */
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            char want[160], st[64];
            snprintf(want, sizeof want, "%s to read all %zu bytes written to its stdin", p->name, len);
            sl_io_round(-1, 0, sl_now() + 0.2); /* it may be exiting: say how */
            sl_fail(want, "it stopped reading after %zu bytes (write: %s)%s%s", off, strerror(errno),
                    p->exited ? "; it ended: " : "",
                    p->exited ? sl_describe_status(p->status, st, sizeof st) : "");
        }
        if (sl_now() >= until) {
            char want[160];
            snprintf(want, sizeof want, "%s to read all %zu bytes written to its stdin", p->name, len);
            sl_fail_with("timed out", want,
                         sl_xasprintf("it read %zu bytes, then nothing more for %.0f s", off, stall));
        }
    }
}

void sl_write(struct sl_proc *p, const char *text)
{
    sl_write_bytes(p, text, strlen(text));
}

void sl_read_out(struct sl_proc *p, void *buf, size_t len, double seconds)
{
    struct sl_stream *s = &p->out;
    double until = sl_now() + sl_deadline(seconds);
    for (;;) {
        char want[160];
        snprintf(want, sizeof want, "%zu more bytes from %s on stdout within %.0f s", len, p->name,
                 sl_deadline(seconds));
        if (s->read_at < s->base)
            sl_fail(want, "it wrote so much (%zu bytes) that the test could not keep them", s->total);
        if (len == 0)
            return;
        if (s->total - s->read_at >= len) {
            memcpy(buf, s->buf.data + (s->read_at - s->base), len);
            s->read_at += len;
            return;
        }
        if (s->fd < 0)
            sl_fail(want, "%zu bytes, then it closed its stdout", s->total - s->read_at);
        if (sl_now() >= until)
            sl_fail_with("timed out", want, sl_xasprintf("%zu bytes, then nothing", s->total - s->read_at));
        sl_io_round(-1, 0, until);
    }
}

void sl_expect_out(struct sl_proc *p, const void *data, size_t len, double seconds)
{
    char *got = malloc(len ? len : 1), diff[160];
    if (!got)
        abort();
    sl_read_out(p, got, len, seconds);
    char *what = describe_bytes(data, len);
    sl_step("read %s back from `%s`'s stdout", what, p->name);
    if (sl_describe_diff(got, data, len, diff, sizeof diff)) {
        char *want = sl_xasprintf("%s to write back exactly the %s sent", p->name, what);
        sl_fail(want, "%s", diff);
    }
    free(what);
    free(got);
}

/* ---- the end of a test ------------------------------------------------------ */

/* End every program this test started: kill each process group, reap. */
void sl_proc_end_all(void)
{
    for (int i = 0; i < sl_nprocs; i++) {
        sl_kill_group(sl_procs[i]);
        if (!sl_procs[i]->exited)
            waitpid(sl_procs[i]->pid, NULL, 0);
    }
}
