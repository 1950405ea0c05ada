#define _GNU_SOURCE
/*
 * 06-udp.c - the graded tests of lesson 06: udp_echo, udp_ping.
 *
 * udp_echo [-4|-6] [PORT] prints its ready line
 *   listening on 0.0.0.0:41234
 * then, for each datagram, "echoed N bytes to ADDR:PORT" (it sent it back
 * to its sender) or "truncated N bytes from ADDR:PORT: ..." (over its
 * 4096-byte buffer, not echoed), until its stdin ends. The tests are its
 * clients: socat, the hostile peer, and UDP sockets of their own.
 *
 * udp_ping HOST PORT [-c N] [-i SEC] [-W SEC] [-s SIZE] prints a line per
 * reply, "56 bytes from 127.0.0.1:41234: seq=1 time=0.081 ms", a line per
 * probe that timed out, "seq=2: no reply within 1 s", then ping's summary.
 * The tests are its server: socat echoing, or a UDP socket of the test's
 * own (serve_probes) that drops, repeats or delays replies and takes the
 * kernel's arrival time of each probe, to check the pacing.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Ends every hint: lesson 06's programs link the student's own lesson 02
 * addr.c (lesson.mk), so an unfinished lesson 02 fails these tests too. */
#define FROM_LESSON_02                                                                                       \
    " If the program says parse_port or format_sockaddr is not written yet: lesson 06 uses your "            \
    "addr.c from lesson 02, finish that first (make grade L=02)."

/* udp_echo's buffer: a datagram over this is reported, not echoed. */
#define ECHO_MAX 4096

/* ---- helpers: udp_echo -------------------------------------------------- */

static const char *port_text(int port)
{
    static char buf[8][16];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, 16, "%d", port);
    return b;
}

/* Start udp_echo with `flag` ("-4", "-6" or NULL) on port 0, check its
 * ready line is "listening on WILDCARD:PORT" and return PORT. */
static struct sl_proc *echo_start(const char *flag, const char *faults, int *port)
{
    struct sl_proc *p = sl_startx(
        &(struct sl_opts){.prog = "udp_echo", .args = flag ? SL_ARGS(flag) : SL_ARGS("0"), .faults = faults});
    const char *line;
    *port = sl_wait_port(p, "listening on ", 5, &line);
    const char *want = !flag ? "[::]" : strcmp(flag, "-4") == 0 ? "0.0.0.0" : "[::]";
    char expected[64];
    snprintf(expected, sizeof expected, "listening on %s:%d", want, *port);
    if (strncmp(line, expected, strlen(expected)) != 0 || line[strlen(expected)] > ' ')
        sl_fail(expected, "\"%s\"", line);
    return p;
}

/* Send one datagram from fd (connected to the echo) and expect exactly it back. */
static void expect_echo(int fd, const void *msg, size_t len)
{
    static char reply[ECHO_MAX + 1];
    ssize_t n = sl_udp_exchange(fd, msg, len, reply, sizeof reply, 5);
    sl_expect(n >= 0, "the datagram echoed back", "no reply within 5 s");
    sl_expect((size_t)n == len, "a reply as long as the datagram sent", "%zd bytes for %zu", n, len);
    sl_expect(memcmp(reply, msg, len) == 0, "the same bytes back", "other bytes (\"%.*s\")", (int)n, reply);
}

/* End udp_echo: its stdin closes, it exits 0. */
static void echo_stop(struct sl_proc *p)
{
    sl_close_stdin(p);
    sl_expect_exit(p, 0);
}

/* socat as a client of udp_echo at ADDRESS ("UDP:127.0.0.1",
 * "UDP6:[::1]") and port: it sends `line` (one datagram) and must get it
 * back; then the echo logs "echoed N bytes to `logged`..." */
static void socat_client(const char *address, int port, const char *line, struct sl_proc *echo,
                         const char *logged)
{
    char addr[64], want[96];
    snprintf(addr, sizeof addr, "%s:%d", address, port);
    struct sl_proc *c = sl_start("socat", "-t", "5", "-", addr, NULL);
    sl_write(c, line);
    sl_expect_out(c, line, strlen(line), 5);
    sl_close_stdin(c);
    snprintf(want, sizeof want, "echoed %zu bytes to %s", strlen(line), logged);
    sl_wait_line(echo, want, 5);
}

/* ---- helpers: udp_ping --------------------------------------------------- */

/* A UDP port of host that nobody has. */
static int closed_port(const char *host)
{
    int port;
    close(sl_udp_bind(host, &port));
    sl_step("nothing has UDP port %d on %s now", port, host);
    return port;
}

/* socat as a UDP echo server on loopback (`six`: ::1); its port. Each
 * datagram gets its own child (UDP-RECVFROM with fork), which echoes that
 * one datagram whole: one cat for the whole run (UDP-LISTEN, EXEC:cat)
 * would merge probes that arrive before it has read the first. The port is
 * one the kernel just gave out and took back; socat reports only the port
 * it was told, so it cannot be port 0. */
static struct sl_proc *socat_echo(bool six, int *port)
{
    *port = closed_port(six ? "::1" : "127.0.0.1");
    char addr[64];
    snprintf(addr, sizeof addr, "UDP%s-RECVFROM:%d,bind=%s,fork", six ? "6" : "", *port,
             six ? "[::1]" : "127.0.0.1");
    struct sl_proc *s = sl_start("socat", "-d", "-d", addr, "EXEC:cat", NULL);
    sl_wait_err(s, "receiving on", 5);
    return s;
}

/* How serve_probes answers. */
enum {
    ANSWER = 0,    /* each probe, once, right away */
    DROP_EVEN = 1, /* no answer to seq 2, 4, 6 ... (seq 2: an answer after -W, which is stale; seq 4:
                      an answer one byte too long) */
    TWICE = 2,     /* each answer twice */
    FOREIGN = 4,   /* before each answer, datagrams that answer no probe */
    LATE = 8,      /* each answer `delay` seconds late */
    SILENT = 16,   /* no answer at all */
};

/* One probe as the test's server saw it. */
struct arrival {
    int seq;       /* the first two bytes, big-endian */
    size_t len;    /* its length */
    long bad_fill; /* the first byte from 10 on that is not its index & 0xff, or -1 */
    double at;     /* when the kernel received it (sl_now()'s clock) */
};

/* A reply waiting for its time. */
struct pending {
    double due;
    struct sockaddr_storage to;
    size_t len;
    unsigned char data[2048];
};

static socklen_t addr_len(const struct sockaddr_storage *ss)
{
    return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void send_to(int fd, const void *data, size_t len, const struct sockaddr_storage *to)
{
    if (sendto(fd, data, len, 0, (const struct sockaddr *)to, addr_len(to)) != (ssize_t)len)
        sl_fail("the test to send a reply", "sendto: %s", strerror(errno));
}

/* Queue the reply to probe `a` (its bytes in data) as `how` says. */
static void plan_reply(struct pending *q, int *nq, int how, double delay, double stale_after,
                       const unsigned char *data, const struct arrival *a,
                       const struct sockaddr_storage *from)
{
    if ((how & SILENT) || ((how & DROP_EVEN) && a->seq % 2 == 0 && a->seq != 2 && a->seq != 4))
        return;
    for (int copy = 0; copy < ((how & TWICE) ? 2 : 1) && *nq < 64; copy++) {
        struct pending *r = &q[(*nq)++];
        r->due = a->at + ((how & LATE) ? delay : 0) + ((how & DROP_EVEN) && a->seq == 2 ? stale_after : 0);
        r->to = *from;
        r->len = a->len < sizeof r->data ? a->len : sizeof r->data;
        memcpy(r->data, data, r->len);
        if ((how & DROP_EVEN) && a->seq == 4 && r->len < sizeof r->data)
            r->data[r->len++] = 0; /* its first SIZE bytes are the probe: a recv of SIZE bytes would cut it */
    }
}

/* Send every queued reply that is due; returns the earliest time still
 * ahead (or `until` if none). */
static double send_due(int fd, struct pending *q, int *nq, int how, double until)
{
    double next = until;
    for (int i = 0; i < *nq;) {
        if (q[i].due > sl_now()) {
            next = q[i].due < next ? q[i].due : next;
            i++;
            continue;
        }
        if (how & FOREIGN) {
            unsigned char junk[2048];
            memcpy(junk, q[i].data, q[i].len);
            junk[0] = 0x7f, junk[1] = 0xff; /* seq 32767: no such probe */
            send_to(fd, junk, q[i].len, &q[i].to);
            send_to(fd, "xx", 2, &q[i].to); /* too short to be a probe */
        }
        send_to(fd, q[i].data, q[i].len, &q[i].to);
        q[i] = q[--(*nq)];
    }
    return next;
}

/* Play the echo server for udp_ping on fd: take up to n probes, recording
 * each (seq, length, kernel arrival time) into got, and answer them as
 * `how` says; stop once n have come and every answer is out, or at the
 * deadline. A DROP_EVEN answer to seq 2 goes out stale_after seconds late.
 * Returns how many probes came. */
static int serve_probes(int fd, int n, int how, double delay, double stale_after, struct arrival *got,
                        double seconds)
{
    static struct pending q[64];
    int nq = 0, count = 0;
    double until = sl_now() + sl_deadline(seconds);
    while ((count < n || nq > 0) && sl_now() < until) {
        double wake = send_due(fd, q, &nq, how, until);
        if (count == n && nq == 0)
            break;
        unsigned char buf[2048];
        struct sockaddr_storage from;
        double at;
        /* the harness scales every wait by SOCKLAB_SLOW: undo it for a due time */
        ssize_t len = sl_udp_recvfrom(fd, buf, sizeof buf, &from, &at, (wake - sl_now()) / sl_deadline(1));
        if (len < 0 || count >= n)
            continue;
        struct arrival *a = &got[count++];
        *a = (struct arrival){
            .seq = len >= 2 ? buf[0] << 8 | buf[1] : -1, .len = (size_t)len, .bad_fill = -1, .at = at};
        for (ssize_t i = 10; i < len && i < (ssize_t)sizeof buf && a->bad_fill < 0; i++)
            if (buf[i] != (unsigned char)(i & 0xff))
                a->bad_fill = (long)i;
        sl_step("probe %d came: %zd bytes, seq %d (its first two bytes, big-endian)", count, len, a->seq);
        plan_reply(q, &nq, how, delay, stale_after, buf, a, &from);
    }
    return count;
}

/* Check each probe is `size` bytes and carries seq 1, 2, ... n in network
 * byte order. */
static void expect_probes(struct sl_proc *p, const struct arrival *got, int count, int n, size_t size)
{
    sl_expect(count == n, "every probe to reach the server", "%d of %d; udp_ping's stderr: \"%s\"", count, n,
              sl_err(p));
    for (int i = 0; i < n; i++) {
        char expected[160];
        snprintf(expected, sizeof expected,
                 "probe %d to be %zu bytes (-s) with seq %d in its first two bytes, in network byte order",
                 i + 1, size, i + 1);
        if (got[i].len != size || got[i].seq != i + 1)
            sl_fail(expected, "%zu bytes with seq %d (bytes 0x%02x 0x%02x)%s", got[i].len, got[i].seq,
                    got[i].seq >= 0 ? got[i].seq >> 8 : 0, got[i].seq >= 0 ? got[i].seq & 0xff : 0,
                    got[i].seq == (i + 1) << 8 ? ": is htons missing?" : "");
        sl_expect(got[i].bad_fill < 0, "the filler after the 10-byte header: byte i is i & 0xff (probe.h)",
                  "probe %d: byte %ld is wrong", i + 1, got[i].bad_fill);
    }
}

/* Check udp_ping's summary: "SENT packets transmitted, RECEIVED received,
 * LOSS% packet loss", and the rtt line when any came. */
static void expect_summary(struct sl_proc *p, int sent, int received, const char *loss)
{
    char want[128], line[256];
    snprintf(want, sizeof want, "%d packets transmitted, %d received, %s%% packet loss", sent, received,
             loss);
    const char *l = sl_find_line(sl_out(p), "packets transmitted", line, sizeof line);
    sl_expect(l && strncmp(l, want, strlen(want)) == 0, want, "%s",
              l ? l : "no \"packets transmitted\" line");
    const char *rtt = sl_find_line(sl_out(p), "rtt min/avg/max/mdev = ", line, sizeof line);
    if (received == 0) {
        sl_expect(!rtt, "no rtt line (no reply came)", "%s", rtt);
        return;
    }
    double mn, avg, mx, mdev;
    sl_expect(rtt && sscanf(rtt, "rtt min/avg/max/mdev = %lf/%lf/%lf/%lf ms", &mn, &avg, &mx, &mdev) == 4,
              "a line \"rtt min/avg/max/mdev = A/B/C/D ms\"", "%s", rtt ? rtt : "none");
    sl_expect(mn > 0 && mn <= avg && avg <= mx && mdev >= 0 && mdev <= mx - mn,
              "0 < min <= avg <= max, and 0 <= mdev <= max - min", "%s", rtt);
}

/* Count udp_ping's reply lines "SIZE bytes from ADDR: seq=K time=X ms"
 * and check each names ADDR and a seq of 1..n not seen before, with a
 * time >= 0. Returns the count. */
static int reply_lines(struct sl_proc *p, size_t size, const char *addr, int n)
{
    char prefix[96], line[256];
    bool seen[64] = {false};
    int count = 0;
    snprintf(prefix, sizeof prefix, "%zu bytes from %s: seq=", size, addr);
    for (const char *s = sl_out(p); sl_next_line(&s, line, sizeof line);) {
        if (!strstr(line, " bytes from "))
            continue;
        int seq;
        double ms;
        if (strncmp(line, prefix, strlen(prefix)) != 0 ||
            sscanf(line + strlen(prefix), "%d time=%lf ms", &seq, &ms) != 2)
            sl_fail("reply lines as \"SIZE bytes from ADDR: seq=K time=X ms\"",
                    "\"%s\" (wanted it to start \"%s\")", line, prefix);
        sl_expect(seq >= 1 && seq <= n && seq < 64 && !seen[seq], "each seq once, 1 to the count", "\"%s\"",
                  line);
        sl_expect(ms >= 0 && ms < 1000 * sl_deadline(10), "a time of 0 ms or more, and less than the run",
                  "\"%s\"", line);
        seen[seq] = true;
        count++;
    }
    return count;
}

/* Start udp_ping HOST PORT with args (a NULL-terminated list). */
static struct sl_proc *ping_start(const char *host, int port, const char *faults, const char *const *args)
{
    const char *argv[16] = {host, port_text(port)};
    int n = 2;
    for (; args[n - 2] && n < 15; n++)
        argv[n] = args[n - 2];
    argv[n] = NULL;
    return sl_startx(&(struct sl_opts){.prog = "udp_ping", .args = argv, .faults = faults});
}

/* One udp_ping run against the test's own UDP server on 127.0.0.1: the
 * request (in) and what came of it (out). */
struct served {
    const char *faults;      /* in: faults in udp_ping's I/O, or NULL */
    const char *const *args; /* in: udp_ping's options */
    int probes;              /* in: how many probes to expect (at most 8) */
    size_t size;             /* in: of what size */
    int how;                 /* in: how serve_probes answers */
    double delay, stale_after;
    struct sl_proc *p;     /* out: udp_ping, still running */
    int fd;                /* out: the server's socket */
    char addr[32];         /* out: the server's address, as udp_ping prints it */
    struct arrival got[8]; /* out: the probes as they came, each checked by expect_probes */
};

/* Bind the test's server, start udp_ping at it with r->args, serve its
 * probes as r->how says (serve_probes) and check each (expect_probes). */
static void ping_served(struct served *r)
{
    int port;
    r->fd = sl_udp_bind("127.0.0.1", &port);
    snprintf(r->addr, sizeof r->addr, "127.0.0.1:%d", port);
    r->p = ping_start("127.0.0.1", port, r->faults, r->args);
    int count = serve_probes(r->fd, r->probes, r->how, r->delay, r->stale_after, r->got, 10);
    expect_probes(r->p, r->got, count, r->probes, r->size);
}

/* ---- udp_echo ------------------------------------------------------------------ */

GRADED(echo_socat, 3, "udp_echo prints its port, and socat as a client gets its datagram back",
       "Bind a UDP socket to the wildcard address and port 0, print \"listening on "
       "0.0.0.0:PORT\" from getsockname(), then recvfrom() a datagram and sendto() it back to the "
       "address recvfrom() gave you. Chapter: 'One socket serves all'." FROM_LESSON_02)
{
    int port;
    struct sl_proc *e = echo_start("-4", NULL, &port);
    socat_client("UDP:127.0.0.1", port, "hello, udp\n", e, "127.0.0.1:");
    echo_stop(e);
}

GRADED(echo_boundaries, 3,
       "udp_echo keeps datagram boundaries: 1, 300, 0 and 3 bytes come back as 4 datagrams",
       "One recvfrom() returns one datagram, never two, and one sendto() sends one: echo each "
       "as it came, even an empty one (recvfrom returning 0 is a datagram of 0 bytes, not an end "
       "of file: UDP has none). Chapter: 'Datagrams keep their boundaries'." FROM_LESSON_02)
{
    int port;
    struct sl_proc *e = echo_start("-4", NULL, &port);
    int fd = sl_udp_connect("127.0.0.1", port);
    static char big[300];
    memset(big, 'b', sizeof big);
    const struct {
        const char *data;
        size_t len;
    } msgs[] = {{"a", 1}, {big, sizeof big}, {"", 0}, {"xyz", 3}};
    for (size_t i = 0; i < 4; i++)
        if (send(fd, msgs[i].data, msgs[i].len, 0) != (ssize_t)msgs[i].len)
            sl_fail("to send a datagram", "send: %s", strerror(errno));
    sl_step("sent 4 datagrams at once: 1, 300, 0 and 3 bytes");
    for (size_t i = 0; i < 4; i++) {
        char buf[ECHO_MAX];
        ssize_t n = sl_udp_recv(fd, buf, sizeof buf, 5);
        char expected[96];
        snprintf(expected, sizeof expected, "datagram %zu back as %zu bytes, alone", i + 1, msgs[i].len);
        sl_expect(n == (ssize_t)msgs[i].len && memcmp(buf, msgs[i].data, msgs[i].len) == 0, expected, "%s",
                  n < 0 ? "nothing within 5 s" : "another length or other bytes");
    }
    sl_wait_line(e, "echoed 0 bytes to 127.0.0.1:", 5);
    close(fd);
    echo_stop(e);
}

GRADED(echo_many_clients, 3, "one udp_echo socket serves three clients, each answered at its own address",
       "Send each reply to the address that recvfrom() filled in for THAT datagram, never to a "
       "saved one: one socket, many clients, no connect() and no new socket per client. "
       "Chapter: 'One socket serves all'." FROM_LESSON_02)
{
    int port;
    struct sl_proc *e = echo_start("-4", "seed=5,eintr=0.3,eagain=0.3,leaks=1", &port);
    sl_step("recvfrom and sendto fail now and then with EINTR, recvfrom with EAGAIN: try again later");
    int fds[3];
    for (int i = 0; i < 2; i++)
        fds[i] = sl_udp_connect("127.0.0.1", port);
    fds[2] = sl_udp_bind("127.0.0.2", NULL); /* a client on another address */
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fds[2], (struct sockaddr *)&to, sizeof to) != 0)
        sl_fail("the test's third client connected", "connect: %s", strerror(errno));
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3; i++) {
            char msg[32];
            int n = snprintf(msg, sizeof msg, "client %d round %d", i, round);
            sl_step("client %d (port %d) sends \"%s\"", i, sl_local_port(fds[i]), msg);
            expect_echo(fds[i], msg, (size_t)n);
        }
    char want[64];
    snprintf(want, sizeof want, "echoed 16 bytes to 127.0.0.1:%d", sl_local_port(fds[1]));
    sl_wait_line(e, want, 5);
    snprintf(want, sizeof want, "echoed 16 bytes to 127.0.0.2:%d", sl_local_port(fds[2]));
    sl_wait_line(e, want, 5);
    char desc[256];
    int socks = sl_socket_count(e, desc, sizeof desc);
    sl_expect(socks == 1, "udp_echo to hold one socket for all its clients", "%d sockets: %s", socks, desc);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    echo_stop(e);
    sl_expect(!strstr(sl_out(e), "truncated"), "no \"truncated\" line: a failed recvfrom is no datagram",
              "%s", sl_out(e));
    sl_expect_no_leaks(e);
}

GRADED(echo_truncation, 3, "a datagram over udp_echo's 4096-byte buffer is reported as truncated, not echoed",
       "recvfrom() with MSG_TRUNC returns the datagram's real length even when the buffer held "
       "less: if it is more than the buffer, print \"truncated N bytes from ADDR: ...\" and send "
       "nothing back (a cut datagram is a wrong one). Chapter: 'Truncation'." FROM_LESSON_02)
{
    int port;
    struct sl_proc *e = echo_start("-4", NULL, &port);
    int fd = sl_udp_connect("127.0.0.1", port);
    static char big[5000];
    memset(big, 'T', sizeof big);
    if (send(fd, big, sizeof big, 0) != (ssize_t)sizeof big)
        sl_fail("to send 5000 bytes", "send: %s", strerror(errno));
    sl_step("sent a datagram of 5000 bytes");
    char want[64];
    snprintf(want, sizeof want, "truncated 5000 bytes from 127.0.0.1:%d", sl_local_port(fd));
    sl_wait_line(e, want, 5);
    char reply[8192];
    ssize_t n = sl_udp_exchange(fd, "after", 5, reply, sizeof reply, 5);
    sl_expect(n == 5, "the next datagram's echo (5 bytes) to be the first reply: nothing for the 5000 bytes",
              "%zd bytes first%s", n,
              n == ECHO_MAX ? ": the first 4096 bytes of the big one, cut short" : "");
    expect_echo(fd, big, ECHO_MAX); /* exactly the buffer is no truncation */
    close(fd);
    echo_stop(e);
}

GRADED(echo_hostile, 2,
       "udp_echo survives the hostile peer: one byte at a time, garbage, a 64 KiB datagram, a flood",
       "Whatever arrives, udp_echo answers or drops that datagram and goes on serving: no exit, "
       "no crash, and an error of one sendto() is no reason to stop. Chapter: 'What can go "
       "wrong'." FROM_LESSON_02)
{
    int port;
    struct sl_proc *e = echo_start("-4", NULL, &port);
    const char *pt = port_text(port);
    struct sl_proc *t = sl_peer("-s", "hello", "-w", "0.5", "udp", "127.0.0.1", pt, "trickle", NULL);
    sl_expect_out(t, "hello", 5, 5);
    sl_wait_err(t, "peer: sent 5 datagrams (5 bytes), received 5 (5 bytes)", 5);
    struct sl_proc *g =
        sl_peer("-c", "40", "-n", "3000", "-S", "9", "-w", "0.5", "udp", "127.0.0.1", pt, "garbage", NULL);
    const char *l = sl_wait_err(g, "peer: sent 40 datagrams", 10);
    sl_expect(strstr(l, "received 40 ("), "all 40 datagrams of garbage echoed", "%s", l);
    struct sl_proc *b = sl_peer("-w", "0.5", "udp", "127.0.0.1", pt, "bigframe", NULL);
    sl_wait_err(b, "peer: sent 1 datagrams (65507 bytes), received 0", 5);
    sl_wait_line(e, "truncated 65507 bytes from 127.0.0.1:", 5);
    struct sl_proc *f =
        sl_peer("-c", "2000", "-n", "200", "-w", "0.5", "udp", "127.0.0.1", pt, "flood", NULL);
    l = sl_wait_err(f, "peer: sent 2000 datagrams", 15);
    sl_expect(sl_number_after(l, "received ") > 0, "some of the flood echoed", "%s", l);
    int fd = sl_udp_connect("127.0.0.1", port);
    expect_echo(fd, "still here?", 11);
    close(fd);
    echo_stop(e);
}

GRADED(echo_ipv6, 2, "udp_echo -6 serves IPv6 clients (socat, the peer) on [::]",
       "For -6 the hints ask for AF_INET6: bind [::] (IPV6_V6ONLY on), and the sender's address "
       "is a sockaddr_in6 in the same sockaddr_storage. Chapter: 'One socket serves all'." FROM_LESSON_02)
{
    sl_need_ipv6();
    int port;
    struct sl_proc *e = echo_start("-6", NULL, &port);
    socat_client("UDP6:[::1]", port, "over six\n", e, "[::1]:");
    struct sl_proc *t =
        sl_peer("-6", "-s", "v6", "-w", "0.5", "udp", "::1", port_text(port), "trickle", NULL);
    sl_wait_err(t, "peer: sent 2 datagrams (2 bytes), received 2 (2 bytes)", 5);
    struct sl_proc *b = sl_peer("-6", "-w", "0.5", "udp", "::1", port_text(port), "bigframe", NULL);
    sl_wait_err(b, "received 0", 5);
    sl_wait_line(e, "truncated 65507 bytes from [::1]:", 5);
    sl_step("-6 is IPv6 only (IPV6_V6ONLY on): an IPv4 client finds nobody on the port");
    int four = sl_udp_connect("127.0.0.1", port);
    char reply[64];
    if (send(four, "four?", 5, MSG_NOSIGNAL) != 5)
        sl_fail("to send a datagram", "send: %s", strerror(errno));
    struct pollfd pfd = {.fd = four, .events = POLLIN};
    ssize_t n =
        poll(&pfd, 1, (int)(sl_deadline(5) * 1000)) == 1 ? recv(four, reply, sizeof reply, MSG_DONTWAIT) : -1;
    sl_expect(n == -1, "no echo over IPv4 from udp_echo -6 (IPV6_V6ONLY set to 1)",
              "%zd bytes back: the socket serves IPv4 too", n);
    close(four);
    echo_stop(e);
}

GRADED(echo_dual_stack, 1, "udp_echo without -4 or -6 serves IPv4 and IPv6 clients on one socket",
       "By default bind [::] with IPV6_V6ONLY off: IPv4 clients then arrive as ::ffff:127.0.0.1 "
       "on the same socket. Chapter: 'One socket serves all'." FROM_LESSON_02)
{
    sl_need_ipv6();
    int port;
    struct sl_proc *e = echo_start(NULL, NULL, &port);
    int four = sl_udp_connect("127.0.0.1", port), six = sl_udp_connect("::1", port);
    expect_echo(four, "over four", 9);
    expect_echo(six, "over six", 8);
    int socks = sl_socket_count(e, NULL, 0);
    sl_expect(socks == 1, "one socket for both", "%d sockets", socks);
    close(four);
    close(six);
    struct sl_proc *again = sl_start("udp_echo", port_text(port), NULL);
    sl_close_stdin(again);
    char want[80];
    snprintf(want, sizeof want, "udp_echo: bind [::]:%d: Address already in use\n", port);
    sl_expect_error(again, 1, "Address already in use");
    sl_expect(
        strcmp(sl_err(again), want) == 0,
        "the error of the [::] bind: a port in use is no reason to try 0.0.0.0 (only a missing IPv6 is)",
        "\"%s\"", sl_err(again));
    echo_stop(e);
}

GRADED(echo_usage, 1, "udp_echo: a bad port, an unknown option, -4 with -6: one line, exit 2; --help",
       "udp_echo's argument parsing is given; it checks PORT with parse_port from your lesson 02 "
       "addr.c. Chapter: 'The exercise'." FROM_LESSON_02)
{
    static const char *const bad[][3] = {
        {"70000", NULL}, {"-x", NULL}, {"-4", "-6"}, {"1", "2"}, {"abc", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"udp_echo", (char *)bad[i][0], (char *)bad[i][1], NULL};
        struct sl_proc *p = sl_startv("udp_echo", argv);
        sl_close_stdin(p);
        sl_expect_error(p, 2, bad[i][1] && strcmp(bad[i][0], "-4") != 0 ? bad[i][1] : bad[i][0]);
    }
    struct sl_proc *h = sl_run("udp_echo", "--help", NULL);
    sl_expect_exit(h, 0);
    sl_expect_contains(sl_out(h), "usage", "udp_echo --help's output");
    int port;
    struct sl_proc *e = echo_start("-4", NULL, &port);
    struct sl_proc *again = sl_start("udp_echo", "-4", port_text(port), NULL);
    sl_close_stdin(again);
    char want[80];
    snprintf(want, sizeof want, "udp_echo: bind 0.0.0.0:%d: Address already in use\n", port);
    sl_expect_error(again, 1, "Address already in use");
    sl_expect(strcmp(sl_err(again), want) == 0, "exactly this error line: the call, the address, the reason",
              "\"%s\"", sl_err(again));
    echo_stop(e);
}

/* ---- udp_ping ------------------------------------------------------------------ */

GRADED(ping_socat, 3, "udp_ping -c 3 to socat's echo: three replies, each with its RTT, and ping's summary",
       "Connect a UDP socket to HOST:PORT, send each probe (seq and send time inside), recv the "
       "echo, print \"56 bytes from ADDR: seq=K time=X ms\", then \"3 packets transmitted, 3 "
       "received, 0% packet loss\" and \"rtt min/avg/max/mdev = ...\". Chapter: 'Matching "
       "replies'." FROM_LESSON_02)
{
    int port;
    socat_echo(false, &port);
    struct sl_proc *p = ping_start("127.0.0.1", port, NULL, SL_ARGS("-c", "3", "-i", "0.2"));
    sl_expect_exit(p, 0);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int n = reply_lines(p, 56, addr, 3);
    sl_expect(n == 3, "3 reply lines", "%d:\n%s", n, sl_out(p));
    expect_summary(p, 3, 3, "0");
}

GRADED(ping_udp_echo, 2, "udp_ping to your own udp_echo, IPv4 and IPv6: -s 1000 probes come back whole",
       "The two programs of this lesson talk to each other: -s sets the probe's size, and the "
       "echo sends it back whole. Chapter: 'A probe on the wire'." FROM_LESSON_02)
{
    int port;
    struct sl_proc *e = echo_start(NULL, NULL, &port);
    struct sl_proc *p = ping_start("127.0.0.1", port, NULL, SL_ARGS("-c", "2", "-i", "0.1", "-s", "1000"));
    sl_expect_exit(p, 0);
    expect_summary(p, 2, 2, "0");
    sl_step("HOST may be a name: udp_ping localhost");
    p = sl_startx(&(struct sl_opts){.prog = "udp_ping",
                                    .args = SL_ARGS("localhost", port_text(port), "-c", "1", "-i", "0"),
                                    .faults = "leaks=1"});
    sl_expect_exit(p, 0);
    expect_summary(p, 1, 1, "0");
    sl_expect_no_leaks(p);
    sl_need_ipv6();
    p = ping_start("::1", port, NULL, SL_ARGS("-c", "2", "-i", "0.1", "-s", "1000"));
    sl_expect_exit(p, 0);
    char addr[32];
    snprintf(addr, sizeof addr, "[::1]:%d", port);
    sl_expect(reply_lines(p, 1000, addr, 2) == 2, "2 reply lines from [::1]", "%s", sl_out(p));
    echo_stop(e);
}

GRADED(ping_wire_format, 2, "each probe is SIZE bytes with its sequence number first, in network byte order",
       "probe_encode: the seq (1 for the first probe) in the first two bytes with htons(), the "
       "send time next with htobe64(), SIZE bytes in all; decode with ntohs() and be64toh(). "
       "Chapter: 'A probe on the wire'." FROM_LESSON_02)
{
    struct served r = {.faults = "seed=3,eintr=0.3",
                       .args = SL_ARGS("-c", "3", "-i", "0.1", "-s", "300"),
                       .probes = 3,
                       .size = 300};
    ping_served(&r);
    sl_expect_exit(r.p, 0);
    sl_expect(reply_lines(r.p, 300, r.addr, 3) == 3, "3 reply lines", "%s", sl_out(r.p));
    expect_summary(r.p, 3, 3, "0");
    close(r.fd);
}

GRADED(ping_loss, 3,
       "a server that drops every other probe: \"6 packets transmitted, 3 received, 50% packet loss\"",
       "A probe whose reply does not come within -W is lost: print \"seq=K: no reply within W s\" "
       "once -W has passed, count it, and ignore its reply if it comes later (stale). Loss is "
       "(transmitted - received) / transmitted. Chapter: 'Timeouts and loss'." FROM_LESSON_02)
{
    sl_step(
        "the test answers seq 1, 3 and 5; seq 2 only after its -W is over; seq 4 one byte too long; never "
        "6");
    struct served r = {.args = SL_ARGS("-c", "6", "-i", "0.1", "-W", "0.5"),
                       .probes = 6,
                       .size = 56,
                       .how = DROP_EVEN,
                       .stale_after = 0.5 + 0.3};
    ping_served(&r);
    sl_expect_exit(r.p, 0);
    int n = reply_lines(r.p, 56, r.addr, 6);
    sl_expect(n == 3, "3 reply lines (seq 1, 3, 5; the reply to 4 is a byte too long: no reply)", "%d:\n%s",
              n, sl_out(r.p));
    for (int seq = 2; seq <= 6; seq += 2) {
        char want[64];
        snprintf(want, sizeof want, "seq=%d: no reply within 0.5 s", seq);
        sl_expect_contains(sl_out(r.p), want, "udp_ping's output");
    }
    expect_summary(r.p, 6, 3, "50");
    close(r.fd);
}

GRADED(ping_duplicates, 2, "duplicate and foreign replies are not counted: 3 probes, 3 received",
       "Match each reply to its probe by the seq inside it: count a seq once (a second copy is a "
       "duplicate), and drop what answers no probe sent (a wrong length, an unknown seq, another "
       "send time). Chapter: 'Matching replies'." FROM_LESSON_02)
{
    sl_step("the test answers each probe twice, each after two datagrams that answer no probe");
    struct served r = {.faults = "seed=4,eintr=0.3",
                       .args = SL_ARGS("-c", "3", "-i", "0.1", "-W", "1"),
                       .probes = 3,
                       .size = 56,
                       .how = TWICE | FOREIGN};
    ping_served(&r);
    sl_expect_exit(r.p, 0);
    int n = reply_lines(r.p, 56, r.addr, 3);
    sl_expect(n == 3, "3 reply lines, one per probe", "%d:\n%s", n, sl_out(r.p));
    expect_summary(r.p, 3, 3, "0");
    close(r.fd);
}

GRADED(ping_refused, 3, "nobody on the port: one line saying \"connection refused\", exit 1, at once",
       "connect() the UDP socket: the ICMP port unreachable that comes back for the first probe "
       "then makes the next recv() or send() fail with ECONNREFUSED. Say so in one line on "
       "stderr and stop. An unconnected socket never hears it. Chapter: 'Connected UDP and ICMP "
       "errors'." FROM_LESSON_02)
{
    int port = closed_port("127.0.0.1");
    double t0 = sl_now();
    struct sl_proc *p = ping_start("127.0.0.1", port, NULL, SL_ARGS("-c", "3", "-i", "0.2", "-W", "3"));
    int st = sl_wait_exit(p, 10);
    double took = sl_now() - t0;
    sl_expect_one_line_error(p);
    sl_expect_contains(sl_err(p), "connection refused", "udp_ping's error line");
    sl_expect(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit code 1 (no reply)", "status %d", st);
    sl_expect(took < 0.2 * 3 + sl_deadline(1.5),
              "udp_ping to stop at the ICMP error, not wait -W 3 s per probe", "it ran %.1f s", took);
    sl_expect_contains(sl_out(p), " 0 received, 100% packet loss", "udp_ping's summary");
    sl_step("-i 0 -c 65535: probes back to back, no wait between: a send() now meets the ICMP error");
    p = ping_start("127.0.0.1", port, NULL, SL_ARGS("-c", "65535", "-i", "0", "-W", "1"));
    sl_expect_error(p, 1, "connection refused");
    char line[256];
    const char *l = sl_find_line(sl_out(p), "packets transmitted", line, sizeof line);
    long sent = l ? strtol(l, NULL, 10) : -1;
    sl_expect(sent >= 1 && sent < 65535,
              "udp_ping to stop at the first send() that fails (ECONNREFUSED), not to count it as sent", "%s",
              l ? l : "no \"packets transmitted\" line");
}

GRADED(ping_bad_host, 1,
       "a host that does not resolve, or has no route: one line naming it and the reason, exit 1",
       "getaddrinfo returns an error code, not -1 with errno: say \"getaddrinfo HOST: \" and "
       "gai_strerror(rc). A UDP connect() sends nothing but looks up the route: with none it fails "
       "(ENETUNREACH); say \"connect ADDR: \" and strerror(errno). Chapter: 'Connected UDP and ICMP "
       "errors'." FROM_LESSON_02)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV}, *res;
    int rc = getaddrinfo("bad..host", "7", &hints, &res);
    if (rc == 0) {
        freeaddrinfo(res);
        sl_skip("bad..host resolves on this machine");
    }
    char want[160];
    snprintf(want, sizeof want, "udp_ping: getaddrinfo bad..host: %s\n", gai_strerror(rc));
    struct sl_proc *p = sl_run("udp_ping", "bad..host", "7", NULL);
    sl_expect_error(p, 1, "bad..host");
    sl_expect(strcmp(sl_err(p), want) == 0, "exactly this error line", "\"%s\"", sl_err(p));
    if (!sl_sandboxed()) {
        sl_step("not in the sandbox: 203.0.113.1 may have a route here, so that half is not run");
        return;
    }
    sl_step("in the sandbox only loopback has a route: 203.0.113.1 (documentation) has none");
    p = sl_run("udp_ping", "203.0.113.1", "7", "-c", "1", NULL);
    sl_expect_error(p, 1, "connect 203.0.113.1:7: Network is unreachable");
}

GRADED(ping_timeout, 2,
       "a silent server: each probe times out after -W, and udp_ping ends on time with exit 1",
       "Each probe waits at most -W seconds from its own send time, all on one clock: the last "
       "one gives up at start + (N-1) x interval + W; then print the summary, exit 1 when no "
       "reply came. Chapter: 'Timeouts and loss'." FROM_LESSON_02)
{
    sl_step("the test's server never answers");
    struct served r = {
        .args = SL_ARGS("-c", "3", "-i", "0.2", "-W", "0.8"), .probes = 3, .size = 56, .how = SILENT};
    ping_served(&r);
    sl_wait_blocked(r.p, 0.5); /* waiting for the last reply: asleep in ppoll, not spinning */
    sl_wait_line(r.p, "seq=1: no reply within 0.8 s", 5);
    sl_step("all 3 probes are out and seq 1 has timed out: udp_ping waits for seq 2's -W, asleep");
    sl_wait_blocked(r.p, 0.3); /* not spinning on a past slot with a 0 timeout */
    int st = sl_wait_exit(r.p, 10);
    double took = sl_now() - r.got[0].at; /* from the first probe, as the kernel saw it arrive */
    sl_expect(WIFEXITED(st) && WEXITSTATUS(st) == 1, "exit code 1 (no reply)", "status %d", st);
    sl_expect(took >= 0.4 + 0.8 - 0.05 && took < 0.4 + 0.8 + sl_deadline(0.8),
              "udp_ping to end 1.2 s after its first probe (the last one at 0.4 s, plus -W 0.8)",
              "it ended %.2f s after", took);
    sl_expect(sl_count_lines(sl_out(r.p), "no reply within 0.8 s") == 3,
              "3 lines \"seq=K: no reply within 0.8 s\"", "%s", sl_out(r.p));
    expect_summary(r.p, 3, 0, "100");
    close(r.fd);
}

GRADED(ping_pacing, 3, "probes leave on a fixed grid (-i 0.2) even when every reply comes late",
       "Send probe k at start + k x interval, computed from the start (ppoll/clock_nanosleep to an "
       "absolute time), not \"sleep the interval after the reply\": with a late server that adds "
       "the reply's delay to every gap and the stream drifts. Chapter: 'Pacing on a grid'." FROM_LESSON_02)
{
    enum { N = 8 };
    char wait[16];
    snprintf(wait, sizeof wait, "%.1f", sl_deadline(2.0));
    struct served r = {.args = SL_ARGS("-c", "8", "-i", "0.2", "-W", wait),
                       .probes = N,
                       .size = 56,
                       .how = LATE,
                       .delay = sl_deadline(0.2)};
    sl_step("the test answers each probe %.2f s late", r.delay);
    ping_served(&r);
    sl_expect_exit(r.p, 0);
    char gaps[256] = "";
    for (int i = 1; i < N; i++)
        snprintf(gaps + strlen(gaps), sizeof gaps - strlen(gaps), "%s%.3f", i > 1 ? " " : "",
                 r.got[i].at - r.got[i - 1].at);
    double span = r.got[N - 1].at - r.got[0].at, grid = (N - 1) * 0.2;
    sl_step("the gaps between probes, as the kernel saw them arrive: %s s", gaps);
    sl_expect(span >= grid - 0.03, "7 gaps of 0.2 s: the last probe 1.4 s after the first, not sooner",
              "%.3f s (gaps %s)", span, gaps);
    sl_expect(span < grid + sl_deadline(0.4),
              "7 gaps of 0.2 s: the last probe 1.4 s after the first, no drift",
              "%.3f s (gaps %s): each gap grew by the reply's delay?", span, gaps);
    expect_summary(r.p, N, N, "0");
    close(r.fd);
}

GRADED(ping_ipv6, 2, "udp_ping ::1: replies from socat over IPv6, and connection refused over IPv6",
       "getaddrinfo gives an AF_INET6 address for ::1: the same loop, the same connected socket; "
       "an ICMPv6 port unreachable is ECONNREFUSED too. Chapter: 'Connected UDP and ICMP "
       "errors'." FROM_LESSON_02)
{
    sl_need_ipv6();
    int port;
    socat_echo(true, &port);
    struct sl_proc *p = ping_start("::1", port, NULL, SL_ARGS("-c", "2", "-i", "0.2"));
    sl_expect_exit(p, 0);
    char addr[32];
    snprintf(addr, sizeof addr, "[::1]:%d", port);
    sl_expect(reply_lines(p, 56, addr, 2) == 2, "2 reply lines from [::1]", "%s", sl_out(p));
    expect_summary(p, 2, 2, "0");
    struct sl_proc *r =
        ping_start("::1", closed_port("::1"), NULL, SL_ARGS("-c", "3", "-i", "0.2", "-W", "3"));
    sl_wait_exit(r, 10);
    sl_expect_one_line_error(r);
    sl_expect_contains(sl_err(r), "connection refused", "udp_ping's error line");
}

GRADED(ping_usage, 2, "udp_ping: -c 0, a negative -i, -W 0, -s 5, port 0 or 70000, no PORT: one line, exit 2",
       "udp_ping's argument parsing is given; it checks PORT with parse_port from your lesson 02 "
       "addr.c and refuses port 0 (nobody can be there). Chapter: 'The exercise'." FROM_LESSON_02)
{
    static const char *const bad[][4] = {
        {"127.0.0.1", "7", "-c", "0"},   {"127.0.0.1", "7", "-i", "-1"}, {"127.0.0.1", "7", "-W", "0"},
        {"127.0.0.1", "7", "-s", "5"},   {"127.0.0.1", "0", NULL, NULL}, {"127.0.0.1", "70000", NULL, NULL},
        {"127.0.0.1", NULL, NULL, NULL}, {"127.0.0.1", "7", "-q", NULL}, {"127.0.0.1", "7", "-c", "x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"udp_ping",        (char *)bad[i][0], (char *)bad[i][1],
                        (char *)bad[i][2], (char *)bad[i][3], NULL};
        struct sl_proc *p = sl_startv("udp_ping", argv);
        sl_close_stdin(p);
        const char *needle = bad[i][3] ? bad[i][3] : bad[i][2] ? bad[i][2] : bad[i][1] ? bad[i][1] : "PORT";
        sl_expect_error(p, 2, needle);
    }
    struct sl_proc *h = sl_run("udp_ping", "--help", NULL);
    sl_expect_exit(h, 0);
    sl_expect_contains(sl_out(h), "usage", "udp_ping --help's output");
    sl_step("the smallest values that are not errors: -c 1 -i 0 -s 10");
    struct served r = {.args = SL_ARGS("-c", "1", "-i", "0", "-s", "10"), .probes = 1, .size = 10};
    ping_served(&r);
    sl_expect_exit(r.p, 0);
    expect_summary(r.p, 1, 1, "0");
    close(r.fd);
}
