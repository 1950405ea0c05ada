/*
 * net.c - sockets, as a peer of the program under test.
 *
 * The test's own ends of TCP, UDP and Unix connections. Every wait goes
 * through the I/O loop (sl_io_round), so the programs' output keeps being
 * collected while the test waits on a socket; every failure says, in the
 * student's words, what a peer expected and what it got.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- addresses ----------------------------------------------------------- */

/* host:port (numeric) as a socket address of type socktype; fails the test
 * if host is not a numeric address. */
static void resolve(const char *host, int port, int socktype, struct sockaddr_storage *ss, socklen_t *len)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = socktype, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        sl_fail("a numeric address (127.0.0.1, ::1)", "\"%s\": %s", host, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
}

static int port_of(const struct sockaddr_storage *ss)
{
    return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
                                           : ((const struct sockaddr_in *)ss)->sin_port);
}

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

const char *sl_loopback(int n)
{
    static char addrs[255][16];
    if (n < 1 || n > 254)
        sl_fail("a loopback address 127.0.0.N with N 1-254", "N = %d: this is a bug in the test", n);
    if (!addrs[n][0])
        snprintf(addrs[n], sizeof addrs[n], "127.0.0.%d", n);
    return addrs[n];
}

void sl_need_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        sl_skip("this machine has no IPv6 loopback address ::1 (%s)", strerror(e));
    }
    close(fd);
}

void sl_port_range(int *low, int *high)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (!f || fscanf(f, "%d %d", low, high) != 2)
        sl_fail("to read /proc/sys/net/ipv4/ip_local_port_range", "%s", strerror(errno));
    fclose(f);
}

int sl_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        sl_fail("getsockname to work on the test's socket", "%s", strerror(errno));
    return port_of(&ss);
}

int sl_remote_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
        sl_fail("the test's socket to be connected", "getpeername: %s", strerror(errno));
    return port_of(&ss);
}

/* ---- waiting on a socket --------------------------------------------------- */

/* Wait until fd has `events` (or an error) by `until`, draining the
 * programs' pipes meanwhile. Its revents, or 0 at the deadline. */
static short wait_fd(int fd, short events, double until)
{
    for (;;) {
        short r = sl_io_round(fd, events, until);
        if (r)
            return r;
        if (sl_now() >= until)
            return 0;
    }
}

static void set_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

/* ---- TCP ------------------------------------------------------------------- */

int sl_tcp_try_connect(const char *host, int port, double seconds)
{
    struct sockaddr_storage ss;
    socklen_t len;
    resolve(host, port, SOCK_STREAM, &ss, &len);
    sl_step("connect to %s port %d", host, port);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        sl_fail("a socket for the test", "socket: %s", strerror(errno));
    int err = 0;
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        err = errno;
        if (err == EINPROGRESS) {
            if (!wait_fd(fd, POLLOUT, sl_now() + sl_deadline(seconds)))
                sl_fail_with("timed out", "an answer to the connection (accepted or refused)",
                             sl_xasprintf("none within %.0f s", sl_deadline(seconds)));
            socklen_t elen = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        }
    }
    if (err) {
        close(fd);
        errno = err;
        return -1;
    }
    set_blocking(fd);
    return fd;
}

int sl_tcp_connect(const char *host, int port, double seconds)
{
    int fd = sl_tcp_try_connect(host, port, seconds);
    if (fd < 0) {
        char *want = sl_xasprintf("a program listening on %s port %d to accept the connection", host, port);
        sl_fail(want, "connect: %s", strerror(errno));
    }
    return fd;
}

int sl_tcp_listen(const char *host, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    resolve(host, 0, SOCK_STREAM, &ss, &len);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        sl_fail("the test to listen on a free port", "%s: %s", host, strerror(errno));
    *port = port_of(&ss);
    sl_step("the test listens on %s port %d", host, *port);
    return fd;
}

int sl_tcp_accept(int lfd, double seconds)
{
    if (!wait_fd(lfd, POLLIN, sl_now() + sl_deadline(seconds)))
        sl_fail_with("timed out", "the program to connect to the test's listening socket",
                     sl_xasprintf("no connection within %.0f s", sl_deadline(seconds)));
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
    if (fd < 0)
        sl_fail("to accept the program's connection", "accept: %s", strerror(errno));
    /* From accept's address: a peer that already reset has no getpeername. */
    sl_step("accepted a connection from port %d", port_of(&ss));
    return fd;
}

/* ---- UDP ------------------------------------------------------------------- */

int sl_udp_bind(const char *host, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    resolve(host, 0, SOCK_DGRAM, &ss, &len);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        sl_fail("the test to bind a UDP socket", "%s: %s", host, strerror(errno));
    int one = 1; /* stamp each datagram on arrival, for sl_udp_recvfrom's `when` */
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one);
    if (port)
        *port = port_of(&ss);
    sl_step("the test bound a UDP socket to %s port %d", host, port_of(&ss));
    return fd;
}

int sl_udp_connect(const char *host, int port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    resolve(host, port, SOCK_DGRAM, &ss, &len);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
        sl_fail("a UDP socket connected to the program", "%s port %d: %s", host, port, strerror(errno));
    return fd;
}

ssize_t sl_udp_recv(int fd, void *buf, size_t cap, double seconds)
{
    double until = sl_now() + sl_deadline(seconds);
    for (;;) {
        if (!wait_fd(fd, POLLIN, until))
            return -1;
        ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
        if (n >= 0)
            return n;
        if (errno == EAGAIN || errno == EINTR)
            continue;
        if (errno == ECONNREFUSED)
            sl_fail("a reply to the datagram",
                    "\"connection refused\": the kernel answered that nothing listens on that port");
        sl_fail("a datagram", "recv: %s", strerror(errno));
    }
}

ssize_t sl_udp_exchange(int fd, const void *msg, size_t len, void *reply, size_t cap, double seconds)
{
    sl_step("sent a datagram of %zu bytes to port %d", len, sl_remote_port(fd));
    if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
        sl_fail("to send a datagram", "send: %s", strerror(errno));
    ssize_t n = sl_udp_recv(fd, reply, cap, seconds);
    if (n >= 0)
        sl_step("got a reply of %zd bytes", n);
    else
        sl_step("no reply within %.0f s", sl_deadline(seconds));
    return n;
}

/* ---- Unix domain ----------------------------------------------------------- */

static void unix_address(const char *path, struct sockaddr_un *a)
{
    *a = (struct sockaddr_un){.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a->sun_path)
        sl_fail("a Unix socket path shorter than 108 bytes", "\"%s\"", path);
    strcpy(a->sun_path, path);
}

int sl_unix_listen(const char *path, int type)
{
    struct sockaddr_un a;
    unix_address(path, &a);
    int fd = socket(AF_UNIX, SOCK_CLOEXEC | type, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || (type != SOCK_DGRAM && listen(fd, 64) < 0))
        sl_fail("the test to listen on a Unix socket", "%s: %s", path, strerror(errno));
    sl_step("the test listens on the Unix socket %s", path);
    return fd;
}

int sl_unix_connect(const char *path, int type, double seconds)
{
    struct sockaddr_un a;
    unix_address(path, &a);
    sl_step("connect to the Unix socket %s", path);
    double until = sl_now() + sl_deadline(seconds);
    for (;;) {
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            sl_fail("a socket for the test", "socket: %s", strerror(errno));
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            set_blocking(fd);
            return fd;
        }
        int e = errno;
        close(fd);
        if (e != EAGAIN || sl_now() >= until) { /* EAGAIN: its backlog is full, for now */
            char *want = sl_xasprintf("a program listening on the Unix socket %s", path);
            sl_fail(want, "connect: %s", strerror(e));
        }
        sl_io_round(-1, 0, sl_now() + 0.01 < until ? sl_now() + 0.01 : until);
    }
}

/* ---- bytes on a connection ------------------------------------------------- */

void sl_send(int fd, const void *data, size_t len, double seconds)
{
    const char *d = data;
    size_t off = 0;
    double stall = sl_deadline(seconds), until = sl_now() + stall;
    sl_step("sent %zu bytes", len);
    while (off < len) {
        if (!wait_fd(fd, POLLOUT, until))
            sl_fail_with("timed out", "the program to read what the test sends",
                         sl_xasprintf("it took %zu of %zu bytes, then nothing for %.0f s", off, len, stall));
        ssize_t n = send(fd, d + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            until = sl_now() + stall;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            sl_fail("the program to read what the test sends", "it took %zu of %zu bytes, then: %s", off, len,
                    strerror(errno));
        }
    }
}

void sl_recv_exact(int fd, void *buf, size_t len, double seconds)
{
    char *b = buf;
    size_t off = 0;
    double stall = sl_deadline(seconds), until = sl_now() + stall;
    char want[96];
    snprintf(want, sizeof want, "%zu bytes from the connection", len);
    while (off < len) {
        if (!wait_fd(fd, POLLIN, until))
            sl_fail_with("timed out", want,
                         sl_xasprintf("%zu bytes, then nothing more for %.0f s", off, stall));
        ssize_t n = recv(fd, b + off, len - off, MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
            until = sl_now() + stall;
        } else if (n == 0) {
            sl_fail(want, "%zu bytes, then end of file (the program closed the connection)", off);
        } else if (errno == ECONNRESET) {
            sl_fail(want,
                    "%zu bytes, then a reset (the program closed the connection with data unread, "
                    "or crashed)",
                    off);
        } else if (errno != EAGAIN && errno != EINTR) {
            sl_fail(want, "%zu bytes, then recv: %s", off, strerror(errno));
        }
    }
    sl_step("received %zu bytes", len);
}

void sl_expect_recv(int fd, const void *data, size_t len, double seconds)
{
    char *got = malloc(len ? len : 1), diff[160];
    if (!got)
        abort();
    sl_recv_exact(fd, got, len, seconds);
    if (sl_describe_diff(got, data, len, diff, sizeof diff)) {
        char *want = sl_xasprintf("the %zu bytes the test expects back, byte for byte", len);
        sl_fail(want, "%s", diff);
    }
    free(got);
}

/* Read and drop bytes until end of file, an error or the deadline: 0 at
 * end of file, an errno value, or -1 at the deadline. */
static int read_to_end(int fd, double seconds)
{
    double until = sl_now() + sl_deadline(seconds);
    char buf[4096];
    for (;;) {
        if (!wait_fd(fd, POLLIN, until))
            return -1;
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0)
            return 0;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return errno;
    }
}

void sl_expect_eof(int fd, const char *who, double seconds)
{
    char want[160];
    snprintf(want, sizeof want, "%s to close the connection (end of file)", who);
    sl_step("wait for %s to close the connection", who);
    int r = read_to_end(fd, seconds);
    if (r < 0)
        sl_fail_with("timed out", want,
                     sl_xasprintf("the connection was still open after %.0f s", sl_deadline(seconds)));
    if (r == ECONNRESET)
        sl_fail(want, "a reset (ECONNRESET) instead: it closed with data unread, or crashed");
    if (r)
        sl_fail(want, "recv: %s", strerror(r));
}

void sl_expect_reset(int fd, const char *who, double seconds)
{
    char want[160];
    snprintf(want, sizeof want, "%s to reset the connection (ECONNRESET)", who);
    sl_step("wait for %s to reset the connection", who);
    int r = read_to_end(fd, seconds);
    if (r < 0)
        sl_fail_with("timed out", want,
                     sl_xasprintf("the connection was still open after %.0f s", sl_deadline(seconds)));
    if (r == 0)
        sl_fail(want, "an orderly close (end of file) instead");
    if (r != ECONNRESET)
        sl_fail(want, "recv: %s", strerror(r));
}

/* ---- the kernel's table of TCP sockets ------------------------------------- */

/* ss's name of a state as RFC 793 writes it. */
static const char *rfc_state(const char *ss_state)
{
    static const char *const names[][2] = {
        {"ESTAB", "ESTABLISHED"}, {"SYN-RECV", "SYN-RECEIVED"}, {"UNCONN", "CLOSED"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(ss_state, names[i][0]) == 0)
            return names[i][1];
    return ss_state;
}

const char *sl_tcp_state(const char *local, const char *remote, char *buf, size_t len)
{
    struct sl_proc *ss = sl_run("ss", "-tan", NULL);
    sl_expect_exit(ss, 0);
    char line[512], state[32], l[80], r[80];
    for (const char *t = sl_out(ss); sl_next_line(&t, line, sizeof line);) {
        if (sscanf(line, "%31s %*s %*s %79s %79s", state, l, r) != 3)
            continue;
        size_t n = strlen(r);
        if (n >= 2 && strcmp(r + n - 2, ":*") == 0) /* a listener's remote port */
            strcpy(r + n - 1, "0");
        if (strcmp(l, local) == 0 && strcmp(r, remote) == 0) {
            snprintf(buf, len, "%s", rfc_state(state));
            return buf;
        }
    }
    return NULL;
}

/* ---- UDP, the test as a server ------------------------------------------------ */

/* The kernel's arrival time of the datagram fd received last (SIOCGSTAMP,
 * on the time of day), moved onto sl_now()'s clock; sl_now() if unknown. */
static double arrival_time(int fd)
{
    struct timeval tv;
    struct timespec real;
    double now = sl_now();
    if (ioctl(fd, SIOCGSTAMP, &tv) < 0 || clock_gettime(CLOCK_REALTIME, &real) < 0)
        return now;
    double age = (double)real.tv_sec + real.tv_nsec / 1e9 - ((double)tv.tv_sec + tv.tv_usec / 1e6);
    return age >= 0 && age < 60 ? now - age : now;
}

ssize_t sl_udp_recvfrom(int fd, void *buf, size_t cap, struct sockaddr_storage *from, double *when,
                        double seconds)
{
    double until = sl_now() + sl_deadline(seconds);
    for (;;) {
        if (!wait_fd(fd, POLLIN, until))
            return -1;
        socklen_t len = sizeof *from;
        ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)from, &len);
        if (n >= 0) {
            if (when)
                *when = arrival_time(fd);
            return n;
        }
        if (errno != EAGAIN && errno != EINTR)
            sl_fail("a datagram", "recvfrom: %s", strerror(errno));
    }
}
