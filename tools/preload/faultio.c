/*
 * faultio.so - make a program's socket I/O as unkind as the kernel may be:
 * short counts and EINTR (EAGAIN on non-blocking fds when asked), seeded,
 * so that a run can be repeated exactly.
 *
 * usage: SOCKLAB_FAULTS='seed=7,short=0.5,eintr=0.2' LD_PRELOAD=build/tools/faultio.so PROGRAM ...
 * (the tests: sl_startx(&(struct sl_opts){.prog = ..., .faults = "seed=7,short=0.5,eintr=0.2"}))
 *
 * It interposes read, write, send, recv, sendto, recvfrom, sendmsg, recvmsg,
 * readv, writev (and glibc's fortified __read_chk, __recv_chk,
 * __recvfrom_chk). On each call on an fd in scope, after the first `after`
 * calls, it draws (seeded) whether to
 *   - fail with EINTR before moving any byte (probability eintr=), as a
 *     signal arriving first would;
 *   - fail with EAGAIN (eagain=), only on a non-blocking fd or with
 *     MSG_DONTWAIT, as a readiness that went away would (off by default: an
 *     edge-triggered loop may wait forever for an edge after a false EAGAIN);
 *   - move fewer bytes (short=): 1 to len-1 of them, only on byte streams
 *     (TCP, Unix stream, pipes, files), never on datagrams, whose sends the
 *     kernel never shortens and whose receives would be cut.
 * Everything else goes to the real call (the next definition: libc's, or
 * AddressSanitizer's interceptor under SAN=1).
 *
 * SOCKLAB_FAULTS, comma-separated key=value:
 *   seed=N      the seed (default 1): the same seed, the same faults, call by call
 *   short=P     probability of a short count (0-1, default 0)
 *   eintr=P     probability of EINTR (default 0)
 *   eagain=P    probability of EAGAIN on a non-blocking fd (default 0)
 *   after=N     no fault in the first N calls in scope (default 0)
 *   on=sockets  which fds: sockets (default), all (every fd but 0-2), or
 *               stdio (every fd, 0-2 too). Stdio is out by default: the
 *               program's own ready line and error messages come through
 *               whole. (printf and fgets never come here anyway: glibc's
 *               stdio calls its internal write and read.)
 *   log=1       one line on stderr per fault injected
 *   emfile=1    every socket() fails with EMFILE, as in a process with no fd
 *               left (a lower RLIMIT_NOFILE would stop the dynamic loader
 *               first: it opens each library with an fd of its own)
 *   leaks=1     at exit, one line on stderr for each thing the program got
 *               and never gave back: "faultio: leak: a getaddrinfo result
 *               never given to freeaddrinfo", "... a getline buffer never
 *               freed". (Memory only: the kernel closes fds at exit, and
 *               the tests count those while the program runs.) Under SAN=1
 *               AddressSanitizer's own calls come first and LeakSanitizer
 *               says it instead.
 * A bad SOCKLAB_FAULTS ends the program at its start with one line and
 * exit code 2. Without SOCKLAB_FAULTS the library changes nothing.
 *
 * Under AddressSanitizer, the ASan runtime must come first: run with
 * ASAN_OPTIONS=verify_asan_link_order=0 (the harness does).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/uio.h>
#include <unistd.h>

enum scope { SCOPE_SOCKETS, SCOPE_ALL, SCOPE_STDIO };
enum fault { NONE, EINTR_FAULT, EAGAIN_FAULT, SHORT_FAULT };

static struct {
    bool on, log, leaks, emfile;
    uint64_t seed;
    double p_short, p_eintr, p_eagain;
    unsigned long long after;
    enum scope scope;
    unsigned long long calls; /* calls in scope so far (atomic) */
} cfg;

/* ---- the schedule ---------------------------------------------------------- */

/* splitmix64 of the seed and the call's number: the same faults for the same
 * seed and the same order of calls, from any thread. */
static uint64_t draw(uint64_t n)
{
    uint64_t z = cfg.seed + n * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double unit(uint64_t r)
{
    return (double)(r >> 11) / (double)(1ULL << 53);
}

/* One line on stderr, through the system call itself (no stdio, no
 * recursion into our write). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        syscall(SYS_write, 2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Is fd in scope? *stream: may its counts be shortened (not datagrams). */
static bool in_scope(int fd, bool *stream)
{
    struct stat st;
    if (fd < 0 || (fd <= 2 && cfg.scope != SCOPE_STDIO) || fstat(fd, &st) != 0)
        return false;
    bool socket = S_ISSOCK(st.st_mode);
    if (!socket) { /* a pipe or a file: a byte stream */
        *stream = true;
        return cfg.scope != SCOPE_SOCKETS;
    }
    int type = 0;
    socklen_t len = sizeof type;
    *stream = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
    return true;
}

/* What to do to this call: NONE, a fault, or SHORT_FAULT with the new
 * length in *len. */
static enum fault decide(const char *call, int fd, size_t *len, int flags)
{
    bool stream;
    if (!cfg.on || (cfg.p_short == 0 && cfg.p_eintr == 0 && cfg.p_eagain == 0) || !in_scope(fd, &stream))
        return NONE;
    unsigned long long n = __atomic_add_fetch(&cfg.calls, 1, __ATOMIC_RELAXED);
    if (n <= cfg.after)
        return NONE;
    double r = unit(draw(n * 2));
    enum fault f = NONE;
    if (r < cfg.p_eintr)
        f = EINTR_FAULT;
    else if (r < cfg.p_eintr + cfg.p_eagain && ((flags & MSG_DONTWAIT) || (fcntl(fd, F_GETFL) & O_NONBLOCK)))
        f = EAGAIN_FAULT;
    else if (stream && *len > 1 && unit(draw(n * 2 + 1)) < cfg.p_short)
        f = SHORT_FAULT;
    size_t was = *len;
    if (f == SHORT_FAULT)
        *len = 1 + (size_t)(draw(n * 2 + 1) % (was - 1));
    if (cfg.log && f != NONE)
        say("faultio: %s(fd %d, %zu bytes): %s%.0zu\n", call, fd, was,
            f == EINTR_FAULT    ? "EINTR"
            : f == EAGAIN_FAULT ? "EAGAIN"
                                : "at most ",
            f == SHORT_FAULT ? *len : 0);
    if (f == EINTR_FAULT)
        errno = EINTR;
    else if (f == EAGAIN_FAULT)
        errno = EAGAIN;
    return f;
}

/* ---- SOCKLAB_FAULTS ------------------------------------------------------- */

static bool parse_prob(const char *v, double *out)
{
    char *end;
    double p = strtod(v, &end);
    *out = p;
    return end != v && *end == '\0' && p >= 0 && p <= 1;
}

static bool parse_count(const char *v, unsigned long long *out)
{
    char *end;
    errno = 0;
    *out = strtoull(v, &end, 10);
    return end != v && *end == '\0' && errno == 0 && v[0] != '-';
}

/* One key=value of SOCKLAB_FAULTS into cfg; false if it is not one. */
static bool parse_item(char *item)
{
    char *v = strchr(item, '=');
    if (!v)
        return false;
    *v++ = '\0';
    unsigned long long u;
    if (strcmp(item, "seed") == 0 && parse_count(v, &u))
        return cfg.seed = u, true;
    if (strcmp(item, "short") == 0)
        return parse_prob(v, &cfg.p_short);
    if (strcmp(item, "eintr") == 0)
        return parse_prob(v, &cfg.p_eintr);
    if (strcmp(item, "eagain") == 0)
        return parse_prob(v, &cfg.p_eagain);
    if (strcmp(item, "after") == 0)
        return parse_count(v, &cfg.after);
    if (strcmp(item, "log") == 0)
        return (cfg.log = strcmp(v, "1") == 0) || strcmp(v, "0") == 0;
    if (strcmp(item, "leaks") == 0)
        return (cfg.leaks = strcmp(v, "1") == 0) || strcmp(v, "0") == 0;
    if (strcmp(item, "emfile") == 0)
        return (cfg.emfile = strcmp(v, "1") == 0) || strcmp(v, "0") == 0;
    if (strcmp(item, "on") == 0) {
        cfg.scope = strcmp(v, "all") == 0 ? SCOPE_ALL : strcmp(v, "stdio") == 0 ? SCOPE_STDIO : SCOPE_SOCKETS;
        return strcmp(v, "sockets") == 0 || cfg.scope != SCOPE_SOCKETS;
    }
    return false;
}

__attribute__((constructor)) static void faultio_init(void)
{
    const char *env = getenv("SOCKLAB_FAULTS");
    if (!env || !*env)
        return;
    cfg.seed = 1;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", env);
    char *save;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char shown[128];
        snprintf(shown, sizeof shown, "%s", item);
        if (!parse_item(item)) {
            say("faultio: SOCKLAB_FAULTS: '%s' is not one of seed=N, short=P, eintr=P, eagain=P, after=N, "
                "on=sockets|all|stdio, log=1, leaks=1, emfile=1\n",
                shown);
            _exit(2);
        }
    }
    if (cfg.p_eintr + cfg.p_eagain > 1) {
        say("faultio: SOCKLAB_FAULTS: eintr + eagain is more than 1\n");
        _exit(2);
    }
    cfg.on = true;
}

/* ---- the calls ------------------------------------------------------------- */

/* The next definition of name (libc's, or ASan's interceptor). */
static void *next(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        say("faultio: no %s to call: %s\n", name, dlerror());
        _exit(127);
    }
    return f;
}

#define REAL(name)                                                                                           \
    static __typeof__(&name) real_##name;                                                                    \
    if (!real_##name)                                                                                        \
        real_##name = (__typeof__(&name))next(#name);

/* The first iovcnt entries of iov cut to `len` bytes in all, into out
 * (at most max entries); the new count. */
static int cut_iov(const struct iovec *iov, int iovcnt, size_t len, struct iovec *out, int max)
{
    int n = 0;
    for (int i = 0; i < iovcnt && n < max && len > 0; i++) {
        out[n] = iov[i];
        if (out[n].iov_len > len)
            out[n].iov_len = len;
        len -= out[n].iov_len;
        n++;
    }
    return n;
}

static size_t iov_total(const struct iovec *iov, int iovcnt)
{
    size_t t = 0;
    for (int i = 0; i < iovcnt; i++)
        t += iov[i].iov_len;
    return t;
}

/* Inject the fault decided for this call, or go on with *len (maybe cut). */
#define FAULT(call, fd, len, flags)                                                                          \
    do {                                                                                                     \
        enum fault f_ = decide(call, fd, len, flags);                                                        \
        if (f_ == EINTR_FAULT || f_ == EAGAIN_FAULT)                                                         \
            return -1;                                                                                       \
    } while (0)

ssize_t read(int fd, void *buf, size_t len)
{
    REAL(read);
    FAULT("read", fd, &len, 0);
    return real_read(fd, buf, len);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    REAL(write);
    FAULT("write", fd, &len, 0);
    return real_write(fd, buf, len);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    REAL(recv);
    FAULT("recv", fd, &len, flags);
    return real_recv(fd, buf, len, flags);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    REAL(send);
    FAULT("send", fd, &len, flags);
    return real_send(fd, buf, len, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *alen)
{
    REAL(recvfrom);
    FAULT("recvfrom", fd, &len, flags);
    return real_recvfrom(fd, buf, len, flags, addr, alen);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen)
{
    REAL(sendto);
    FAULT("sendto", fd, &len, flags);
    return real_sendto(fd, buf, len, flags, addr, alen);
}

#define MAX_IOV 64

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    REAL(readv);
    size_t len = iovcnt > 0 && iovcnt <= MAX_IOV ? iov_total(iov, iovcnt) : 0;
    FAULT("readv", fd, &len, 0);
    struct iovec cut[MAX_IOV];
    if (len < iov_total(iov, iovcnt > 0 && iovcnt <= MAX_IOV ? iovcnt : 0))
        return real_readv(fd, cut, cut_iov(iov, iovcnt, len, cut, MAX_IOV));
    return real_readv(fd, iov, iovcnt);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    REAL(writev);
    size_t len = iovcnt > 0 && iovcnt <= MAX_IOV ? iov_total(iov, iovcnt) : 0;
    FAULT("writev", fd, &len, 0);
    struct iovec cut[MAX_IOV];
    if (len < iov_total(iov, iovcnt > 0 && iovcnt <= MAX_IOV ? iovcnt : 0))
        return real_writev(fd, cut, cut_iov(iov, iovcnt, len, cut, MAX_IOV));
    return real_writev(fd, iov, iovcnt);
}

/* sendmsg and recvmsg: the same with msg's iov cut (its other fields, the
 * address and the control messages, untouched). */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    REAL(recvmsg);
    int cnt = msg && msg->msg_iovlen <= MAX_IOV ? (int)msg->msg_iovlen : 0;
    size_t total = cnt ? iov_total(msg->msg_iov, cnt) : 0, len = total;
    FAULT("recvmsg", fd, &len, flags);
    if (len >= total)
        return real_recvmsg(fd, msg, flags);
    struct iovec cut[MAX_IOV], *was = msg->msg_iov;
    size_t wascnt = msg->msg_iovlen;
    msg->msg_iov = cut;
    msg->msg_iovlen = (size_t)cut_iov(was, cnt, len, cut, MAX_IOV);
    ssize_t n = real_recvmsg(fd, msg, flags);
    msg->msg_iov = was;
    msg->msg_iovlen = wascnt;
    return n;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    REAL(sendmsg);
    int cnt = msg && msg->msg_iovlen <= MAX_IOV ? (int)msg->msg_iovlen : 0;
    size_t total = cnt ? iov_total(msg->msg_iov, cnt) : 0, len = total;
    FAULT("sendmsg", fd, &len, flags);
    if (len >= total)
        return real_sendmsg(fd, msg, flags);
    struct iovec cut[MAX_IOV];
    struct msghdr m = *msg;
    m.msg_iov = cut;
    m.msg_iovlen = (size_t)cut_iov(msg->msg_iov, cnt, len, cut, MAX_IOV);
    return real_sendmsg(fd, &m, flags);
}

/* glibc's fortified forms (-D_FORTIFY_SOURCE, Ubuntu's default): the
 * program calls these instead of read, recv and recvfrom. */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
    REAL(__read_chk);
    if (len <= buflen)
        FAULT("read", fd, &len, 0);
    return real___read_chk(fd, buf, len, buflen);
}

ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
    REAL(__recv_chk);
    if (len <= buflen)
        FAULT("recv", fd, &len, flags);
    return real___recv_chk(fd, buf, len, buflen, flags);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *addr,
                       socklen_t *alen);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *addr,
                       socklen_t *alen)
{
    REAL(__recvfrom_chk);
    if (len <= buflen)
        FAULT("recvfrom", fd, &len, flags);
    return real___recvfrom_chk(fd, buf, len, buflen, flags, addr, alen);
}

/* ---- emfile=1: no fd left for a socket -------------------------------------- */

int socket(int domain, int type, int protocol)
{
    REAL(socket);
    if (cfg.emfile) {
        if (cfg.log)
            say("faultio: socket: EMFILE\n");
        errno = EMFILE;
        return -1;
    }
    return real_socket(domain, type, protocol);
}

/* ---- leaks=1: what the program got and never gave back -------------------- */

#define MAX_HELD 256

static struct held {
    const void *p;
    const char *what; /* "a getaddrinfo result never given to freeaddrinfo" */
} held[MAX_HELD];
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;

/* Remember p, got from a call that wants it given back (what says how). */
static void hold(const void *p, const char *what)
{
    pthread_mutex_lock(&held_lock);
    for (int i = 0; i < MAX_HELD; i++)
        if (!held[i].p || held[i].p == p) {
            held[i] = (struct held){p, what};
            break;
        }
    pthread_mutex_unlock(&held_lock);
}

/* Forget p: it was given back. */
static void release(const void *p)
{
    pthread_mutex_lock(&held_lock);
    for (int i = 0; i < MAX_HELD; i++)
        if (held[i].p == p)
            held[i].p = NULL;
    pthread_mutex_unlock(&held_lock);
}

/* At exit (return from main or exit(), not a signal or _exit): say what is
 * still held, one line a kind. */
__attribute__((destructor)) static void faultio_leaks(void)
{
    if (!cfg.leaks)
        return;
    for (int i = 0; i < MAX_HELD; i++) {
        if (!held[i].p)
            continue;
        int same = 0; /* one line a kind, with how many */
        for (int j = i; j < MAX_HELD; j++)
            if (held[j].p && held[j].what == held[i].what && (j == i || (held[j].p = NULL, 1)))
                same++;
        say("faultio: leak: %s (%d in all)\n", held[i].what, same);
    }
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
    REAL(getaddrinfo);
    int rc = real_getaddrinfo(node, service, hints, res);
    if (cfg.leaks && rc == 0 && res && *res)
        hold(*res, "a getaddrinfo result never given to freeaddrinfo");
    return rc;
}

void freeaddrinfo(struct addrinfo *res)
{
    REAL(freeaddrinfo);
    if (cfg.leaks && res)
        release(res);
    real_freeaddrinfo(res);
}

/* getline and getdelim allocate or grow *line; the caller frees it. (glibc's
 * getline calls its own getdelim directly, and an optimized build calls
 * __getdelim, so all three are here.) */
static void held_line(char *was, char *now)
{
    if (!cfg.leaks || !now)
        return;
    if (was && was != now)
        release(was); /* grown: realloc gave the old block back */
    hold(now, "a getline buffer never freed");
}

ssize_t getdelim(char **line, size_t *cap, int delim, FILE *f)
{
    REAL(getdelim);
    char *was = line ? *line : NULL;
    ssize_t n = real_getdelim(line, cap, delim, f);
    held_line(was, line ? *line : NULL);
    return n;
}

/* What an optimized getline compiles to (glibc's inline in bits/stdio.h). */
ssize_t __getdelim(char **line, size_t *cap, int delim, FILE *f);
ssize_t __getdelim(char **line, size_t *cap, int delim, FILE *f)
{
    REAL(__getdelim);
    char *was = line ? *line : NULL;
    ssize_t n = real___getdelim(line, cap, delim, f);
    held_line(was, line ? *line : NULL);
    return n;
}

ssize_t getline(char **line, size_t *cap, FILE *f)
{
    REAL(getline);
    char *was = line ? *line : NULL;
    ssize_t n = real_getline(line, cap, f);
    held_line(was, line ? *line : NULL);
    return n;
}

/* free: on to the allocator's own. That is AddressSanitizer's under SAN=1
 * (its runtime is loaded, and its free is __interceptor_free), else glibc's.
 * Named, not looked up with dlsym: dlsym frees memory of its own, and during
 * ASan's start its free is not ready to be looked up. */
extern void __libc_free(void *p);
extern void __interceptor_free(void *p) __attribute__((weak));
void free(void *p)
{
    if (cfg.leaks && p)
        release(p);
    if (__interceptor_free)
        __interceptor_free(p);
    else
        __libc_free(p);
}
