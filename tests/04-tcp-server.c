#define _GNU_SOURCE
/*
 * 04-tcp-server.c - the graded tests of lesson 04: echo_server.
 *
 * echo_server [-4|-6] [--fork] [--max-clients N] [PORT] prints its ready
 * line "listening on 0.0.0.0:41234" (-6: "[::]:41234"), then for each
 * client "connected ADDR:PORT", echoes every byte until the client's end of
 * file, closes, and prints "closed ADDR:PORT: N bytes echoed" (", then
 * REASON" when the exchange failed). The tests start it on port 0, read
 * the port from that line, and act as its clients: the test itself, the
 * hostile peer (one byte at a time, never reading, resetting), socat and
 * ncat. Hygiene is read from /proc of the live server: its open fds and
 * its children.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Ends every hint: echo_server links the student's own lesson 02 addr.c
 * (lesson.mk), so an unfinished lesson 02 fails these tests too. */
#define FROM_LESSON_02                                                                                       \
    " If the program says parse_port or format_sockaddr is not written yet: lesson 04 uses your "            \
    "addr.c from lesson 02, finish that first (make grade L=02)."

#define MIB (1024 * 1024)

/* ---- helpers --------------------------------------------------------------- */

/* Start echo_server with args (NULL-terminated, at most 8) and return its
 * port, read from the ready line "listening on HOST:PORT" (host "0.0.0.0"
 * or "[::]"). */
static int start_server(struct sl_proc **pp, const char *host, const char *faults, const char *const *args)
{
    struct sl_opts o = {.prog = "echo_server", .faults = faults, .stdin_file = "/dev/null"};
    o.args = args;
    struct sl_proc *p = *pp = sl_startx(&o);
    const char *line;
    int port = sl_wait_port(p, "listening on ", 5, &line);
    char want[64];
    snprintf(want, sizeof want, "listening on %s:%d", host, port);
    size_t n = strcspn(line, "\r");
    if (strlen(want) != n || strncmp(line, want, n) != 0)
        sl_fail(want, "\"%s\"", line);
    return port;
}

/* The port as text, for a peer's command line. */
static const char *port_text(int port)
{
    static char text[8][8];
    static int next;
    char *t = text[next++ % 8];
    snprintf(t, sizeof text[0], "%d", port);
    return t;
}

/* len bytes of a seeded pseudo-random pattern (xorshift): a byte lost,
 * repeated or moved shows, unlike a counting pattern cut at a multiple. */
static unsigned char *pattern(size_t len, uint32_t seed)
{
    unsigned char *b = malloc(len);
    sl_expect(b != NULL, "memory for the test's data", "malloc failed");
    for (size_t i = 0; i < len; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        b[i] = (unsigned char)seed;
    }
    return b;
}

/* FNV-1a of len bytes: the checksum the steps show. */
static uint64_t checksum(const unsigned char *b, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* Compare what came back with what was sent, by checksum and first
 * difference. */
static void expect_same(const unsigned char *sent, const unsigned char *got, size_t len, const char *who)
{
    uint64_t a = checksum(sent, len), b = checksum(got, len);
    sl_step("sent %zu bytes with checksum %016llx; %s sent back checksum %016llx", len, (unsigned long long)a,
            who, (unsigned long long)b);
    if (a == b && memcmp(sent, got, len) == 0)
        return;
    size_t i = 0;
    while (i < len && sent[i] == got[i])
        i++;
    sl_fail("the echo byte for byte (the same checksum)",
            "checksum %016llx; the first difference at byte %zu", (unsigned long long)b, i);
}

/* One client's whole exchange through the test's own socket: connect to
 * host:port, send len bytes in 64 KiB steps, reading each step's echo back
 * before the next (so neither side's buffers fill), half-close, expect the
 * server's end of file. Returns the client's own port, for the log. */
static int echo_exchange(const char *host, int port, size_t len, uint32_t seed)
{
    unsigned char *data = pattern(len, seed), *back = malloc(len);
    sl_expect(back != NULL, "memory for the echo", "malloc failed");
    int fd = sl_tcp_connect(host, port, 5);
    int lport = sl_local_port(fd);
    for (size_t at = 0; at < len; at += 65536) {
        size_t n = len - at < 65536 ? len - at : 65536;
        sl_send(fd, data + at, n, 5);
        sl_recv_exact(fd, back + at, n, 5);
    }
    expect_same(data, back, len, "echo_server");
    shutdown(fd, SHUT_WR);
    sl_expect_eof(fd, "echo_server", 5);
    close(fd);
    free(data);
    free(back);
    return lport;
}

/* A short exchange: "x" and its echo, half-close, end of file. */
static void tiny_client(const char *host, int port)
{
    int fd = sl_tcp_connect(host, port, 5);
    sl_send(fd, "x", 1, 5);
    sl_expect_recv(fd, "x", 1, 5);
    shutdown(fd, SHUT_WR);
    sl_expect_eof(fd, "echo_server", 5);
    close(fd);
}

/* Check that the server logs the client on local port lport of host as
 * "connected ADDR:PORT" and, once done, "closed ADDR:PORT: N bytes echoed". */
static void expect_logged(struct sl_proc *srv, const char *host, int lport, size_t bytes)
{
    char want[128];
    snprintf(want, sizeof want, "connected %s:%d", host, lport);
    sl_wait_line(srv, want, 5);
    snprintf(want, sizeof want, "closed %s:%d: %zu bytes echoed", host, lport, bytes);
    char needle[96];
    snprintf(needle, sizeof needle, "closed %s:%d", host, lport);
    const char *line = sl_wait_line(srv, needle, 5);
    size_t n = strcspn(line, "\r");
    if (strlen(want) != n || strncmp(line, want, n) != 0)
        sl_fail(want, "\"%s\"", line);
}

/* The server's open fds once it waits in accept again. */
static int idle_fds(struct sl_proc *srv)
{
    sl_wait_blocked(srv, 5);
    return sl_fd_count(srv);
}

/* Close fd with SO_LINGER 0: a reset. (On loopback the kernel has
 * processed the RST at the other end before close returns.) */
static void reset_connection(int fd)
{
    struct linger lin = {.l_onoff = 1, .l_linger = 0};
    sl_expect(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin) == 0, "setsockopt SO_LINGER", "%s",
              strerror(errno));
    close(fd);
    sl_step("closed with SO_LINGER 0: a reset");
}

/* Finish a client connected before: "x" and its echo, half-close, EOF. */
static void finish_client(int fd)
{
    sl_send(fd, "x", 1, 5);
    sl_expect_recv(fd, "x", 1, 5);
    shutdown(fd, SHUT_WR);
    sl_expect_eof(fd, "echo_server", 5);
    close(fd);
}

/* ---- one client ------------------------------------------------------------ */

GRADED(
    ready_line, 2,
    "echo_server prints \"listening on 0.0.0.0:PORT\" with the port it got, and it answers there",
    "With port 0 the kernel picks a port at bind: read it back with getsockname and print it, "
    "flushed. The chapter, section 'A socket that only listens', builds the wildcard address." FROM_LESSON_02)
{
    int low, high;
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    sl_port_range(&low, &high);
    sl_expect(port >= low && port <= high, "a port in the ephemeral range", "%d, not in %d-%d", port, low,
              high);
    tiny_client("127.0.0.1", port);
}

GRADED(given_port, 2, "echo_server PORT listens on that very port",
       "sin_port holds the port in network byte order: htons(port). Without it, port 41234 "
       "becomes 4769 on the wire. Chapter: 'A socket that only listens'." FROM_LESSON_02)
{
    int want = sl_free_port();
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS(port_text(want)));
    sl_expect(port == want, "the port asked for", "%d", port);
    tiny_client("127.0.0.1", port);
}

GRADED(echoes_until_eof, 3,
       "echo_server sends back what a client sends, and closes after the client's end of file",
       "Loop: recv, send back what came, until recv returns 0 (the client's end of file: not an "
       "error), then close the client's socket. Chapter: 'Echo until end of file'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_send(fd, "hello\n", 6, 5);
    sl_expect_recv(fd, "hello\n", 6, 5);
    sl_send(fd, "again\n", 6, 5);
    sl_expect_recv(fd, "again\n", 6, 5);
    shutdown(fd, SHUT_WR);
    sl_step("half-closed our end: echo_server's recv returns 0");
    sl_expect_eof(fd, "echo_server", 5);
    close(fd);
    tiny_client("127.0.0.1", port);
}

GRADED(logs_peers, 2, "echo_server logs each client's address on connect and on close",
       "getpeername on the accepted socket gives the client's address; format it with your "
       "format_sockaddr, print \"connected ADDR:PORT\", and after the echo \"closed ADDR:PORT: N bytes "
       "echoed\" (a recv of 0 is the normal end, not an error). Chapter: 'Who is on the other "
       "end'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    int lport = sl_local_port(fd);
    sl_send(fd, "hello\n", 6, 5);
    sl_expect_recv(fd, "hello\n", 6, 5);
    shutdown(fd, SHUT_WR);
    sl_expect_eof(fd, "echo_server", 5);
    close(fd);
    expect_logged(srv, "127.0.0.1", lport, 6);
}

GRADED(ten_mib_socat, 4, "10 MiB through echo_server come back byte for byte to socat (same checksum)",
       "send may take fewer bytes than you ask: loop until all are sent (echo_send_all), and keep "
       "reading until recv returns 0. Chapter: 'Short counts'." FROM_LESSON_02)
{
    size_t len = 10 * MIB;
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    char addr[64];
    snprintf(addr, sizeof addr, "TCP:127.0.0.1:%d", port);
    unsigned char *data = pattern(len, 10), *back = malloc(len);
    sl_expect(back != NULL, "memory for the echo", "malloc failed");
    /* -t 30: after its stdin ends, socat half-closes and waits for the rest of the echo. */
    struct sl_proc *socat = sl_start("socat", "-t", "30", "-", addr, NULL);
    sl_write_bytes(socat, data, len);
    sl_close_stdin(socat);
    sl_read_out(socat, back, len, 20);
    expect_same(data, back, len, "echo_server");
    sl_expect_exit(socat, 0);
    free(data);
    free(back);
}

GRADED(ipv6_ncat, 3, "echo_server -6 listens on [::] (IPv6 only) and echoes to ncat over ::1",
       "-6 builds a sockaddr_in6 (in6addr_any, htons(port)) and sets IPV6_V6ONLY, so that an IPv4 "
       "server may have the same port. Chapter: 'A socket that only listens'." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *srv, *srv4;
    int port = start_server(&srv, "[::]", NULL, SL_ARGS("-6", "0"));
    struct sl_proc *ncat = sl_start("ncat", "::1", port_text(port), NULL);
    sl_write(ncat, "over IPv6\n");
    sl_close_stdin(ncat);
    sl_expect_out(ncat, "over IPv6\n", 10, 5);
    sl_expect_exit(ncat, 0);
    sl_step("an IPv4 echo_server on the same port: IPV6_V6ONLY leaves it free");
    start_server(&srv4, "0.0.0.0", NULL, SL_ARGS("-4", port_text(port)));
    tiny_client("127.0.0.1", port);
    tiny_client("::1", port);
}

GRADED(ipv6_logs, 2, "echo_server -6 logs an IPv6 client as [::1]:PORT and echoes 1 MiB back exactly",
       "getpeername fills a sockaddr_in6 for an IPv6 client: give it a struct sockaddr_storage, "
       "big enough for either family. Chapter: 'Who is on the other end'." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *srv;
    int port = start_server(&srv, "[::]", NULL, SL_ARGS("-6", "0"));
    int lport = echo_exchange("::1", port, MIB, 6);
    expect_logged(srv, "[::1]", lport, MIB);
}

GRADED(
    short_counts, 4,
    "echo_server echoes 1 MiB exactly when its send and recv move few bytes or fail with EINTR",
    "Each send or recv may move fewer bytes than asked, or fail with EINTR: that is not the end. "
    "Loop on send until every byte has gone; on EINTR, call again. Chapter: 'Short counts'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", "seed=7,short=0.5,eintr=0.2", SL_ARGS("0"));
    echo_exchange("127.0.0.1", port, MIB, 4);
}

GRADED(short_counts_ipv6, 2, "the same over IPv6: 1 MiB echoed exactly through short counts and EINTR",
       "The loops do not depend on the family: if IPv4 passes and this fails, look at -6 first. "
       "Chapter: 'Short counts'." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *srv;
    int port = start_server(&srv, "[::]", "seed=11,short=0.5,eintr=0.2", SL_ARGS("-6", "0"));
    echo_exchange("::1", port, MIB, 5);
}

/* ---- hostile clients -------------------------------------------------------- */

GRADED(trickle, 2, "a client sending one byte at a time gets every byte back, over IPv4 and IPv6",
       "A stream has no message boundaries: recv returns whatever has come, even 1 byte. Echo what "
       "you got and recv again until it returns 0. Chapter: 'Echo until end of file'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    struct sl_proc *peer =
        sl_peer("-s", "one byte at a time\\n", "connect", "127.0.0.1", port_text(port), "trickle", NULL);
    sl_expect_out(peer, "one byte at a time\n", 19, 5);
    sl_wait_err(peer, "then end of file", 5);
}

GRADED(trickle_ipv6, 1, "the same over IPv6: one byte at a time to echo_server -6, every byte back",
       "If IPv4 passes and this fails, look at -6 first. Chapter: 'Echo until end of file'." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *srv;
    int port = start_server(&srv, "[::]", NULL, SL_ARGS("-6", "0"));
    struct sl_proc *peer = sl_peer("-s", "six\\n", "connect", "::1", port_text(port), "trickle", NULL);
    sl_expect_out(peer, "six\n", 4, 5);
    sl_wait_err(peer, "then end of file", 5);
}

GRADED(survives_reset, 3, "a client that resets mid-message is dropped, and the next client is served",
       "recv fails with ECONNRESET when the client resets: log it, close that socket and go back to "
       "accept. Only main may end the program. Chapter: 'What can go wrong'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    struct sl_proc *peer = sl_peer("-n", "200000", "connect", "127.0.0.1", port_text(port), "reset", NULL);
    sl_wait_err(peer, "reset after sending", 5);
    sl_expect_exit(peer, 0);
    /* "closed 127.0.0.1:PORT: ...", or "closed (a peer already gone)" when the reset came before getpeername
     */
    sl_wait_line(srv, "closed ", 5);
    sl_step("the next client");
    echo_exchange("127.0.0.1", port, 100000, 3);
}

GRADED(sigpipe, 3,
       "a client that resets while echo_server still has its echo to send does not kill the server",
       "Sending to a connection the peer has reset raises SIGPIPE, which ends a process by default. "
       "Pass MSG_NOSIGNAL to send: you get EPIPE instead, drop that client, and serve the next. "
       "Chapter: 'SIGPIPE'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_send(fd, "a", 1, 5);
    sl_expect_recv(fd, "a", 1, 5);
    sl_signal(srv, SIGSTOP);
    sl_step("stopped echo_server (SIGSTOP); now data, our end of file and a reset arrive before it reads");
    sl_send(fd, "xyz", 3, 5);
    shutdown(fd, SHUT_WR);
    reset_connection(fd);
    int next = sl_tcp_connect("127.0.0.1", port, 5);
    sl_step("the next client connected: the kernel completes its handshake while echo_server is stopped");
    sl_signal(srv, SIGCONT);
    sl_step("continued echo_server (SIGCONT): it reads \"xyz\" and sends it to a reset connection");
    const char *line = sl_wait_line(srv, "closed 127.0.0.1:", 5);
    sl_expect_contains(line, "then Broken pipe", "the closed line of a client its send failed on (EPIPE)");
    finish_client(next);
}

GRADED(reset_before_accept, 2,
       "a client that resets before echo_server accepts it is logged as gone, and the next is served",
       "accept may return a connection the client has already reset: getpeername then fails with "
       "ENOTCONN (log \"(a peer already gone)\") and recv with ECONNRESET. Neither is the end of the "
       "server. Chapter: 'Who is on the other end'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    sl_wait_blocked(srv, 5);
    sl_signal(srv, SIGSTOP);
    sl_step("stopped echo_server (SIGSTOP): the kernel still completes our handshake");
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    reset_connection(fd);
    int next = sl_tcp_connect("127.0.0.1", port, 5);
    sl_step("the next client connected: the kernel completes its handshake while echo_server is stopped");
    sl_signal(srv, SIGCONT);
    sl_step("continued echo_server (SIGCONT): it accepts a connection that is already reset");
    const char *line = sl_wait_line(srv, "closed ", 5);
    sl_expect_contains(line, "(a peer already gone)", "the closed line of a client reset before getpeername");
    sl_expect_contains(line, "Connection reset by peer",
                       "the closed line of a client reset before getpeername");
    finish_client(next);
}

GRADED(restart, 2, "echo_server restarts on its port at once, with its last run's connections in TIME-WAIT",
       "A server killed with clients connected closes first, so its side of each connection stays in "
       "TIME-WAIT for a minute. Set SO_REUSEADDR before bind so that it can bind the port again. "
       "Chapter: 'A socket that only listens'." FROM_LESSON_02)
{
    struct sl_proc *srv, *again;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_send(fd, "x", 1, 5);
    sl_expect_recv(fd, "x", 1, 5);
    sl_signal(srv, SIGKILL);
    sl_wait_exit(srv, 5);
    sl_step("killed echo_server with a client connected: its kernel closed first");
    sl_expect_eof(fd, "the killed echo_server", 5);
    close(fd);
    sl_step("closed our end second: the server's end is now in TIME-WAIT");
    int port2 = start_server(&again, "0.0.0.0", NULL, SL_ARGS(port_text(port)));
    sl_expect(port2 == port, "the same port again", "%d", port2);
    tiny_client("127.0.0.1", port);
}

GRADED(cloexec, 1, "every socket echo_server holds is close-on-exec",
       "Create the listening socket with SOCK_CLOEXEC and accept with accept4(..., SOCK_CLOEXEC), "
       "as in lesson 01: a program the server ever runs must not inherit its clients." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_send(fd, "x", 1, 5);
    sl_expect_recv(fd, "x", 1, 5);
    sl_wait_blocked(srv, 5);
    char desc[256];
    int n = sl_socket_count(srv, desc, sizeof desc);
    sl_expect(n == 2, "2 sockets: the listening one and the client's", "%d: %s", n, desc);
    for (const char *d = desc; *d;) {
        int sfd = atoi(d);
        long flags = sl_fd_flags(srv, sfd);
        sl_expect(flags >= 0 && (flags & O_CLOEXEC) && !(flags & O_NONBLOCK),
                  "a blocking, close-on-exec socket", "fd %d has flags 0%lo", sfd, flags);
        d += strcspn(d, " ");
        d += strspn(d, " ");
    }
    shutdown(fd, SHUT_WR);
    sl_expect_eof(fd, "echo_server", 5);
    close(fd);
}

/* ---- hygiene ------------------------------------------------------------------ */

GRADED(no_fd_leak, 3, "after 50 clients echo_server holds as many fds as before the first",
       "Close each client's socket once you are done with it: accept returns a new fd every time, "
       "and a server that forgets runs out (EMFILE). Chapter: 'accept returns a new socket'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    int before = idle_fds(srv);
    for (int i = 0; i < 50; i++)
        tiny_client("127.0.0.1", port);
    int after = idle_fds(srv);
    sl_expect(after == before, "the same number of open fds as before the 50 clients",
              "%d before, %d after (an fd per client is not closed)", before, after);
    sl_expect(sl_err(srv)[0] == '\0', "nothing on stderr: no client here failed", "%s", sl_err(srv));
}

GRADED(max_clients, 2, "echo_server --max-clients N exits 0 after serving N clients, with and without --fork",
       "Count each client served and leave the accept loop at N; with --fork, wait for the last "
       "children (waitpid) before you return. Chapter: 'A process per client'." FROM_LESSON_02)
{
    struct sl_proc *srv, *fsrv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("--max-clients", "3", "0"));
    for (int i = 0; i < 3; i++)
        tiny_client("127.0.0.1", port);
    sl_expect_exit(srv, 0);
    int fport = start_server(&fsrv, "0.0.0.0", NULL, SL_ARGS("--fork", "--max-clients", "2", "0"));
    tiny_client("127.0.0.1", fport);
    int held = sl_tcp_connect("127.0.0.1", fport, 5);
    sl_send(held, "x", 1, 5);
    sl_expect_recv(held, "x", 1, 5);
    sl_step("the second client stays connected: echo_server must wait for the child serving it");
    sl_wait_blocked(fsrv, 5);
    shutdown(held, SHUT_WR);
    sl_expect_eof(held, "echo_server", 5);
    close(held);
    sl_expect_exit(fsrv, 0);
    sl_expect(sl_count_lines(sl_out(fsrv), "closed 127.0.0.1:") == 2, "2 \"closed\" lines from the children",
              "%d", sl_count_lines(sl_out(fsrv), "closed 127.0.0.1:"));
}

GRADED(fork_ten_clients, 4, "with --fork, nine clients are served while a tenth never reads",
       "One process serves one client at a time: a client that never reads blocks it in send. With "
       "--fork each client gets its own child (fork after accept; the child closes the listening "
       "socket, the parent the client's). Chapter: 'A process per client'." FROM_LESSON_02)
{
    struct sl_proc *srv, *ok[9];
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("--fork", "0"));
    struct sl_proc *stalled = sl_peer("-n", "65536", "connect", "127.0.0.1", port_text(port), "noread", NULL);
    sl_wait_err(stalled, "stalled after sending", 10);
    char text[9][32];
    for (int i = 0; i < 9; i++) {
        snprintf(text[i], sizeof text[i], "client %d of nine\\n", i + 1);
        ok[i] = sl_peer("-s", text[i], "connect", "127.0.0.1", port_text(port), "send", NULL);
    }
    for (int i = 0; i < 9; i++) {
        char want[32];
        int n = snprintf(want, sizeof want, "client %d of nine\n", i + 1);
        sl_expect_out(ok[i], want, (size_t)n, 5);
        sl_wait_err(ok[i], "then end of file", 5);
    }
}

GRADED(fork_reaps, 4, "with --fork, 100 clients served while one stays connected; then no zombie, no fd more",
       "Each child that ends stays a zombie until its parent waits for it: a SIGCHLD handler with "
       "waitpid(-1, NULL, WNOHANG) in a loop reaps them all. And the parent must close its copy of "
       "each client's socket after fork. Chapter: 'A process per client'." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("--fork", "0"));
    int before = idle_fds(srv);
    int held = sl_tcp_connect("127.0.0.1", port, 5);
    sl_send(held, "x", 1, 5);
    sl_expect_recv(held, "x", 1, 5);
    int children = sl_wait_reaped(srv, 0);
    sl_expect(children == 1, "one child serving the client that stays connected", "%d children", children);
    for (int i = 0; i < 100; i++)
        tiny_client("127.0.0.1", port);
    shutdown(held, SHUT_WR);
    sl_expect_eof(held, "echo_server", 5);
    close(held);
    int left = sl_wait_reaped(srv, 5);
    sl_expect(left == 0, "every child reaped once its client is done",
              "%d children left, %d of them zombies (ended, never waited for)", left, sl_zombie_count(srv));
    int after = idle_fds(srv);
    sl_expect(after == before, "the same number of open fds as before the 100 clients",
              "%d before, %d after (the parent keeps a client's fd)", before, after);
    sl_expect(sl_err(srv)[0] == '\0', "nothing on stderr: every fork worked", "%s", sl_err(srv));
}

/* ---- errors -------------------------------------------------------------------- */

GRADED(usage_errors, 2, "a bad argument gets one line on stderr and exit 2; a good one serves",
       "The argument parsing is given: check it still reports each mistake in one line with "
       "cli_usage_error and that main returns 2, and that --max-clients 1 serves one client and exits "
       "0." FROM_LESSON_02)
{
    static const char *const bad[][4] = {
        {"--bogus", NULL},
        {"70000", NULL},
        {"-5", NULL},
        {"--max-clients", NULL},
        {"--max-clients", "0", NULL},
        {"--max-clients", "x", NULL},
        {"1", "2", NULL},
        {"abc", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[6] = {"echo_server"};
        for (int j = 0; j < 4 && bad[i][j]; j++)
            argv[j + 1] = (char *)bad[i][j];
        struct sl_proc *p = sl_startv("echo_server", argv);
        sl_close_stdin(p);
        int last = bad[i][1] ? 1 : 0;
        sl_expect_error(p, 2, bad[i][last]);
    }
    struct sl_proc *h = sl_run("echo_server", "--help", NULL);
    sl_expect_exit(h, 0);
    sl_expect_contains(sl_out(h), "usage: echo_server", "its --help");
    sl_step("and a good command line still serves: --max-clients 1 -- 0");
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("--max-clients", "1", "--", "0"));
    tiny_client("127.0.0.1", port);
    sl_expect_exit(srv, 0);
}

GRADED(bind_in_use, 2, "a port in use gets one line naming bind, the address and the reason, and exit 1",
       "When bind fails, say which call failed on which address: \"bind 0.0.0.0:PORT: Address "
       "already in use\" (format_sockaddr, strerror), close the socket, and let main exit 1." FROM_LESSON_02)
{
    struct sl_proc *srv;
    int port = start_server(&srv, "0.0.0.0", NULL, SL_ARGS("0"));
    char want[64];
    snprintf(want, sizeof want, "bind 0.0.0.0:%d", port);
    struct sl_proc *p = sl_run("echo_server", port_text(port), NULL);
    sl_expect_error(p, 1, want);
    sl_expect_contains(sl_err(p), "Address already in use", "its error line");
}

GRADED(bind_in_use_ipv6, 1, "the same over IPv6: echo_server -6 on a port in use names bind [::]:PORT",
       "Format the address you tried to bind with format_sockaddr: an IPv6 one prints as "
       "[::]:PORT." FROM_LESSON_02)
{
    sl_need_ipv6();
    struct sl_proc *srv;
    int port = start_server(&srv, "[::]", NULL, SL_ARGS("-6", "0"));
    char want[64];
    snprintf(want, sizeof want, "bind [::]:%d", port);
    struct sl_proc *p = sl_run("echo_server", "-6", port_text(port), NULL);
    sl_expect_error(p, 1, want);
    sl_expect_contains(sl_err(p), "Address already in use", "its error line");
}
