#define _GNU_SOURCE
/*
 * 08-raw-sockets.c - the graded tests of lesson 08: myping, sniff.
 *
 * myping [-c N] [-i SEC] [-W SEC] [-s SIZE] HOST prints iputils ping's
 * lines ("64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.051 ms") and
 * its summary. The tests run it beside the real `ping` on the same target
 * and compare; and, with the kernel's own echo replies turned off in the
 * test's namespace (net.ipv4.icmp_echo_ignore_all), they answer its
 * requests themselves from a raw socket: late, twice, with a bad checksum,
 * with another id, another sequence number, IP options, or cut short.
 *
 * sniff [-c N] [--udp|--icmp|--tcp] prints one line of KEY=VALUE fields per
 * IPv4 packet on lo. The tests send packets they built (good, bad and no
 * UDP checksums, other TTLs), save the test's own capture of the loopback
 * (sl_wire_save) and compare sniff's lines with tshark's decoding of it.
 *
 * Everything that needs CAP_NET_RAW runs in the sandbox, where each test
 * has its own user and network namespace: the test holds the capability
 * there, and gives it to the program it starts only when it asks for it
 * (keep_caps). Without the sandbox those tests skip and say why; except in
 * a throwaway container that grade vouches for (--host-loopback, on
 * Gradescope), where the tests that change no network setting run on the
 * container's own loopback, one at a time (need_raw_loopback).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CAP_RAW (1ULL << CAP_NET_RAW)
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO 8

/* ---- helpers: namespaces and sysctls ------------------------------------- */

/* Skip unless this test has a network namespace of its own: it changes
 * that network's settings (sysctls, routes). */
static void need_sandbox(void)
{
    if (!sl_sandboxed())
        sl_skip("needs the sandbox (a user + network namespace of the test's own, where raw sockets "
                "need no root, and whose settings the test may change): %s",
                sl_sandbox_note());
}

/* Skip unless this test has a loopback to itself and CAP_NET_RAW to give:
 * the sandbox's, or this machine's where grade vouches for it (Gradescope's
 * container, sl_host_loopback). */
static void need_raw_loopback(void)
{
    if (!sl_sandboxed() && !sl_host_loopback())
        sl_skip("needs the sandbox (a user + network namespace of the test's own, where raw sockets "
                "need no root): %s",
                sl_sandbox_note());
}

/* Set net.ipv4.NAME to value in the test's own network namespace. The
 * test's /proc is read-only; a shell with CAP_NET_ADMIN, which gets a
 * /proc of its own, writes it. */
static void sysctl_set(const char *name, const char *value)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "echo %s > /proc/sys/net/ipv4/%s", value, name);
    struct sl_proc *p = sl_startx(
        &(struct sl_opts){.prog = "/bin/sh", .args = SL_ARGS("-c", cmd), .keep_caps = 1ULL << CAP_NET_ADMIN});
    sl_close_stdin(p);
    sl_wait_exit(p, 10);
    sl_expect_exit(p, 0);
    sl_step("set net.ipv4.%s = %s in the test's network namespace", name, value);
}

/* Read net.ipv4.ping_group_range into lo, hi; false if unreadable. */
static bool ping_groups(long *lo, long *hi)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
    bool ok = f && fscanf(f, "%ld %ld", lo, hi) == 2;
    if (f)
        fclose(f);
    return ok;
}

static bool nth_line(const char *text, int n, char *buf, size_t len);
static const char *field(const char *line, const char *key, char *buf, size_t len);

/* ---- helpers: running the programs --------------------------------------- */

/* Start prog (a lesson program or a real peer) with these arguments and
 * capabilities, its stdin closed. */
static struct sl_proc *start(const char *prog, const char *const *args, unsigned long long caps)
{
    /* tshark wants a HOME it may write its settings under: the test's private /tmp */
    const char *const *env = strcmp(prog, "tshark") == 0 ? SL_ARGS("HOME=/tmp") : NULL;
    struct sl_proc *p =
        sl_startx(&(struct sl_opts){.prog = prog, .args = args, .keep_caps = caps, .env = env});
    sl_close_stdin(p);
    return p;
}

/* Start prog and wait for it to end (deadline `seconds`). */
static struct sl_proc *run(const char *prog, const char *const *args, unsigned long long caps, double seconds)
{
    struct sl_proc *p = start(prog, args, caps);
    sl_wait_exit(p, seconds);
    return p;
}

/* A copy of iputils ping without its file capability (cap_net_raw=ep):
 * the kernel refuses to exec a file whose capability the harness's
 * bounding set cannot grant, so a test that gives ping no capability runs
 * this copy (the same program; a copy keeps no extended attributes). */
static const char *ping_without_file_caps(void)
{
    static char copy[400];
    char path[300] = "";
    const char *env = getenv("PATH");
    char dirs[2048];
    snprintf(dirs, sizeof dirs, "%s", env ? env : "/usr/bin:/bin");
    char *save;
    for (char *d = strtok_r(dirs, ":", &save); d && !path[0]; d = strtok_r(NULL, ":", &save)) {
        snprintf(path, sizeof path, "%s/ping", d);
        if (access(path, X_OK) != 0)
            path[0] = '\0';
    }
    if (!path[0])
        sl_skip("ping (iputils-ping) is not installed: run make deps");
    snprintf(copy, sizeof copy, "%s/ping", sl_tmpdir());
    int in = open(path, O_RDONLY | O_CLOEXEC),
        out = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    char buf[65536];
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in < 0 || out < 0 || n < 0)
        sl_fail("a copy of ping without its file capability", "%s: %s", copy, strerror(errno));
    close(in);
    close(out);
    sl_step("copied %s to %s (without its file capability, which the harness cannot grant)", path, copy);
    return copy;
}

/* ping's summary, as read from its output (or myping's). */
struct summary {
    long transmitted, received, duplicates, corrupted, errors;
    double loss;
    bool has_rtt;
    double min, avg, max, mdev;
    int replies; /* lines "N bytes from ..." */
};

/* Read the summary of who's output into *s; fails when it is not there in
 * ping's format. */
static void read_summary(const char *who, struct sl_proc *p, struct summary *s)
{
    char line[512];
    const char *out = sl_out(p);
    memset(s, 0, sizeof *s);
    if (!sl_find_line(out, " packets transmitted, ", line, sizeof line) ||
        sscanf(line, "%ld packets transmitted, %ld received", &s->transmitted, &s->received) != 2)
        sl_fail("ping's summary line \"N packets transmitted, M received, ... packet loss, time Tms\"",
                "no such line from %s; its output:\n%s\nits stderr:\n%s", who, out, sl_err(p));
    const char *d = strstr(line, ", +");
    for (; d; d = strstr(d + 1, ", +")) {
        long v = strtol(d + 3, NULL, 10);
        if (strstr(d, "duplicates") == strchr(d + 3, ' ') + 1)
            s->duplicates = v;
        else if (strstr(d, "corrupted") == strchr(d + 3, ' ') + 1)
            s->corrupted = v;
        else if (strstr(d, "errors") == strchr(d + 3, ' ') + 1)
            s->errors = v;
    }
    const char *loss = strstr(line, "% packet loss");
    if (!loss)
        sl_fail("\"X% packet loss\" in the summary line", "\"%s\"", line);
    while (loss > line && loss[-1] != ' ')
        loss--;
    s->loss = strtod(loss, NULL);
    if (sl_find_line(out, "rtt min/avg/max/mdev = ", line, sizeof line)) {
        s->has_rtt =
            sscanf(strstr(line, "= ") + 2, "%lf/%lf/%lf/%lf ms", &s->min, &s->avg, &s->max, &s->mdev) == 4;
        if (!s->has_rtt)
            sl_fail("\"rtt min/avg/max/mdev = A/B/C/D ms\"", "\"%s\"", line);
    }
    s->replies = sl_count_lines(out, " bytes from ");
}

/* The RTT in ms of the reply line for icmp_seq=seq in out, or -1. */
static double reply_time(const char *out, int seq)
{
    char needle[48], line[512];
    snprintf(needle, sizeof needle, " icmp_seq=%d ", seq);
    if (!sl_find_line(out, needle, line, sizeof line) || !strstr(line, "time="))
        return -1;
    return strtod(strstr(line, "time=") + 5, NULL);
}

/* Check myping's summary s against the counts expected. */
static void expect_counts(const struct summary *s, long tx, long rx, int replies)
{
    sl_expect(s->transmitted == tx && s->received == rx,
              "the summary to say the right counts (only replies to its own requests count)",
              "%ld packets transmitted, %ld received (expected %ld and %ld)", s->transmitted, s->received, tx,
              rx);
    sl_expect(s->replies == replies, "one \"bytes from\" line per reply", "%d such lines (expected %d)",
              s->replies, replies);
}

/* ---- helpers: the test as the peer that answers echo requests ------------ */

/* An echo request as the test's raw socket read it. */
struct request {
    uint16_t id, seq;
    uint8_t icmp[2048]; /* the ICMP message */
    size_t len;
};

/* The RFC 1071 checksum (the test's own: it never links the student's). */
static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i += 2)
        sum += (uint32_t)(p[i] << 8) + (i + 1 < n ? p[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Turn the kernel's own echo replies off and open the raw socket that
 * answers in its place. */
static int responder_open(void)
{
    sysctl_set("icmp_echo_ignore_all", "1");
    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (fd < 0)
        sl_fail("a raw socket for the test (it holds CAP_NET_RAW in its namespace)", "socket: %s",
                strerror(errno));
    return fd;
}

/* Wait for myping's next echo request; fails after `seconds` without one,
 * or when the request's checksum is wrong (the kernel drops those). */
static void next_request(int fd, struct request *r, double seconds)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = sl_udp_recv(fd, buf, sizeof buf, seconds);
        if (n < 0)
            sl_fail("an ICMP echo request from myping", "none within %.0f s", sl_deadline(seconds));
        size_t hl = (size_t)(buf[0] & 0x0f) * 4;
        if ((size_t)n < hl + 8 || (size_t)n > sizeof buf || buf[hl] != ICMP_ECHO)
            continue;
        r->len = (size_t)n - hl;
        memcpy(r->icmp, buf + hl, r->len);
        r->id = (uint16_t)(r->icmp[4] << 8 | r->icmp[5]);
        r->seq = (uint16_t)(r->icmp[6] << 8 | r->icmp[7]);
        sl_step("read myping's echo request id=%u seq=%u (%zu bytes of ICMP)", r->id, r->seq, r->len);
        for (size_t i = 8; i < r->len; i++)
            sl_expect(r->icmp[i] == (uint8_t)(i - 8),
                      "the request to carry the data ping_send gives it (bytes 0, 1, 2 ...)",
                      "byte %zu of the data is %u", i - 8, r->icmp[i]);
        sl_expect(checksum(r->icmp, r->len) == 0,
                  "an echo request with a right ICMP checksum (RFC 1071: big-endian 16-bit words, an odd "
                  "last byte padded with zero)",
                  "checksum field 0x%02x%02x for a %zu-byte message", r->icmp[2], r->icmp[3], r->len);
        return;
    }
}

/* What to do to a reply. */
enum reply_kind { REPLY_GOOD, REPLY_BAD_SUM };

/* Send an echo reply to 127.0.0.1 for request r, with this id and seq,
 * cut to len bytes (0: whole), its checksum right or wrong. */
static void send_reply(int fd, const struct request *r, uint16_t id, uint16_t seq, enum reply_kind kind,
                       size_t len)
{
    uint8_t m[2048];
    size_t n = len ? len : r->len;
    memcpy(m, r->icmp, r->len);
    m[0] = ICMP_ECHO_REPLY;
    m[4] = (uint8_t)(id >> 8);
    m[5] = (uint8_t)id;
    m[6] = (uint8_t)(seq >> 8);
    m[7] = (uint8_t)seq;
    m[2] = m[3] = 0;
    uint16_t sum = checksum(m, n);
    if (kind == REPLY_BAD_SUM)
        sum ^= 0x1234;
    m[2] = (uint8_t)(sum >> 8);
    m[3] = (uint8_t)sum;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (sendto(fd, m, n, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)n)
        sl_fail("to send an echo reply", "sendto: %s", strerror(errno));
    sl_step("sent an echo reply id=%u seq=%u, %zu bytes%s", id, seq, n,
            kind == REPLY_BAD_SUM ? ", with a wrong checksum" : "");
}

/* Start myping -c count -i interval -W wait 127.0.0.1 with CAP_NET_RAW,
 * the test answering (responder_open first), and wait for its PING line. */
static struct sl_proc *start_myping(const char *count, const char *interval, const char *wait)
{
    struct sl_proc *p =
        start("myping", SL_ARGS("-c", count, "-i", interval, "-W", wait, "127.0.0.1"), CAP_RAW);
    sl_wait_line(p, "PING 127.0.0.1 (127.0.0.1)", 10);
    return p;
}

/* The pid myping sees for itself (the last NSpid of /proc/PID/status: in
 * the sandbox it runs in the test's own PID namespace), or -1. */
static long own_pid(struct sl_proc *p)
{
    char path[64], line[256];
    long pid = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)sl_pid(p));
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "NSpid:", 6) == 0) {
            char *last = strrchr(line, '\t');
            pid = last ? strtol(last + 1, NULL, 10) : -1;
        }
    if (f)
        fclose(f);
    return pid;
}

/* While myping waits for replies: exactly stdin, stdout, stderr and its
 * socket, fd 3, close-on-exec. */
static void expect_one_socket(struct sl_proc *p)
{
    int n = sl_fd_count(p);
    sl_expect(n == 4, "myping to hold 4 fds while it runs: stdin, stdout, stderr and its socket", "%d fds",
              n);
    long flags = sl_fd_flags(p, 3);
    sl_expect(flags >= 0 && (flags & O_CLOEXEC), "its socket, fd 3, close-on-exec (SOCK_CLOEXEC)",
              "flags 0%lo", flags);
}

/* Wait for myping's end and read its summary. */
static void finish_myping(struct sl_proc *p, int code, struct summary *s)
{
    sl_wait_exit(p, 20);
    read_summary("myping", p, s);
    sl_expect_exit(p, code);
}

/* ---- myping beside ping -------------------------------------------------- */

/* Run ping and myping with the same arguments and caps; their summaries. */
static void side_by_side(const char *const *args, unsigned long long caps, struct summary *ping,
                         struct summary *mine, struct sl_proc **pp, struct sl_proc **mp)
{
    *pp = run(caps ? "ping" : ping_without_file_caps(), args, caps, 30);
    read_summary("ping", *pp, ping);
    *mp = run("myping", args, caps, 30);
    read_summary("myping", *mp, mine);
}

/* Expect myping's counts to be ping's, and its RTTs of the same order. */
static void expect_like_ping(const struct summary *ping, const struct summary *mine)
{
    sl_expect(mine->transmitted == ping->transmitted && mine->received == ping->received &&
                  mine->replies == ping->replies,
              "the same counts as ping",
              "ping: %ld transmitted, %ld received, %d reply lines; myping: %ld, %ld, %d", ping->transmitted,
              ping->received, ping->replies, mine->transmitted, mine->received, mine->replies);
    sl_expect(mine->loss == ping->loss, "the same packet loss as ping", "ping %g%%, myping %g%%", ping->loss,
              mine->loss);
    if (ping->has_rtt) {
        sl_expect(mine->has_rtt, "an \"rtt min/avg/max/mdev\" line, as ping prints", "none");
        sl_expect(mine->min > 0 && mine->min <= mine->avg && mine->avg <= mine->max && mine->mdev >= 0,
                  "min <= avg <= max, all above 0", "%.3f/%.3f/%.3f/%.3f", mine->min, mine->avg, mine->max,
                  mine->mdev);
        sl_expect(mine->avg < 50.0 + 100.0 * ping->avg, "an average RTT of the same order as ping's",
                  "ping %.3f ms, myping %.3f ms", ping->avg, mine->avg);
    }
}

GRADED(agrees_with_ping, 4,
       "myping -c 3 -i 0.2 127.0.0.1 over a raw socket: the lines and counts ping prints",
       "Build the echo request with icmp_build_echo (type 8, your id and seq, the checksum), send it with "
       "sendto, read replies with recvmsg and skip the IPv4 header by its IHL. Chapter: 'An echo request, "
       "byte by byte'.")
{
    need_raw_loopback();
    struct summary ping, mine;
    struct sl_proc *pp, *mp;
    side_by_side(SL_ARGS("-c", "3", "-i", "0.2", "127.0.0.1"), CAP_RAW, &ping, &mine, &pp, &mp);
    sl_expect_exit(mp, 0);
    expect_like_ping(&ping, &mine);
    sl_expect_contains(sl_out(mp), "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.", "myping's first line");
    for (int seq = 1; seq <= 3; seq++) {
        char want[80];
        snprintf(want, sizeof want, "64 bytes from 127.0.0.1: icmp_seq=%d ttl=64 time=", seq);
        sl_expect_contains(sl_out(mp), want, "myping's reply lines (as ping's)");
    }
    sl_expect_contains(sl_out(mp), "--- 127.0.0.1 ping statistics ---", "myping's summary");
    sl_expect_not_contains(sl_err(mp), "ping socket", "myping's stderr (it had CAP_NET_RAW: a raw socket)");
    sl_step("one reply: its time is the minimum, the average and the maximum");
    side_by_side(SL_ARGS("-c", "1", "127.0.0.1"), CAP_RAW, &ping, &mine, &pp, &mp);
    sl_expect_exit(mp, 0);
    expect_like_ping(&ping, &mine);
    sl_expect(mine.min == mine.max, "min and max of a single reply to be the same time", "min %.3f, max %.3f",
              mine.min, mine.max);
}

GRADED(
    odd_and_empty_sizes, 3, "myping -s 57 and -s 0: odd-length and empty echo requests get their replies",
    "An odd number of bytes: the last byte is the high half of a 16-bit word whose low half is 0 (RFC 1071). "
    "The kernel drops a request whose checksum is wrong. Chapter: 'The Internet checksum'.")
{
    need_raw_loopback();
    struct summary ping, mine;
    struct sl_proc *pp, *mp;
    side_by_side(SL_ARGS("-c", "2", "-i", "0.2", "-W", "2", "-s", "57", "127.0.0.1"), CAP_RAW, &ping, &mine,
                 &pp, &mp);
    expect_like_ping(&ping, &mine);
    sl_expect_contains(sl_out(mp), "65 bytes from 127.0.0.1: icmp_seq=1", "myping -s 57's reply lines");
    side_by_side(SL_ARGS("-c", "2", "-i", "0.2", "-W", "2", "-s", "0", "127.0.0.1"), CAP_RAW, &ping, &mine,
                 &pp, &mp);
    sl_expect(mine.transmitted == ping.transmitted && mine.received == ping.received,
              "myping -s 0: the same counts as ping -s 0", "ping %ld/%ld, myping %ld/%ld", ping.transmitted,
              ping.received, mine.transmitted, mine.received);
    sl_expect_contains(sl_out(mp), "8 bytes from 127.0.0.1: icmp_seq=2", "myping -s 0's reply lines");
}

GRADED(unreachable, 2,
       "no route, and a route to nowhere: myping gives ping's answer (an error, or 100% loss)",
       "A sendto that fails is one line naming the call and the address (cli_error(\"sendto %s:\", ...)). "
       "With no reply at all, the summary still comes, and the exit code is 1.")
{
    need_sandbox();
    struct sl_proc *pp = run("ping", SL_ARGS("-c", "1", "192.0.2.1"), CAP_RAW, 20);
    struct sl_proc *mp = run("myping", SL_ARGS("-c", "1", "192.0.2.1"), CAP_RAW, 20);
    sl_expect_contains(sl_err(pp), "Network is unreachable", "ping's error for an address with no route");
    sl_expect_error(mp, 1, "Network is unreachable");
    sl_expect_contains(sl_err(mp), "192.0.2.1", "myping's error line (it names the address)");

    struct sl_proc *ip =
        run("ip", SL_ARGS("route", "add", "198.51.100.0/24", "dev", "lo"), 1ULL << CAP_NET_ADMIN, 10);
    sl_expect_exit(ip, 0);
    sl_step("routed 198.51.100.0/24 to lo: requests go out, nothing answers them");
    struct summary ping, mine;
    side_by_side(SL_ARGS("-c", "2", "-i", "0.2", "-W", "1", "198.51.100.1"), CAP_RAW, &ping, &mine, &pp, &mp);
    expect_like_ping(&ping, &mine);
    sl_expect(mine.loss == 100.0 && !mine.has_rtt, "100% packet loss and no rtt line", "%g%% loss%s",
              mine.loss, mine.has_rtt ? " and an rtt line" : "");
    sl_expect_exit(mp, 1);
}

/* ---- myping against the test's own replies ------------------------------- */

GRADED(bad_checksum_counted, 3,
       "a reply with a bad checksum is reported and counted as corrupted, not received",
       "Check each reply's ICMP checksum (inet_checksum over the message is 0 when it is right). A bad one: "
       "print \"(BAD CHECKSUM!)\", count it in \"+N corrupted\", and do not count it received.")
{
    need_sandbox();
    int fd = responder_open();
    struct sl_proc *p = start_myping("2", "0.2", "1");
    struct request r;
    next_request(fd, &r, 5);
    send_reply(fd, &r, r.id, r.seq, REPLY_BAD_SUM, 0);
    next_request(fd, &r, 5);
    send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, 0);
    struct summary s;
    finish_myping(p, 0, &s);
    sl_expect(s.transmitted == 2 && s.received == 1 && s.corrupted == 1 && s.loss == 50.0,
              "\"2 packets transmitted, 1 received, +1 corrupted, 50% packet loss\"",
              "%ld transmitted, %ld received, +%ld corrupted, %g%% loss", s.transmitted, s.received,
              s.corrupted, s.loss);
    sl_expect_contains(sl_out(p), "(BAD CHECKSUM!)", "myping's line for the corrupted reply");
    close(fd);
}

GRADED(foreign_id_ignored, 3,
       "replies carrying another program's id are ignored (a raw socket sees them all)",
       "A raw ICMP socket receives every ICMP message of the host: another ping's replies too. Keep only "
       "echo replies whose id is yours (getpid() & 0xffff). Chapter: 'Matching replies'.")
{
    need_sandbox();
    int fd = responder_open();
    struct sl_proc *p = start_myping("2", "0.2", "2");
    long pid = own_pid(p);
    struct request r;
    for (int i = 0; i < 2; i++) {
        next_request(fd, &r, 5);
        sl_expect(pid < 0 || r.id == (uint16_t)pid,
                  "the echo request's identifier to be myping's pid & 0xffff", "id %u, pid %ld", r.id, pid);
        send_reply(fd, &r, (uint16_t)(r.id ^ 0x5a5a), r.seq, REPLY_GOOD, 0);
        send_reply(fd, &r, (uint16_t)(r.id + 1), (uint16_t)(r.seq + 1), REPLY_GOOD, 0);
        send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, 0);
    }
    struct summary s;
    finish_myping(p, 0, &s);
    expect_counts(&s, 2, 2, 2);
    sl_expect(s.duplicates == 0, "no duplicates (the foreign replies are not ours)", "+%ld duplicates",
              s.duplicates);
    close(fd);
}

GRADED(sequence_matched, 3, "a reply to a sequence number never sent is ignored; a second reply is a DUP",
       "Remember which sequence numbers you sent and which were answered: a reply for one you never sent is "
       "not yours; one for a number already answered is printed with \"(DUP!)\" and counted in \"+N "
       "duplicates\", never received twice.")
{
    need_sandbox();
    int fd = responder_open();
    struct sl_proc *p = start_myping("2", "0.2", "1");
    struct request r;
    next_request(fd, &r, 5);
    send_reply(fd, &r, r.id, (uint16_t)(r.seq + 100), REPLY_GOOD, 0);
    next_request(fd, &r, 5);
    send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, 0);
    send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, 0);
    struct summary s;
    finish_myping(p, 0, &s);
    sl_expect(s.transmitted == 2 && s.received == 1 && s.duplicates == 1,
              "\"2 packets transmitted, 1 received, +1 duplicates, 50% packet loss\"",
              "%ld transmitted, %ld received, +%ld duplicates", s.transmitted, s.received, s.duplicates);
    sl_expect_contains(sl_out(p), "(DUP!)", "myping's line for the second reply");
    sl_expect_not_contains(sl_out(p), "icmp_seq=101", "myping's output (101 was never sent)");
    close(fd);
}

GRADED(ip_options, 3, "replies with IP options (a 24-byte IPv4 header) are read: ICMP starts at IHL * 4",
       "The IPv4 header is IHL * 4 bytes long, 20 to 60: never a fixed 20. Read IHL from the low 4 bits of "
       "the first byte. Chapter: 'Reading the IPv4 header'.")
{
    need_sandbox();
    int fd = responder_open();
    static const unsigned char nops[4] = {1, 1, 1, 0}; /* NOP NOP NOP, end of options */
    if (setsockopt(fd, IPPROTO_IP, IP_OPTIONS, nops, sizeof nops) != 0)
        sl_fail("to set IP options on the test's socket", "setsockopt IP_OPTIONS: %s", strerror(errno));
    sl_step("the test's replies carry 4 bytes of IP options: IHL 6, a 24-byte IPv4 header");
    struct sl_proc *p = start_myping("2", "0.2", "2");
    struct request r;
    for (int i = 0; i < 2; i++) {
        next_request(fd, &r, 5);
        send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, 0);
    }
    struct summary s;
    finish_myping(p, 0, &s);
    expect_counts(&s, 2, 2, 2);
    sl_expect_contains(sl_out(p), "64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 ", "myping's reply line");
    close(fd);
}

GRADED(rtt_of_its_request, 3, "each reply's time is measured from ITS request: a late reply shows its delay",
       "Note the time each sequence number was sent, and take a reply's RTT from the send time of the "
       "sequence number it carries, not from the latest request.")
{
    need_sandbox();
    int fd = responder_open();
    struct sl_proc *p = start_myping("2", "0.4", "2");
    struct request r1, r2;
    next_request(fd, &r1, 5);
    expect_one_socket(p);
    next_request(fd, &r2, 5); /* myping sends it 0.4 s after the first */
    send_reply(fd, &r1, r1.id, r1.seq, REPLY_GOOD, 0);
    send_reply(fd, &r2, r2.id, r2.seq, REPLY_GOOD, 0);
    struct summary s;
    finish_myping(p, 0, &s);
    expect_counts(&s, 2, 2, 2);
    double t1 = reply_time(sl_out(p), 1), t2 = reply_time(sl_out(p), 2);
    sl_step("myping says icmp_seq=1 took %.3f ms, icmp_seq=2 %.3f ms", t1, t2);
    sl_expect(t1 >= 380.0,
              "icmp_seq=1's time at least 380 ms (the test answered it after request 2, sent 400 ms later)",
              "%.3f ms", t1);
    sl_expect(t2 >= 0 && t2 < t1, "icmp_seq=2's time shorter than icmp_seq=1's", "%.3f ms", t2);
    sl_expect(s.max >= 380.0 && s.min < s.max, "the rtt line to hold both (max >= 380 ms)",
              "min %.3f, max %.3f", s.min, s.max);
    double avg = (t1 + t2) / 2, mdev = (t1 - t2) / 2; /* of two values: half their difference */
    sl_expect(
        s.avg > avg - 1 && s.avg < avg + 1 && s.mdev > mdev - 1 && s.mdev < mdev + 1,
        "avg and mdev of the two times (mdev: the standard deviation, sqrt(sum of squares / n - avg^2))",
        "avg %.3f mdev %.3f, for %.3f and %.3f ms (expected about %.3f and %.3f)", s.avg, s.mdev, t1, t2, avg,
        mdev);
    close(fd);
}

GRADED(hostile_replies, 2, "truncated replies, requests and garbage: myping neither crashes nor counts them",
       "Everything on the network is hostile: check the length before reading any field (the IPv4 header, "
       "then the 8 bytes of ICMP), and drop what is too short. Chapter: 'Reading a reply'.")
{
    need_sandbox();
    int fd = responder_open();
    struct sl_proc *p = start_myping("2", "0.2", "2");
    struct request r;
    for (int i = 0; i < 2; i++) {
        next_request(fd, &r, 5);
        for (size_t cut = 2; cut < 8; cut += 3)
            send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, cut); /* ICMP shorter than its header */
        uint8_t junk[3] = {ICMP_ECHO_REPLY, 0, 0};
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        if (sendto(fd, junk, sizeof junk, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)sizeof junk)
            sl_fail("to send 3 bytes of ICMP", "sendto: %s", strerror(errno));
        send_reply(fd, &r, r.id, r.seq, REPLY_GOOD, 0);
    }
    struct summary s;
    finish_myping(p, 0, &s);
    expect_counts(&s, 2, 2, 2);
    close(fd);
}

/* Send an ICMP error (type, code) from 127.0.0.1 quoting request r as a
 * router would: its IPv4 header, then its first `quoted` bytes of ICMP (8,
 * or fewer for a truncated quote), with id. */
static void send_error(int fd, const struct request *r, uint8_t type, uint8_t code, uint16_t id,
                       size_t quoted)
{
    uint8_t m[8 + 20 + 8] = {type, code};
    size_t len = 8 + 20 + quoted;
    uint8_t *q = m + 8;
    q[0] = 0x45, q[2] = 0, q[3] = 84, q[8] = 64, q[9] = IPPROTO_ICMP;
    uint32_t lo = htonl(INADDR_LOOPBACK);
    memcpy(q + 12, &lo, 4), memcpy(q + 16, &lo, 4);
    uint16_t qs = checksum(q, 20);
    q[10] = (uint8_t)(qs >> 8), q[11] = (uint8_t)qs;
    memcpy(q + 20, r->icmp, 8);
    q[24] = (uint8_t)(id >> 8), q[25] = (uint8_t)id;
    uint16_t c = checksum(m, len);
    m[2] = (uint8_t)(c >> 8), m[3] = (uint8_t)c;
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = lo};
    if (sendto(fd, m, len, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)len)
        sl_fail("to send an ICMP error", "sendto: %s", strerror(errno));
    sl_step("sent ICMP type %u code %u quoting echo request id=%u seq=%u%s", type, code, id, r->seq,
            quoted < 8 ? ", cut after 4 bytes of its ICMP (no id or sequence in it)" : "");
}

GRADED(errors_quoting_requests, 2,
       "ICMP errors quoting its requests: \"From ... icmp_seq=N\" lines and \"+N errors\"; others' ignored",
       "A destination unreachable (3) or time exceeded (11) message carries the IPv4 header and first 8 "
       "bytes of "
       "the request that failed: read the id and sequence from there (by that header's own IHL), and only "
       "when the quote holds them (that header and 8 bytes). Chapter: 'Matching replies'.")
{
    need_sandbox();
    int fd = responder_open();
    struct sl_proc *p = start_myping("2", "0.2", "1");
    struct request r;
    next_request(fd, &r, 5);
    send_error(fd, &r, 3, 1, (uint16_t)(r.id ^ 0x0f0f), 8); /* another program's request */
    send_error(fd, &r, 3, 1, r.id, 8);
    send_error(fd, &r, 3, 1, r.id, 4); /* too short to say whose: ignored */
    next_request(fd, &r, 5);
    send_error(fd, &r, 11, 0, r.id, 8);
    struct summary s;
    finish_myping(p, 1, &s);
    sl_expect(s.transmitted == 2 && s.received == 0 && s.errors == 2 && s.loss == 100.0,
              "\"2 packets transmitted, 0 received, +2 errors, 100% packet loss\"",
              "%ld transmitted, %ld received, +%ld errors, %g%% loss", s.transmitted, s.received, s.errors,
              s.loss);
    sl_expect_contains(sl_out(p), "From 127.0.0.1 icmp_seq=1 Destination Host Unreachable",
                       "myping's line for the error");
    sl_expect_contains(sl_out(p), "From 127.0.0.1 icmp_seq=2 Time to live exceeded",
                       "myping's line for the error");
    close(fd);
}

GRADED(
    eintr_retried, 2, "sendto and recvmsg failing with EINTR now and then: myping and sniff carry on",
    "A system call interrupted before it moved anything fails with EINTR: call it again (a do ... while loop "
    "for sendto; for recvmsg, return and let the loop come back).")
{
    need_raw_loopback();
    struct sl_proc *sn = sl_startx(&(struct sl_opts){.prog = "sniff",
                                                     .args = SL_ARGS("--icmp", "-c", "6"),
                                                     .keep_caps = CAP_RAW,
                                                     .faults = "seed=5,eintr=0.4"});
    sl_close_stdin(sn);
    sl_wait_err(sn, "listening on lo", 10);
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = "myping",
                                                    .args = SL_ARGS("-c", "3", "-i", "0.2", "127.0.0.1"),
                                                    .keep_caps = CAP_RAW,
                                                    .faults = "seed=9,eintr=0.4"});
    sl_close_stdin(p);
    struct summary s;
    finish_myping(p, 0, &s);
    expect_counts(&s, 3, 3, 3);
    sl_expect(s.duplicates == 0, "no duplicates", "+%ld duplicates", s.duplicates);
    sl_wait_exit(sn, 10);
    sl_expect_exit(sn, 0);
    sl_expect(sl_count_lines(sl_out(sn), "icmp ") == 6, "6 icmp lines from sniff (3 requests, 3 replies)",
              "%d:\n%s", sl_count_lines(sl_out(sn), "icmp "), sl_out(sn));
    for (int i = 0; i < 6; i++) { /* request and reply 1, then 2, then 3: each packet once */
        char line[512], echo[32];
        const char *slash = nth_line(sl_out(sn), i, line, sizeof line)
                                ? strchr(field(line, "echo=", echo, sizeof echo), '/')
                                : NULL;
        sl_expect(slash && atoi(slash + 1) == i / 2 + 1,
                  "each packet once: echo sequence numbers 1, 1, 2, 2, 3, 3", "line %d: \"%s\"", i + 1,
                  slash ? line : "(none)");
    }
}

/* ---- without CAP_NET_RAW -------------------------------------------------- */

GRADED(ping_socket_fallback, 3,
       "without CAP_NET_RAW, myping says so in one line and pings over a ping socket",
       "socket(SOCK_RAW) fails with EPERM without CAP_NET_RAW: say so, then use socket(AF_INET, SOCK_DGRAM, "
       "IPPROTO_ICMP). Its replies come without the IPv4 header, and the kernel picks the id. Chapter: "
       "'Ping sockets'.")
{
    long lo, hi;
    if (sl_sandboxed()) {
        sysctl_set("ping_group_range", "0 0"); /* gid 0: the only group the sandbox maps */
    } else if (!ping_groups(&lo, &hi) || (long)getgid() < lo || (long)getgid() > hi) {
        sl_skip("no sandbox, and ping sockets are off here for group %d (net.ipv4.ping_group_range): "
                "nothing to fall back to. %s",
                (int)getgid(), sl_sandbox_note());
    }
    struct summary ping, mine;
    struct sl_proc *pp, *mp;
    side_by_side(SL_ARGS("-c", "3", "-i", "0.2", "127.0.0.1"), 0, &ping, &mine, &pp, &mp);
    sl_expect_exit(mp, 0);
    expect_like_ping(&ping, &mine);
    struct sl_proc *p = start("myping", SL_ARGS("-c", "2", "-i", "0.5", "127.0.0.1"), 0);
    sl_wait_line(p, "icmp_seq=1 ", 10);
    expect_one_socket(p);
    sl_wait_exit(p, 10);
    sl_expect(sl_count_lines(sl_err(mp), "") == 1 && strstr(sl_err(mp), "ping socket"),
              "one line on stderr saying that it uses a ping socket", "\"%s\"", sl_err(mp));
    sl_expect_contains(sl_out(mp), "64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=",
                       "myping's reply lines (the TTL comes with IP_RECVTTL)");
}

GRADED(
    no_way_to_ping, 2, "no CAP_NET_RAW and no ping sockets: one line saying what is missing and how, exit 1",
    "When SOCK_DGRAM fails too (EACCES: the group is outside net.ipv4.ping_group_range), name both "
    "ways out: the capability (setcap cap_net_raw+ep) and the sysctl. Chapter: 'Who may open a raw socket'.")
{
    long lo, hi;
    /* A new network namespace starts with ping sockets off ("1 0"). */
    if (ping_groups(&lo, &hi) && (long)getgid() >= lo && (long)getgid() <= hi)
        sl_skip("ping sockets are allowed here for group %d (net.ipv4.ping_group_range), and there is no "
                "sandbox to turn them off. %s",
                (int)getgid(), sl_sandbox_note());
    struct sl_proc *p = run("myping", SL_ARGS("-c", "1", "127.0.0.1"), 0, 20);
    sl_expect_error(p, 1, "CAP_NET_RAW");
    sl_expect_one_line_error(p);
    sl_expect_contains(sl_err(p), "ping_group_range", "myping's error line (the other way: ping sockets)");
    sl_expect_contains(
        sl_err(p), "SOCK_RAW: Operation not permitted",
        "the raw socket's own reason, EPERM, in its place (no_socket_error(raw_errno, errno))");
}

GRADED(
    no_fd_left, 1,
    "with no fd left (socket fails with EMFILE), myping names the raw socket's error, exit 1, and does not "
    "fall back",
    "Only EPERM and EACCES mean \"not allowed\": fall back to a ping socket for those alone. Any other "
    "error of socket(SOCK_RAW), EMFILE here, is one line naming the call (cli_error). Chapter: 'Who may "
    "open a raw socket'.")
{
    /* faultio fails socket() before the kernel sees it: no capability and
     * no sandbox needed, the same answer with or without them */
    struct sl_proc *p = sl_startx(
        &(struct sl_opts){.prog = "myping", .args = SL_ARGS("-c", "1", "127.0.0.1"), .faults = "emfile=1"});
    sl_close_stdin(p);
    sl_expect_error(p, 1, "SOCK_RAW");
    sl_expect_one_line_error(p);
    sl_expect_contains(sl_err(p), "Too many open files", "myping's error line (EMFILE's reason)");
    sl_expect_not_contains(sl_err(p), "CAP_NET_RAW",
                           "myping's error line (a missing capability is not the reason)");
    sl_expect_not_contains(sl_err(p), "ping socket", "myping's error line (no fallback)");
}

GRADED(usage_errors, 2,
       "-c 0, a negative interval, bad sizes, unknown options or hosts: exit 2; -s 65507 works",
       "Check every number with strtol/strtod and its range before anything else, and resolve the host "
       "before opening a socket: a usage error is exit 2 (cli_usage_error). The largest size, 65507, makes "
       "a 65535-byte IPv4 packet: your buffers must hold it.")
{
    /* The usage checks alone would pass on the skeleton (the parsing is
     * given): the largest echo, which needs a raw socket, is what grades. */
    need_raw_loopback();
    struct sl_proc *big = run("myping", SL_ARGS("-c", "1", "-s", "65507", "127.0.0.1"), CAP_RAW, 20);
    sl_expect_contains(sl_out(big), "65515 bytes from 127.0.0.1: icmp_seq=1 ",
                       "myping -s 65507's reply line");
    sl_expect_exit(big, 0);
    static const char *const cases[][4] = {
        {"-c", "0", "127.0.0.1", "'0'"},
        {"-i", "-1", "127.0.0.1", "'-1'"},
        {"-s", "65508", "127.0.0.1", "65508"},
        {"-W", "0", "127.0.0.1", "'0'"},
        {"-c", "3x", "127.0.0.1", "3x"},
        {"--bogus", "127.0.0.1", NULL, "--bogus"},
        {"-c", "2", NULL, "HOST"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sl_proc *p = sl_startv("myping", (char *[]){"myping", (char *)cases[i][0], (char *)cases[i][1],
                                                           (char *)cases[i][2], NULL});
        sl_close_stdin(p);
        sl_wait_exit(p, 10);
        sl_expect_error(p, 2, cases[i][3]);
        sl_expect_one_line_error(p);
    }
    struct sl_proc *p = run("myping", SL_ARGS("-c", "1", "no-such-host.invalid"), 0, 20);
    sl_expect_error(p, 2, "no-such-host.invalid");
    sl_expect_one_line_error(p);
}

/* ---- sniff ------------------------------------------------------------------ */

/* Start sniff with args and CAP_NET_RAW; wait for its ready line. */
static struct sl_proc *start_sniff(const char *const *args)
{
    struct sl_proc *p = start("sniff", args, CAP_RAW);
    sl_wait_err(p, "listening on lo", 10);
    return p;
}

/* One IPv4 + UDP datagram built by the test and sent through a raw
 * IPPROTO_UDP socket (the kernel adds the IPv4 header). sum: "ok", "bad"
 * or "none" (0: no checksum). */
static void send_udp(int fd, int ttl, uint16_t sport, uint16_t dport, const char *data, const char *sum)
{
    uint8_t m[1024], ph[12 + 1024];
    size_t n = 8 + strlen(data);
    m[0] = (uint8_t)(sport >> 8), m[1] = (uint8_t)sport, m[2] = (uint8_t)(dport >> 8), m[3] = (uint8_t)dport;
    m[4] = (uint8_t)(n >> 8), m[5] = (uint8_t)n, m[6] = m[7] = 0;
    memcpy(m + 8, data, n - 8);
    uint32_t lo = htonl(INADDR_LOOPBACK);
    memcpy(ph, &lo, 4), memcpy(ph + 4, &lo, 4);
    ph[8] = 0, ph[9] = IPPROTO_UDP, ph[10] = (uint8_t)(n >> 8), ph[11] = (uint8_t)n;
    memcpy(ph + 12, m, n);
    uint16_t c = strcmp(sum, "none") == 0 ? 0 : checksum(ph, 12 + n);
    if (strcmp(sum, "bad") == 0)
        c ^= 0x0101;
    m[6] = (uint8_t)(c >> 8), m[7] = (uint8_t)c;
    if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0)
        sl_fail("to set the TTL", "setsockopt IP_TTL: %s", strerror(errno));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = lo};
    if (sendto(fd, m, n, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)n)
        sl_fail("to send a UDP datagram from a raw socket", "sendto: %s", strerror(errno));
    sl_step("sent UDP 127.0.0.1:%u > 127.0.0.1:%u, ttl %d, %zu bytes, checksum %s", sport, dport, ttl, n,
            sum);
}

/* tshark's fields for the packets of pcap that match filter, one line per
 * packet (tab-separated), as a string the test keeps. */
static const char *tshark_fields(const char *pcap, const char *filter, const char *const *fields)
{
    const char *args[40];
    int n = 0;
    args[n++] = "-r", args[n++] = pcap, args[n++] = "-Y", args[n++] = filter;
    args[n++] = "-o", args[n++] = "ip.check_checksum:TRUE", args[n++] = "-o",
    args[n++] = "udp.check_checksum:TRUE";
    args[n++] = "-T", args[n++] = "fields";
    for (int i = 0; fields[i] && n < 38; i++)
        args[n++] = "-e", args[n++] = fields[i];
    args[n] = NULL;
    struct sl_proc *t = run("tshark", args, 0, 60);
    sl_expect_exit(t, 0);
    return sl_out(t);
}

/* The value of key= in sniff's line, or "" (into buf). */
static const char *field(const char *line, const char *key, char *buf, size_t len)
{
    if (!sl_field(line, key, buf, len))
        buf[0] = '\0';
    return buf;
}

/* tshark's checksum status (1 good, 0 bad, 3 not present) as sniff's word. */
static const char *status_word(const char *status)
{
    return strcmp(status, "1") == 0   ? "ok"
           : strcmp(status, "0") == 0 ? "bad"
           : strcmp(status, "3") == 0 ? "none"
                                      : "?";
}

/* Compare one of sniff's lines with one of tshark's (tab-separated values,
 * in the order of keys; a key "-" is skipped). */
static void expect_same_fields(const char *sniff_line, const char *tshark_line, const char *const *keys)
{
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", tshark_line);
    char *save, *v = strtok_r(copy, "\t", &save);
    for (int i = 0; keys[i] && v; i++, v = strtok_r(NULL, "\t", &save)) {
        if (strcmp(keys[i], "-") == 0)
            continue;
        char got[128];
        field(sniff_line, keys[i], got, sizeof got);
        const char *want = strstr(keys[i], "sum=") ? status_word(v) : v;
        char want_buf[128];
        if (strcmp(keys[i], "id=") == 0) { /* tshark: 0x1c2d */
            snprintf(want_buf, sizeof want_buf, "%s", v);
            want = want_buf;
        }
        if (strcmp(got, want) != 0) {
            char expected[512];
            snprintf(expected, sizeof expected, "%s%s as tshark decodes it (tshark: %s)", keys[i], want,
                     tshark_line);
            sl_fail(expected, "%s%s in sniff's line \"%s\"", keys[i], got, sniff_line);
        }
    }
}

/* The n-th (0-based) line of text into buf; false if there is none. */
static bool nth_line(const char *text, int n, char *buf, size_t len)
{
    const char *s = text;
    for (int i = 0; sl_next_line(&s, buf, len); i++)
        if (i == n)
            return true;
    return false;
}

GRADED(
    sniff_udp_like_tshark, 4,
    "sniff --udp: addresses, ports, TTL, id, lengths and checksums as tshark decodes them",
    "Read with an AF_PACKET socket bound to lo (skip PACKET_OUTGOING copies if you ask for ETH_P_ALL), parse "
    "the IPv4 header by its IHL, then check the UDP checksum over the pseudo-header. Chapter: 'Seeing every "
    "packet', 'The pseudo-header'.")
{
    need_raw_loopback();
    struct sl_proc *p = start_sniff(SL_ARGS("--udp", "-c", "5"));
    int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
    if (raw < 0)
        sl_fail("a raw UDP socket for the test", "socket: %s", strerror(errno));
    static char big[601];
    memset(big, 'x', 600);
    send_udp(raw, 64, 40004, 9, big, "ok"); /* over 255 bytes: the pseudo-header's length has a high byte */
    send_udp(raw, 64, 40001, 9, "good checksum", "ok");
    send_udp(raw, 17, 40002, 9, "bad checksum", "bad");
    send_udp(raw, 200, 40003, 9, "no checksum", "none");
    int port;
    int srv = sl_udp_bind("127.0.0.1", &port);
    int fd = sl_udp_connect("127.0.0.1", port);
    if (send(fd, "from a UDP socket", 17, 0) != 17)
        sl_fail("to send a datagram", "send: %s", strerror(errno));
    sl_step("sent 17 bytes from an ordinary UDP socket to port %d", port);
    sl_wait_exit(p, 10);
    sl_expect_exit(p, 0);
    char pcap[300];
    snprintf(pcap, sizeof pcap, "%s/udp.pcap", sl_tmpdir());
    sl_wire_save(pcap);
    const char *ts = tshark_fields(pcap, "udp && !icmp",
                                   SL_ARGS("ip.src", "udp.srcport", "ip.dst", "udp.dstport", "ip.ttl",
                                           "ip.id", "ip.len", "ip.flags.df", "ip.flags.mf",
                                           "ip.checksum.status", "udp.length", "udp.checksum.status"));
    static const char *const keys[] = {
        "-", "-", "-", "-", "ttl=", "id=", "iplen=", "df=", "mf=", "ipsum=", "len=", "sum=", NULL};
    const char *out = sl_out(p);
    sl_expect(sl_count_lines(out, "udp ") == 5, "5 lines, each starting \"udp \"", "%d:\n%s",
              sl_count_lines(out, "udp "), out);
    for (int i = 0; i < 5; i++) {
        char mine[512], theirs[512], src[160], want[160];
        if (!nth_line(out, i, mine, sizeof mine) || !nth_line(ts, i, theirs, sizeof theirs))
            sl_fail("5 packets in sniff's output and in tshark's", "sniff:\n%s\ntshark:\n%s", out, ts);
        char a[5][64];
        if (sscanf(theirs, "%63s %63s %63s %63s", a[0], a[1], a[2], a[3]) != 4)
            sl_fail("tshark's fields", "\"%s\"", theirs);
        snprintf(want, sizeof want, "%s:%s", a[0], a[1]);
        sl_expect(strcmp(field(mine, "src=", src, sizeof src), want) == 0, "src= as tshark's", "%s vs %s",
                  src, want);
        snprintf(want, sizeof want, "%s:%s", a[2], a[3]);
        sl_expect(strcmp(field(mine, "dst=", src, sizeof src), want) == 0, "dst= as tshark's", "%s vs %s",
                  src, want);
        if (i >= 1 && i <= 3)
            expect_same_fields(mine, theirs, keys);
        else if (i == 0) /* the capture keeps 256 bytes of it: tshark cannot check its checksum */
            sl_expect(strstr(mine, " len=608 sum=ok"),
                      "len=608 sum=ok for the 600-byte datagram (a good checksum)", "\"%s\"", mine);
        else
            sl_expect(strstr(mine, " sum=partial"),
                      "sum=partial for the ordinary socket's datagram (the kernel "
                      "leaves its checksum to the device, and lo has none)",
                      "\"%s\"", mine);
    }
    close(raw), close(fd), close(srv);
}

GRADED(sniff_icmp_like_tshark, 3,
       "sniff --icmp during a ping: type, code, id/seq, checksums as tshark decodes them",
       "After the IPv4 header comes ICMP: type, code, checksum (over the whole ICMP message), and for echo "
       "the id and sequence number, all big-endian.")
{
    need_raw_loopback();
    struct sl_proc *p = start_sniff(SL_ARGS("--icmp", "-c", "4"));
    struct sl_proc *pp = run("ping", SL_ARGS("-c", "2", "-i", "0.2", "127.0.0.1"), CAP_RAW, 20);
    sl_expect_exit(pp, 0);
    sl_wait_exit(p, 10);
    sl_expect_exit(p, 0);
    char pcap[300];
    snprintf(pcap, sizeof pcap, "%s/icmp.pcap", sl_tmpdir());
    sl_wire_save(pcap);
    const char *ts =
        tshark_fields(pcap, "icmp",
                      SL_ARGS("ip.ttl", "ip.id", "ip.len", "ip.flags.df", "ip.flags.mf", "ip.checksum.status",
                              "icmp.type", "icmp.code", "icmp.checksum.status"));
    static const char *const keys[] = {
        "ttl=", "id=", "iplen=", "df=", "mf=", "ipsum=", "type=", "code=", "sum=", NULL};
    const char *out = sl_out(p);
    for (int i = 0; i < 4; i++) {
        char mine[512], theirs[512];
        if (!nth_line(out, i, mine, sizeof mine) || !nth_line(ts, i, theirs, sizeof theirs))
            sl_fail("4 ICMP packets in sniff's output and in tshark's", "sniff:\n%s\ntshark:\n%s", out, ts);
        expect_same_fields(mine, theirs, keys);
        char echo[32];
        sl_expect(strchr(field(mine, "echo=", echo, sizeof echo), '/') &&
                      strcmp(strchr(echo, '/') + 1, i < 2 ? "1" : "2") == 0,
                  "echo=ID/SEQ with ping's sequence number", "\"%s\"", mine);
    }
}

/* Send, through a raw socket with IP_HDRINCL (the test writes the IPv4
 * header itself), one fragment of UDP datagram `id` from 127.0.0.1 to
 * itself: len bytes of it starting at byte `offset` (a multiple of 8),
 * with More Fragments set when more follow. The kernel fills in the
 * header's checksum. */
static void send_fragment(int fd, uint16_t id, size_t offset, const uint8_t *part, size_t len, bool more)
{
    uint8_t pkt[20 + 256] = {0x45};
    size_t total = 20 + len;
    uint16_t frag = (uint16_t)((more ? 0x2000 : 0) | offset / 8);
    pkt[2] = (uint8_t)(total >> 8), pkt[3] = (uint8_t)total;
    pkt[4] = (uint8_t)(id >> 8), pkt[5] = (uint8_t)id;
    pkt[6] = (uint8_t)(frag >> 8), pkt[7] = (uint8_t)frag;
    pkt[8] = 64, pkt[9] = IPPROTO_UDP;
    uint32_t lo = htonl(INADDR_LOOPBACK);
    memcpy(pkt + 12, &lo, 4), memcpy(pkt + 16, &lo, 4);
    memcpy(pkt + 20, part, len);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = lo};
    if (sendto(fd, pkt, total, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)total)
        sl_fail("to send a fragment from a raw socket (IP_HDRINCL)", "sendto: %s", strerror(errno));
    sl_step(
        "sent a fragment of IPv4 datagram id 0x%04x: %zu bytes at offset %zu (%zu in 8-byte units), MF %d",
        id, len, offset, offset / 8, more);
}

GRADED(sniff_fragments, 2,
       "a UDP datagram in two fragments: sniff prints the first (mf=1, its UDP header) and skips the second",
       "Bytes 6-7 of the IPv4 header: 0x4000 Don't Fragment, 0x2000 More Fragments, and the low 13 bits the "
       "fragment's offset in 8-byte units. Only the fragment at offset 0 holds the UDP header; a later one "
       "starts in the middle of the data. Chapter: 'Reading the IPv4 header'.")
{
    need_raw_loopback();
    struct sl_proc *p = start_sniff(SL_ARGS("--udp", "-c", "2"));
    int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW); /* IPPROTO_RAW: IP_HDRINCL implied */
    int udp = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
    if (raw < 0 || udp < 0)
        sl_fail("raw sockets for the test", "socket: %s", strerror(errno));
    uint8_t dgram[8 + 24] = {0x9c, 0x45, 0x00, 0x09, 0, sizeof dgram, 0, 0}; /* 40005 > 9, no checksum */
    memset(dgram + 8, 'f', 24);
    send_fragment(raw, 0x5a5a, 0, dgram, 16, true);        /* the UDP header and 8 bytes of data */
    send_fragment(raw, 0x5a5a, 16, dgram + 16, 16, false); /* offset 16: 2 units */
    send_udp(udp, 64, 40006, 9, "whole", "ok");
    sl_wait_exit(p, 10);
    sl_expect_exit(p, 0);
    char first[512], second[512], v[64];
    const char *out = sl_out(p);
    if (!nth_line(out, 0, first, sizeof first) || !nth_line(out, 1, second, sizeof second))
        sl_fail("2 lines", "\"%s\"", out);
    sl_expect(strcmp(field(first, "src=", v, sizeof v), "127.0.0.1:40005") == 0 &&
                  strcmp(field(first, "id=", v, sizeof v), "0x5a5a") == 0 &&
                  strcmp(field(first, "iplen=", v, sizeof v), "36") == 0 &&
                  strcmp(field(first, "mf=", v, sizeof v), "1") == 0 &&
                  strcmp(field(first, "df=", v, sizeof v), "0") == 0,
              "line 1: the first fragment, src=127.0.0.1:40005 id=0x5a5a iplen=36 df=0 mf=1", "\"%s\"",
              first);
    sl_expect(strcmp(field(second, "src=", v, sizeof v), "127.0.0.1:40006") == 0 &&
                  strcmp(field(second, "mf=", v, sizeof v), "0") == 0,
              "line 2: the whole datagram from port 40006 (mf=0); the second fragment is no line (offset 16, "
              "not 0)",
              "\"%s\"", second);
    close(raw), close(udp);
}

GRADED(
    sniff_tcp_handshake, 2,
    "sniff --tcp shows a handshake's flags S, SA, A and skips the UDP datagram before it",
    "TCP's flags are byte 13 of its header (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). --tcp keeps "
    "only protocol 6.")
{
    need_raw_loopback();
    struct sl_proc *p = start_sniff(SL_ARGS("--tcp", "-c", "3"));
    sl_wait_blocked(p, 5);
    int nfd = sl_fd_count(p);
    long flags = sl_fd_flags(p, 3);
    sl_expect(nfd == 4 && flags >= 0 && (flags & O_CLOEXEC),
              "sniff to hold 4 fds while it waits (stdio and its packet socket, fd 3, close-on-exec)",
              "%d fds, fd 3 flags 0%lo", nfd, flags);
    int port, uport;
    int srv = sl_udp_bind("127.0.0.1", &uport);
    int ufd = sl_udp_connect("127.0.0.1", uport);
    if (send(ufd, "not tcp", 7, 0) != 7)
        sl_fail("to send a datagram", "send: %s", strerror(errno));
    int lfd = sl_tcp_listen("127.0.0.1", &port);
    int fd = sl_tcp_connect("127.0.0.1", port, 5);
    sl_wait_exit(p, 10);
    sl_expect_exit(p, 0);
    const char *out = sl_out(p);
    static const char *const want[] = {"S", "SA", "A"};
    int cport = sl_local_port(fd);
    for (int i = 0; i < 3; i++) {
        char line[512], flags[16], dst[64], expect_dst[64];
        if (!nth_line(out, i, line, sizeof line))
            sl_fail("3 lines", "\"%s\"", out);
        sl_expect(strncmp(line, "tcp ", 4) == 0 &&
                      strcmp(field(line, "flags=", flags, sizeof flags), want[i]) == 0,
                  "tcp lines with flags=S, flags=SA, flags=A, in that order", "line %d: \"%s\"", i + 1, line);
        snprintf(expect_dst, sizeof expect_dst, "127.0.0.1:%d", i == 1 ? cport : port);
        sl_expect(strcmp(field(line, "dst=", dst, sizeof dst), expect_dst) == 0, "the handshake's ports",
                  "line %d: dst=%s (expected %s)", i + 1, dst, expect_dst);
    }
    close(fd), close(lfd), close(ufd), close(srv);
}

GRADED(
    sniff_errors, 2, "sniff without CAP_NET_RAW: one line naming it, exit 1; bad arguments: exit 2",
    "socket(AF_PACKET) fails with EPERM without CAP_NET_RAW: say which capability is missing and how to get "
    "it (setcap, root, or unshare -rn).")
{
    struct sl_proc *p = run("sniff", SL_ARGS("-c", "1"), 0, 10);
    sl_expect_error(p, 1, "CAP_NET_RAW");
    sl_expect_one_line_error(p);
    p = run("sniff", SL_ARGS("-c", "0"), 0, 10);
    sl_expect_error(p, 2, "'0'");
    p = run("sniff", SL_ARGS("--bogus"), 0, 10);
    sl_expect_error(p, 2, "--bogus");
}
