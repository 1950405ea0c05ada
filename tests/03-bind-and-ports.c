#define _GNU_SOURCE
/*
 * 03-bind-and-ports.c - the graded tests of lesson 03: listener, sockstate.
 *
 * listener [--reuseaddr] [ADDRESS] PORT prints its ready line
 *   listening on 127.0.0.1:41234
 * then "accepted ADDR:PORT" for each connection, which it closes at once,
 * until its stdin ends. The tests start it on port 0 and read the port
 * from that line; to get a port in use they start a second listener on it;
 * to get TIME_WAIT they make it themselves: the listener closes first, the
 * test closes second, so the listener's end stays in TIME_WAIT.
 *
 * sockstate [ADDRESS] prints "ephemeral ports LO-HI", then one line per
 * socket of its own,
 *   listener     fd=3 inode=812345 local=127.0.0.1:41234 remote=0.0.0.0:0 state=LISTEN
 * then "ready: ..." and waits for its stdin to end. The tests compare those
 * lines with `ss -tan` and with /proc/PID/fd of the running program.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SOCKS 16

/* Ends every hint: lesson 03's programs link the student's own lesson 02
 * addr.c (lesson.mk), so an unfinished lesson 02 fails these tests too. */
#define FROM_LESSON_02                                                                                       \
    " If the program says parse_port or format_sockaddr is not written yet: lesson 03 uses your "            \
    "addr.c from lesson 02, finish that first (make grade L=02)."

/* ---- helpers: listener ------------------------------------------------- */

/* Wait for listener's ready line and return its port. The line must be
 * exactly "listening on HOST:PORT" when host is given (one of two hosts
 * when alt is given too), with the port the kernel chose (not 0). */
static int ready_port(struct sl_proc *p, const char *host, const char *alt)
{
    const char *line;
    int port = sl_wait_port(p, "listening on ", 5, &line);
    char want[128], want_alt[128];
    snprintf(want, sizeof want, "listening on %s:%d", host, port);
    snprintf(want_alt, sizeof want_alt, "listening on %s:%d", alt ? alt : host, port);
    size_t n = strcspn(line, "\r");
    if ((strlen(want) != n || strncmp(line, want, n) != 0) &&
        (strlen(want_alt) != n || strncmp(line, want_alt, n) != 0)) {
        char expected[300];
        snprintf(expected, sizeof expected, "the ready line \"%s\"%s%s%s", want, alt ? " (or \"" : "",
                 alt ? want_alt : "", alt ? "\")" : "");
        sl_fail(expected, "\"%s\"", line);
    }
    return port;
}

/* Make a connection to 127.0.0.1:PORT that is in TIME_WAIT on the
 * listener's side: a listener (with --reuseaddr, which the TIME_WAIT
 * inherits) accepts and closes first, we close second, then it exits.
 * Returns PORT. */
static int server_side_time_wait(void)
{
    struct sl_proc *a = sl_start("listener", "--reuseaddr", "127.0.0.1", "0", NULL);
    int port = ready_port(a, "127.0.0.1", NULL);
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_expect_eof(fd, "listener", 5); /* it closes first */
    close(fd);
    sl_step("closed our end second: listener's end of it is now in TIME_WAIT");
    sl_close_stdin(a);
    sl_expect_exit(a, 0);
    return port;
}

/* Run listener with args and check it fails with exit `code` and one line
 * on stderr containing each of the needles (NULL-terminated). */
static struct sl_proc *sl_last_listener; /* the latest expect_listener_error's */
static void expect_listener_error(char *const argv[], int code, const char *const needles[])
{
    struct sl_proc *p = sl_last_listener = sl_startv("listener", argv);
    sl_close_stdin(p);
    sl_expect_error(p, code, needles[0] ? needles[0] : "");
    for (int i = 1; needles[0] && needles[i]; i++)
        sl_expect_contains(sl_err(p), needles[i], "listener's error line");
}

/* ---- helpers: sockstate ------------------------------------------------ */

/* One socket line of sockstate's output, split into its fields. */
struct sock_line {
    char role[32], fd[16], local[80], remote[80], state[32];
    unsigned long inode;
    char text[256];
};

/* The socket lines (those with "state=") of text into out; how many. */
static int socket_lines(const char *text, struct sock_line *out, int max)
{
    int n = 0;
    for (const char *s = text; n < max && sl_next_line(&s, out[n].text, sizeof out[n].text);) {
        struct sock_line *l = &out[n];
        if (!strstr(l->text, "state="))
            continue;
        char inode[32];
        if (sscanf(l->text, "%31s", l->role) != 1 || !sl_field(l->text, "fd=", l->fd, sizeof l->fd) ||
            !sl_field(l->text, "inode=", inode, sizeof inode) ||
            !sl_field(l->text, "local=", l->local, sizeof l->local) ||
            !sl_field(l->text, "remote=", l->remote, sizeof l->remote) ||
            !sl_field(l->text, "state=", l->state, sizeof l->state))
            sl_fail("each socket line as \"ROLE fd=FD inode=INODE local=ADDR:PORT "
                    "remote=ADDR:PORT state=STATE\"",
                    "\"%s\"", l->text);
        l->inode = strtoul(inode, NULL, 10);
        n++;
    }
    return n;
}

/* Start sockstate (on address, or its default when NULL) under faults
 * (faultio's keys: "leaks=1" notes what it never gives back, for
 * sl_expect_no_leaks after its exit), wait for its ready line and split its
 * socket lines into out; how many. run_sockstate: with "leaks=1". */
static int run_sockstate_faults(const char *address, const char *faults, struct sl_proc **pp,
                                struct sock_line *out, int max)
{
    const char *const *args = address ? SL_ARGS(address) : NULL;
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = "sockstate", .args = args, .faults = faults});
    sl_wait_line(p, "ready:", 5);
    *pp = p;
    return socket_lines(sl_out(p), out, max);
}

static int run_sockstate(const char *address, struct sl_proc **pp, struct sock_line *out, int max)
{
    return run_sockstate_faults(address, "leaks=1", pp, out, max);
}

/* The number of socket lines in state `state`. */
static int count_state(const struct sock_line *s, int n, const char *state)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += strcmp(s[i].state, state) == 0;
    return count;
}

/* Check sockstate printed the five states, as many of each as it makes. */
static void expect_scene_states(const struct sock_line *s, int n)
{
    static const struct {
        const char *state;
        int count;
    } want[] = {{"LISTEN", 1}, {"ESTABLISHED", 2}, {"FIN-WAIT-2", 1}, {"CLOSE-WAIT", 1}, {"TIME-WAIT", 1}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int got = count_state(s, n, want[i].state);
        char expected[128];
        snprintf(expected, sizeof expected, "sockstate to show %d socket(s) in state=%s", want[i].count,
                 want[i].state);
        if (got != want[i].count)
            sl_fail(expected, "%d in state=%s among %d socket lines", got, want[i].state, n);
    }
    sl_expect(n == 6, "6 socket lines", "%d", n);
}

/* Check each socket line against the kernel's table as `ss -tan` lists
 * it: a socket with the same local and remote address, in the same state. */
static void expect_agrees_with_ss(const struct sock_line *s, int n)
{
    for (int i = 0; i < n; i++) {
        char state[32], expected[256];
        snprintf(expected, sizeof expected,
                 "`ss -tan` to list a socket with local %s and remote %s, as sockstate says", s[i].local,
                 s[i].remote);
        if (!sl_tcp_state(s[i].local, s[i].remote, state, sizeof state))
            sl_fail(expected, "no such socket in ss's list; sockstate said \"%s\"", s[i].text);
        sl_expect(strcmp(state, s[i].state) == 0, "the state ss shows for that socket",
                  "ss says %s, sockstate says %s", state, s[i].state);
    }
}

/* ---- listener ------------------------------------------------------------ */

GRADED(ephemeral_port, 3, "listener 127.0.0.1 0 prints the port the kernel chose",
       "With port 0, bind() picks a free ephemeral port: read it back with getsockname() "
       "and print \"listening on 127.0.0.1:PORT\" (flushed). See the chapter, section "
       "'Port 0'." FROM_LESSON_02)
{
    int low, high;
    struct sl_proc *p = sl_startx(
        &(struct sl_opts){.prog = "listener", .args = SL_ARGS("127.0.0.1", "0"), .faults = "leaks=1"});
    int port = ready_port(p, "127.0.0.1", NULL);
    sl_port_range(&low, &high);
    sl_expect(port >= low && port <= high,
              "a port in the ephemeral range of /proc/sys/net/ipv4/ip_local_port_range", "%d, not in %d-%d",
              port, low, high);
    int fd = sl_tcp_try_connect("127.0.0.1", port, 5);
    sl_expect(fd >= 0, "the printed port to accept a connection", "connect: %s", strerror(errno));
    close(fd);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
    sl_expect_no_leaks(p);
}

GRADED(accepts_and_closes, 3, "listener accepts each connection, prints its peer and closes it",
       "accept() the connection, print \"accepted ADDR:PORT\" with the peer's address that "
       "accept gave you, close() the new fd (and only that one), keep listening; exit 0 when "
       "stdin ends. See the chapter, section 'Who closes first keeps TIME_WAIT'." FROM_LESSON_02)
{
    struct sl_proc *p = sl_start("listener", "127.0.0.1", "0", NULL);
    int port = ready_port(p, "127.0.0.1", NULL);
    int fds_before = sl_fd_count(p);
    for (int i = 0; i < 3; i++) {
        char want[64];
        int fd = sl_tcp_connect("127.0.0.1", port, 5);
        snprintf(want, sizeof want, "accepted 127.0.0.1:%d", sl_local_port(fd));
        sl_wait_line(p, want, 5);
        sl_expect_eof(fd, "listener", 5);
        close(fd);
    }
    int fds_after = sl_fd_count(p);
    sl_expect(fds_after == fds_before, "listener to hold as many fds after 3 connections as before",
              "%d fds before, %d after: is each accepted fd closed?", fds_before, fds_after);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(input_is_not_the_end, 2,
       "listener reads 10 MiB of input and keeps accepting: only the end of input ends it",
       "Input that is not the end (read() returned more than 0 bytes) is no reason to stop: keep "
       "polling stdin and the listening socket until read() returns 0, then exit 0. Chapter: "
       "'The exercise'." FROM_LESSON_02)
{
    enum { CHUNK = 1 << 20, CHUNKS = 10 };
    static char data[CHUNK];
    for (size_t i = 0; i < CHUNK; i++)
        data[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    struct sl_proc *p = sl_start("listener", "127.0.0.1", "0", NULL);
    int port = ready_port(p, "127.0.0.1", NULL);
    for (int i = 0; i < CHUNKS; i++) {
        char want[64];
        sl_write_bytes(p, data, CHUNK);
        int fd = sl_tcp_connect("127.0.0.1", port, 5);
        snprintf(want, sizeof want, "accepted 127.0.0.1:%d", sl_local_port(fd));
        sl_wait_line(p, want, 5);
        sl_expect_eof(fd, "listener", 5);
        close(fd);
    }
    sl_step("listener read %d MiB of input and accepted %d connections", CHUNKS, CHUNKS);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(seen_by_ss, 2, "ss -tln shows the listener on the address and port it printed",
       "The kernel's own table (ss -tln) must agree with your ready line: bind the address "
       "you were given, listen(), and print what getsockname() says. Chapter: 'Binding an "
       "address'." FROM_LESSON_02)
{
    char want[64], line[256];
    struct sl_proc *p = sl_start("listener", "127.0.0.1", "0", NULL);
    int port = ready_port(p, "127.0.0.1", NULL);
    snprintf(want, sizeof want, " 127.0.0.1:%d ", port);
    struct sl_proc *ss = sl_run("ss", "-tln", NULL);
    sl_expect_exit(ss, 0);
    const char *l = sl_find_line(sl_out(ss), want, line, sizeof line);
    sl_expect(l && strncmp(l, "LISTEN", 6) == 0, "a LISTEN socket on 127.0.0.1:PORT in ss -tln", "%s",
              l ? l : "none");
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(any_address, 2, "listener 0 binds the wildcard address: reachable on 127.0.0.1 and 127.0.0.2",
       "Without ADDRESS, getaddrinfo(NULL, port, AI_PASSIVE) gives the wildcard 0.0.0.0 "
       "(INADDR_ANY): every local address reaches it. Chapter: 'Binding an address'." FROM_LESSON_02)
{
    struct sl_proc *p = sl_start("listener", "0", NULL);
    int port = ready_port(p, "0.0.0.0", "[::]");
    int fd = sl_tcp_try_connect("127.0.0.1", port, 5);
    sl_expect(fd >= 0, "a connection to 127.0.0.1 to work", "connect: %s", strerror(errno));
    close(fd);
    fd = sl_tcp_try_connect("127.0.0.2", port, 5);
    sl_expect(fd >= 0, "a connection to 127.0.0.2 (also loopback) to work", "connect: %s", strerror(errno));
    close(fd);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(one_address, 2, "listener 127.0.0.1 0 binds that address only: 127.0.0.2 is refused",
       "Bind the address the user gave (getaddrinfo(ADDRESS, port, AI_PASSIVE)), not the "
       "wildcard: then only connections to that address reach the socket. Chapter: 'Binding "
       "an address'." FROM_LESSON_02)
{
    struct sl_proc *p = sl_start("listener", "127.0.0.1", "0", NULL);
    int port = ready_port(p, "127.0.0.1", NULL);
    int fd = sl_tcp_try_connect("127.0.0.1", port, 5);
    sl_expect(fd >= 0, "a connection to 127.0.0.1 to work", "connect: %s", strerror(errno));
    close(fd);
    fd = sl_tcp_try_connect("127.0.0.2", port, 5);
    int err = errno;
    if (fd >= 0)
        close(fd);
    sl_expect(fd < 0 && err == ECONNREFUSED,
              "a connection to 127.0.0.2 to be refused (nothing is bound to that address)", "%s",
              fd >= 0 ? "it was accepted: is the socket bound to 0.0.0.0?" : strerror(err));
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(ipv6, 2, "listener ::1 0 listens on IPv6 and prints [::1]:PORT",
       "The same getaddrinfo loop handles IPv6: the result's ai_family is AF_INET6, use it "
       "for socket(). Print an IPv6 address in brackets. Chapter: 'Binding an address'." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *p = sl_start("listener", "::1", "0", NULL);
    int port = ready_port(p, "[::1]", NULL);
    int fd = sl_tcp_connect("::1", port, 5);
    char want[64];
    snprintf(want, sizeof want, "accepted [::1]:%d", sl_local_port(fd));
    sl_wait_line(p, want, 5);
    close(fd);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(address_in_use, 3, "a second listener on a port in use fails: bind ...: Address already in use",
       "bind() fails with EADDRINUSE when another socket holds the address and port. Report "
       "it on one line naming the call, the address and strerror(errno), and exit 1. "
       "Chapter: 'Address already in use'." FROM_LESSON_02)
{
    char portbuf[16], want[64];
    struct sl_proc *a = sl_start("listener", "127.0.0.1", "0", NULL);
    int port = ready_port(a, "127.0.0.1", NULL);
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(want, sizeof want, "bind 127.0.0.1:%d: ", port);
    char *argv[] = {"listener", "127.0.0.1", portbuf, NULL};
    const char *needles[] = {want, "Address already in use", NULL};
    expect_listener_error(argv, 1, needles);
    char line[128];
    snprintf(line, sizeof line, "listener: bind 127.0.0.1:%d: Address already in use\n", port);
    sl_expect(strcmp(sl_err(sl_last_listener), line) == 0,
              "exactly this error line (no advice for EADDRINUSE)", "\"%s\"", sl_err(sl_last_listener));
    sl_close_stdin(a);
    sl_expect_exit(a, 0);
}

GRADED(time_wait_blocks_bind, 2, "without --reuseaddr, a port with a connection in TIME_WAIT cannot be bound",
       "Only set SO_REUSEADDR when --reuseaddr is given: without it, bind() must fail with "
       "EADDRINUSE while the old connection is in TIME_WAIT. Chapter: 'SO_REUSEADDR'." FROM_LESSON_02)
{
    char portbuf[16], want[64];
    int port = server_side_time_wait();
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(want, sizeof want, "bind 127.0.0.1:%d: ", port);
    char *argv[] = {"listener", "127.0.0.1", portbuf, NULL};
    const char *needles[] = {want, "Address already in use", NULL};
    expect_listener_error(argv, 1, needles);
}

GRADED(reuseaddr_over_time_wait, 3, "listener --reuseaddr binds a port whose old connection is in TIME_WAIT",
       "setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) after socket() and BEFORE "
       "bind(); check its result. Chapter: 'SO_REUSEADDR'." FROM_LESSON_02)
{
    char portbuf[16];
    int port = server_side_time_wait();
    snprintf(portbuf, sizeof portbuf, "%d", port);
    struct sl_proc *p = sl_start("listener", "--reuseaddr", "127.0.0.1", portbuf, NULL);
    int got = ready_port(p, "127.0.0.1", NULL);
    sl_expect(got == port, "the port it was asked for", "%d", got);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(reuseaddr_not_over_listener, 2, "--reuseaddr does not let two listeners share a port",
       "SO_REUSEADDR lets bind() ignore connections in TIME_WAIT, never a socket that is "
       "still listening. SO_REUSEPORT is another option, for another job (lesson 12). "
       "Chapter: 'SO_REUSEADDR'." FROM_LESSON_02)
{
    char portbuf[16], want[64];
    struct sl_proc *a = sl_start("listener", "--reuseaddr", "127.0.0.1", "0", NULL);
    int port = ready_port(a, "127.0.0.1", NULL);
    snprintf(portbuf, sizeof portbuf, "%d", port);
    snprintf(want, sizeof want, "bind 127.0.0.1:%d: ", port);
    char *argv[] = {"listener", "--reuseaddr", "127.0.0.1", portbuf, NULL};
    const char *needles[] = {want, "Address already in use", NULL};
    expect_listener_error(argv, 1, needles);
    sl_close_stdin(a);
    sl_expect_exit(a, 0);
}

/* Hold 127.0.0.1:PORT with a listening socket of the test's own (for a
 * port outside the ephemeral range, such as 65535): returns its fd, or -1
 * when something else already holds that port (which serves as well). */
static int hold_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0) {
        sl_step("the test listens on 127.0.0.1:%d itself", port);
        return fd;
    }
    sl_step("127.0.0.1:%d is already in use here: %s", port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

GRADED(arguments, 2, "ports 0-65535: 65535 reaches bind(); bad ports, unknown options, missing PORT: exit 2",
       "listener's argument parsing is given; it checks PORT with parse_port from your lesson 02 "
       "addr.c. 65535 is a valid port: it must reach bind(), which fails with EADDRINUSE here "
       "because the test holds that port; report it as \"bind 127.0.0.1:65535: Address already "
       "in use\" and exit 1. Chapter: 'Choosing a port'." FROM_LESSON_02)
{
    static const char *const bad[] = {"70000", "-1", "abc", "65536", "8o80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"listener", "127.0.0.1", (char *)bad[i], NULL};
        const char *needles[] = {bad[i], NULL};
        expect_listener_error(argv, 2, needles);
    }
    char *unknown[] = {"listener", "--bogus", "127.0.0.1", "0", NULL};
    const char *unknown_needles[] = {"--bogus", NULL};
    expect_listener_error(unknown, 2, unknown_needles);
    char *missing[] = {"listener", NULL};
    const char *no_needles[] = {NULL};
    expect_listener_error(missing, 2, no_needles);
    char *extra[] = {"listener", "127.0.0.1", "0", "extra", NULL};
    expect_listener_error(extra, 2, no_needles);
    struct sl_proc *h = sl_run("listener", "--help", NULL);
    sl_expect_exit(h, 0);
    sl_expect_contains(sl_out(h), "usage", "listener --help's output");
    int held = hold_port(65535);
    char *top[] = {"listener", "127.0.0.1", "65535", NULL};
    const char *top_needles[] = {"bind 127.0.0.1:65535: ", "Address already in use", NULL};
    expect_listener_error(top, 1, top_needles);
    if (held >= 0)
        close(held);
}

GRADED(bad_address, 2, "an address that does not resolve: one line naming it, exit 1",
       "getaddrinfo returns an error code, not -1 with errno: print \"getaddrinfo ADDRESS: \" and "
       "gai_strerror(rc), exit 1. Chapter: 'Binding an address'." FROM_LESSON_02)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
    int rc = getaddrinfo("bad..address", "0", &hints, &res);
    if (rc == 0) {
        freeaddrinfo(res);
        sl_skip("bad..address resolves on this machine");
    }
    char want[160];
    snprintf(want, sizeof want, "getaddrinfo bad..address: %s", gai_strerror(rc));
    sl_step("getaddrinfo(\"bad..address\") fails here with \"%s\"", gai_strerror(rc));
    char *argv[] = {"listener", "bad..address", "0", NULL};
    const char *needles[] = {want, NULL};
    expect_listener_error(argv, 1, needles);
}

GRADED(not_local_address, 2, "an address this machine does not have: bind fails with EADDRNOTAVAIL, exit 1",
       "You can only bind an address of one of your interfaces (see `ip addr`): bind() fails "
       "with EADDRNOTAVAIL, \"Cannot assign requested address\". Report it on one line, "
       "exit 1. Chapter: 'Binding an address'." FROM_LESSON_02)
{
    const char *addr = "203.0.113.7"; /* TEST-NET-3, documentation only */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0xcb007107)};
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        close(fd);
        sl_skip("this machine can bind %s (it has that address, or ip_nonlocal_bind is on)", addr);
    }
    if (fd >= 0)
        close(fd);
    char *argv[] = {"listener", (char *)addr, "0", NULL};
    const char *needles[] = {"bind 203.0.113.7", "Cannot assign requested address", NULL};
    expect_listener_error(argv, 1, needles);
}

GRADED(bind_advice, 2, "bind errors say the fix: EACCES names CAP_NET_BIND_SERVICE, EADDRNOTAVAIL `ip addr`",
       "Where the fix is known, say it after strerror: a port below 1024 needs "
       "CAP_NET_BIND_SERVICE (use 1024 or above, or 0); an address no interface has: see "
       "`ip addr`. Only for bind, only for those two errors. Chapter: 'Choosing a port'." FROM_LESSON_02)
{
    char *local[] = {"listener", "203.0.113.7", "0", NULL};
    const char *local_needles[] = {"bind 203.0.113.7:0: Cannot assign requested address", "ip addr", NULL};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0xcb007107)};
    bool can_bind = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    if (!can_bind)
        expect_listener_error(local, 1, local_needles);
    FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
    int start = 1024;
    if (f) {
        if (fscanf(f, "%d", &start) != 1)
            start = 1024;
        fclose(f);
    }
    if (start <= 80) {
        if (can_bind)
            sl_skip("this machine can bind 203.0.113.7 and lets anyone bind port 80 "
                    "(net.ipv4.ip_unprivileged_port_start=%d)",
                    start);
        return;
    }
    sl_step("net.ipv4.ip_unprivileged_port_start is %d: port 80 needs CAP_NET_BIND_SERVICE", start);
    char *priv[] = {"listener", "127.0.0.1", "80", NULL};
    const char *priv_needles[] = {"bind 127.0.0.1:80: Permission denied", "CAP_NET_BIND_SERVICE", NULL};
    expect_listener_error(priv, 1, priv_needles);
}

GRADED(ipv6_errors, 2, "the IPv6 twins of the bind errors: [::1]:PORT in use, [2001:db8::7] not local",
       "The error names the address as format_sockaddr writes it, brackets and all: \"bind "
       "[::1]:41234: Address already in use\". An IPv6 address no interface has fails as its "
       "IPv4 twin does, with the same advice. Chapter: 'Address already in use'." FROM_LESSON_02)
{
    sl_need_ipv6();
    char portbuf[16], want[96];
    struct sl_proc *a = sl_start("listener", "::1", "0", NULL);
    int port = ready_port(a, "[::1]", NULL);
    snprintf(portbuf, sizeof portbuf, "%d", port);
    char *argv[] = {"listener", "::1", portbuf, NULL};
    const char *needles[] = {"Address already in use", NULL};
    expect_listener_error(argv, 1, needles);
    snprintf(want, sizeof want, "listener: bind [::1]:%d: Address already in use\n", port);
    sl_expect(strcmp(sl_err(sl_last_listener), want) == 0, "exactly this error line", "\"%s\"",
              sl_err(sl_last_listener));
    sl_close_stdin(a);
    sl_expect_exit(a, 0);
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 six = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::7", &six.sin6_addr);
    bool can_bind = fd >= 0 && bind(fd, (struct sockaddr *)&six, sizeof six) == 0;
    if (fd >= 0)
        close(fd);
    if (can_bind)
        sl_skip("this machine can bind 2001:db8::7 (it has that address, or ip_nonlocal_bind is on)");
    char *local[] = {"listener", "2001:db8::7", "0", NULL};
    const char *local_needles[] = {"bind [2001:db8::7]:0: Cannot assign requested address", "ip addr", NULL};
    expect_listener_error(local, 1, local_needles);
}

/* One address of a name, as the listener prints it ("127.0.0.1",
 * "[::1]") and as a host to connect to or bind ("::1"). */
struct named_addr {
    char host[64], shown[80];
};

/* The first two addresses getaddrinfo gives for a passive TCP socket on
 * name, as the listener asks for them (AF_UNSPEC, AI_PASSIVE). */
static void two_addresses(const char *name, struct named_addr out[2])
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res;
    int rc = getaddrinfo(name, "0", &hints, &res);
    if (rc != 0)
        sl_fail("the private /etc/hosts to give two addresses", "getaddrinfo %s: %s", name, gai_strerror(rc));
    int n = 0;
    for (struct addrinfo *ai = res; ai && n < 2; ai = ai->ai_next, n++) {
        getnameinfo(ai->ai_addr, ai->ai_addrlen, out[n].host, sizeof out[n].host, NULL, 0, NI_NUMERICHOST);
        snprintf(out[n].shown, sizeof out[n].shown, ai->ai_family == AF_INET6 ? "[%s]" : "%s", out[n].host);
    }
    freeaddrinfo(res);
    if (n < 2)
        sl_fail("two addresses for the name", "one");
    sl_step("getaddrinfo(\"%s\") gives %s, then %s", name, out[0].shown, out[1].shown);
}

/* Listen on host:port from the test itself. Returns the fd. */
static int hold(const char *host, int port)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res;
    if (getaddrinfo(host, service, &hints, &res) != 0)
        sl_fail("a numeric address to listen on", "%s", host);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && bind(fd, res->ai_addr, res->ai_addrlen) == 0 && listen(fd, 1) == 0;
    int err = errno;
    freeaddrinfo(res);
    if (!ok)
        sl_fail("the test to listen on the address itself", "%s port %d: %s", host, port, strerror(err));
    sl_step("the test listens on %s port %d itself", host, port);
    return fd;
}

/* The address loop on `name`, which tests/hosts.txt gives two addresses
 * (sl_hosts_table, so it runs on Gradescope too): the first address busy,
 * then both. */
static void expect_address_loop(const char *name)
{
    struct named_addr a[2];
    char portbuf[16], want[160];
    sl_hosts_table();
    two_addresses(name, a);
    int port;
    int busy = sl_tcp_listen(a[0].host, &port); /* the first address's port is taken */
    snprintf(portbuf, sizeof portbuf, "%d", port);
    struct sl_proc *p = sl_start("listener", name, portbuf, NULL);
    int got = ready_port(p, a[1].shown, NULL);
    sl_expect(got == port, "the port it was asked for", "%d", got);
    sl_wait_blocked(p, 5);
    int fds = sl_fd_count(p);
    sl_expect(fds == 4,
              "4 fds while it waits: stdin, stdout, stderr, the listening socket (the socket whose bind "
              "failed closed)",
              "%d fds", fds);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
    int busy2 = hold(a[1].host, port);
    snprintf(want, sizeof want, "bind %s:%d: ", a[0].shown, port);
    char *argv[] = {"listener", (char *)name, portbuf, NULL};
    const char *needles[] = {want, "Address already in use", NULL};
    expect_listener_error(argv, 1, needles);
    close(busy2);
    close(busy);
}

GRADED(address_loop, 3,
       "a name with two addresses, the first busy: listener binds the second; both busy: names the first",
       "Loop over every getaddrinfo result: when socket, setsockopt, bind or listen fails, close "
       "that socket and try the next; stop at the first that works. If none works, report the "
       "FIRST failure (\"bind ADDR:PORT: ...\"). Chapter: 'Binding an address'." FROM_LESSON_02)
{
    expect_address_loop("socklab-two.test"); /* 127.0.0.1, then 127.0.0.2 */
}

GRADED(address_loop_ipv6, 2,
       "the same with an IPv6 and an IPv4 address for the name: [::1] busy, 127.0.0.1 bound",
       "The loop does not care about the family: each result brings its own ai_family for "
       "socket() and its own ai_addr for bind(). Print an IPv6 address in brackets. Chapter: "
       "'Binding an address'." FROM_LESSON_02)
{
    sl_need_ipv6();
    expect_address_loop("socklab-two6.test"); /* ::1, then 127.0.0.1 */
}

GRADED(accept_emfile, 2, "listener out of file descriptors: accept fails, one line naming it, exit 1",
       "accept() returns -1 with EMFILE when the process may open no more files: that is an "
       "error to report (\"accept: Too many open files\"), not a reason to poll again (the "
       "connection would wake poll forever). Only ECONNABORTED and EINTR mean \"try "
       "again\". Chapter: 'Who closes first keeps TIME_WAIT'." FROM_LESSON_02)
{
    struct sl_proc *p = sl_startx(&(struct sl_opts){
        .prog = "listener", .args = SL_ARGS("127.0.0.1", "0"), .limits = {SL_LIMIT(RLIMIT_NOFILE, 4)}});
    int port = ready_port(p, "127.0.0.1", NULL);
    sl_step("listener may hold 4 fds: stdin, stdout, stderr and its listening socket");
    int fd = sl_tcp_try_connect("127.0.0.1", port, 5); /* it may be reset as the listener exits */
    sl_expect_error(p, 1, "accept: Too many open files");
    if (fd >= 0)
        close(fd);
}

/* Check that each fd of fds (n of them) of the live program p is
 * close-on-exec and blocking, as /proc/PID/fdinfo shows its flags. */
static void expect_cloexec_blocking(struct sl_proc *p, const int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        long flags = sl_fd_flags(p, fds[i]);
        sl_expect(flags != -1 && (flags & O_CLOEXEC) && !(flags & O_NONBLOCK),
                  "each socket close-on-exec (SOCK_CLOEXEC, lesson 01) and blocking (no SOCK_NONBLOCK)",
                  "/proc/%d/fdinfo/%d flags: 0%lo%s%s", (int)sl_pid(p), fds[i], flags,
                  flags != -1 && !(flags & O_CLOEXEC) ? " (no O_CLOEXEC)" : "",
                  flags != -1 && (flags & O_NONBLOCK) ? " (O_NONBLOCK)" : "");
    }
}

/* ---- sockstate ----------------------------------------------------------- */

GRADED(sockstate_states, 4, "sockstate shows LISTEN, 2 ESTABLISHED, FIN-WAIT-2, CLOSE-WAIT, TIME-WAIT",
       "Make each state happen (listen; connect+accept; shutdown(SHUT_WR) on one side; the "
       "client closing first) and read the state column st of /proc/net/tcp: 01 is "
       "ESTABLISHED, 0A LISTEN. A recv or send that fails with EINTR (this test interrupts some) "
       "moved nothing: call it again. Chapter: 'Walking through the states'." FROM_LESSON_02)
{
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    sl_step("sockstate runs with some of its recv and send calls failing with EINTR, as a signal would make "
            "them");
    int n = run_sockstate_faults(NULL, "seed=6,eintr=0.5,leaks=1", &p, s, MAX_SOCKS);
    expect_scene_states(s, n);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
    sl_expect_no_leaks(p);
}

GRADED(sockstate_agrees_with_ss, 4, "sockstate's addresses and states agree with ss -tan",
       "Decode /proc/net/tcp's hex: the address word is printed in host byte order (so no "
       "ntohl: its bytes in memory are already in network order), the port is a plain number "
       "(htons it into sin_port). Compare: ss -tan. Chapter: 'Reading /proc/net/tcp'." FROM_LESSON_02)
{
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate(NULL, &p, s, MAX_SOCKS);
    sl_expect(n > 0, "socket lines from sockstate", "none");
    expect_agrees_with_ss(s, n);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(sockstate_inodes, 3, "sockstate's fd and inode match /proc/PID/fd; the TIME-WAIT one has fd=- inode=0",
       "readlink(\"/proc/self/fd/N\") gives \"socket:[INODE]\"; find the line of "
       "/proc/net/tcp with that inode. A TIME-WAIT socket has no file and inode 0: find it by "
       "its local and remote address. Chapter: 'Finding your own sockets'." FROM_LESSON_02)
{
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate(NULL, &p, s, MAX_SOCKS);
    expect_scene_states(s, n);
    for (int i = 0; i < n; i++) {
        char link[64], want[64];
        if (strcmp(s[i].state, "TIME-WAIT") == 0) {
            sl_expect(strcmp(s[i].fd, "-") == 0 && s[i].inode == 0,
                      "fd=- inode=0 for the TIME-WAIT socket (its fd is closed)", "\"%s\"", s[i].text);
            continue;
        }
        bool found = sl_fd_target(p, (int)strtol(s[i].fd, NULL, 10), link, sizeof link) != NULL;
        snprintf(want, sizeof want, "socket:[%lu]", s[i].inode);
        sl_expect(found && strcmp(link, want) == 0,
                  "fd and inode of each line to match /proc/PID/fd/FD -> socket:[INODE]",
                  "/proc/%d/fd/%s -> %s for \"%s\"", (int)sl_pid(p), s[i].fd, found ? link : "(no such fd)",
                  s[i].text);
    }
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(sockstate_fds, 2, "while sockstate waits it holds exactly 8 fds: stdio and its 5 open sockets",
       "Close what you open: each /proc file (fclose on every path, also when the socket is found), "
       "and both ends of the pair you closed client first. The TIME-WAIT socket has no fd. "
       "Chapter: 'Finding your own sockets'." FROM_LESSON_02)
{
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate(NULL, &p, s, MAX_SOCKS);
    sl_expect(n == 6, "6 socket lines", "%d", n);
    sl_wait_blocked(p, 5);
    char desc[512];
    int fds = sl_fd_count(p), socks = sl_socket_count(p, desc, sizeof desc);
    sl_expect(fds == 8 && socks == 5,
              "8 fds while it waits: stdin, stdout, stderr and 5 sockets (listener, client, server, "
              "half-client, half-server)",
              "%d fds, %d of them sockets: %s", fds, socks, desc);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(fd_flags, 2,
       "every socket listener and sockstate hold is close-on-exec and blocking (/proc/PID/fdinfo)",
       "Or SOCK_CLOEXEC into the type of every socket() (lesson 01: a child must not inherit it) "
       "and pass it to accept4(); leave SOCK_NONBLOCK out: lesson 03 blocks in accept and recv "
       "(non-blocking sockets are lesson 09). Chapter: 'Binding an address'." FROM_LESSON_02)
{
    struct sl_proc *l = sl_start("listener", "127.0.0.1", "0", NULL);
    ready_port(l, "127.0.0.1", NULL);
    sl_wait_blocked(l, 5);
    expect_cloexec_blocking(l, (int[]){3}, 1);
    sl_close_stdin(l);
    sl_expect_exit(l, 0);
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate(NULL, &p, s, MAX_SOCKS), fds[MAX_SOCKS], nfds = 0;
    sl_wait_blocked(p, 5);
    for (int i = 0; i < n; i++)
        if (strcmp(s[i].fd, "-") != 0)
            fds[nfds++] = (int)strtol(s[i].fd, NULL, 10);
    sl_expect(nfds == 5, "5 sockets with an fd", "%d", nfds);
    expect_cloexec_blocking(p, fds, nfds);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

/* Leave a connection in TIME-WAIT on host, from the test's own sockets:
 * the accepting end closes first and keeps it (inode 0, as sockstate's own
 * TIME-WAIT socket has). */
static void decoy_time_wait(const char *host)
{
    int port, l = sl_tcp_listen(host, &port);
    int c = sl_tcp_connect(host, port, 5), a = sl_tcp_accept(l, 5);
    close(a);
    sl_expect_eof(c, "the test's own server", 5);
    close(c);
    close(l);
    sl_step("left a connection to %s port %d in TIME-WAIT (inode 0), not sockstate's", host, port);
}

/* The socket line of sockstate's output with role `role`. */
static const struct sock_line *role_line(const struct sock_line *s, int n, const char *role)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s[i].role, role) == 0)
            return &s[i];
    sl_fail("a socket line for each role", "no line for %s", role);
}

/* Check the scene's addresses fit together: every connection goes to the
 * listener's address, and each server's peer is its client. */
static void expect_scene_pairs(const struct sock_line *s, int n)
{
    const struct sock_line *l = role_line(s, n, "listener");
    static const char *const clients[] = {"client", "half-client", "closer"};
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        const struct sock_line *c = role_line(s, n, clients[i]);
        sl_expect(strcmp(c->remote, l->local) == 0,
                  "each client's remote= to be the listener's local=", "\"%s\" for the listener \"%s\"",
                  c->text, l->text);
    }
    static const char *const pairs[][2] = {{"client", "server"}, {"half-client", "half-server"}};
    for (size_t i = 0; i < 2; i++) {
        const struct sock_line *c = role_line(s, n, pairs[i][0]), *v = role_line(s, n, pairs[i][1]);
        sl_expect(strcmp(v->local, l->local) == 0 && strcmp(v->remote, c->local) == 0,
                  "each server end: local= the listener's address, remote= its client's local=",
                  "\"%s\" for \"%s\"", v->text, c->text);
    }
}

GRADED(sockstate_time_wait_lookup, 3,
       "sockstate finds its own TIME-WAIT socket among others on the same address",
       "A TIME-WAIT socket has inode 0, like every other one on the machine: match it by the "
       "family, then both addresses AND both ports (sockaddr_same). Other connections in "
       "TIME-WAIT on 127.0.0.1 (or ::1) must not match. Chapter: 'Finding your own sockets'." FROM_LESSON_02)
{
    bool ipv6 = sl_tcp_try_connect("::1", 1, 1) >= 0 || errno == ECONNREFUSED;
    for (int i = 0; i < 3; i++)
        decoy_time_wait("127.0.0.1");
    for (int i = 0; ipv6 && i < 3; i++)
        decoy_time_wait("::1");
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate(NULL, &p, s, MAX_SOCKS);
    expect_scene_states(s, n);
    expect_scene_pairs(s, n);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
    if (!ipv6)
        return;
    n = run_sockstate("::1", &p, s, MAX_SOCKS);
    expect_scene_states(s, n);
    for (int i = 0; i < n; i++)
        sl_expect(strncmp(s[i].local, "[::1]:", 6) == 0,
                  "local=[::1]:PORT on every line (not an IPv4 socket)", "\"%s\"", s[i].text);
    expect_scene_pairs(s, n);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(sockstate_ipv6, 2, "sockstate ::1 finds its IPv6 sockets in /proc/net/tcp6",
       "IPv6 sockets are in /proc/net/tcp6: 4 words of 8 hex digits, each in host byte order "
       "like the IPv4 word. Make the sockets with the family getaddrinfo gives. Chapter: "
       "'Reading /proc/net/tcp'." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate("::1", &p, s, MAX_SOCKS);
    expect_scene_states(s, n);
    for (int i = 0; i < n; i++)
        sl_expect(strncmp(s[i].local, "[::1]:", 6) == 0, "local=[::1]:PORT on every line", "\"%s\"",
                  s[i].text);
    expect_agrees_with_ss(s, n);
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(sockstate_port_range, 2, "sockstate prints the ephemeral port range, and its ports are in it",
       "Read /proc/sys/net/ipv4/ip_local_port_range and print \"ephemeral ports LOW-HIGH\". "
       "Ports that connect() and bind(port 0) pick come from that range. Chapter: "
       "'Ephemeral ports'." FROM_LESSON_02)
{
    int low, high;
    char want[64];
    struct sl_proc *p;
    struct sock_line s[MAX_SOCKS];
    int n = run_sockstate(NULL, &p, s, MAX_SOCKS);
    sl_port_range(&low, &high);
    snprintf(want, sizeof want, "ephemeral ports %d-%d", low, high);
    sl_expect_contains(sl_out(p), want, "sockstate's output");
    sl_expect(n == 6, "6 socket lines", "%d", n);
    for (int i = 0; i < n; i++) {
        long port = sl_addr_port(s[i].local);
        sl_expect(port >= low && port <= high, "every local port in the ephemeral range", "%ld in \"%s\"",
                  port, s[i].text);
    }
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

GRADED(sockstate_errors, 1, "sockstate: a bad address is one line naming it (exit 1); a bad option exit 2",
       "Report tcp_listen_on's reason (\"getaddrinfo bad..address: ...\") on one line and "
       "exit 1. Chapter: 'The exercise'." FROM_LESSON_02)
{
    sl_expect_error(sl_run("sockstate", "bad..address", NULL), 1, "bad..address");
    sl_expect_error(sl_run("sockstate", "--bogus", NULL), 2, "--bogus");
}
