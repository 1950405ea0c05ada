/*
 * myping.c - ping, written by hand: ICMP echo over a raw socket.
 *
 * usage: myping [-c N] [-i SEC] [-W SEC] [-s SIZE] HOST
 *
 * Sends an ICMP echo request to HOST's IPv4 address every SEC seconds
 * (default 1), N of them (default: until Ctrl-C), each with SIZE bytes of
 * data (default 56), and prints each reply and then ping's summary, in
 * iputils ping's own format:
 *
 *     PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
 *     64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.051 ms
 *
 *     --- 127.0.0.1 ping statistics ---
 *     1 packets transmitted, 1 received, 0% packet loss, time 0ms
 *     rtt min/avg/max/mdev = 0.051/0.051/0.051/0.000 ms
 *
 * A raw socket (SOCK_RAW, IPPROTO_ICMP) needs CAP_NET_RAW. Without it,
 * myping says so in one line and uses an ICMP "ping socket" (SOCK_DGRAM,
 * IPPROTO_ICMP) where net.ipv4.ping_group_range allows one. Only replies
 * to its own requests count: its id (raw socket) and a sequence number it
 * sent. A reply with a bad checksum is reported and counted as corrupted,
 * never as received. After the last request it waits up to -W SEC
 * (default 10) for the replies still missing.
 *
 * Exit: 0 when a reply came, 1 when none did or on a runtime error (no
 * raw socket and no ping socket, sendto failed), 2 on a usage error (an
 * unknown option, a bad number, a host that does not resolve).
 */
#define _GNU_SOURCE
#include "cli.h"
#include "icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE (65535 - IP_MIN_HEADER_LEN - ICMP_HEADER_LEN) /* the largest IPv4 echo payload */
#define MAX_SECONDS 86400.0

static const char usage[] = "usage: myping [-c N] [-i SEC] [-W SEC] [-s SIZE] HOST\n"
                            "\n"
                            "Send ICMP echo requests to HOST (IPv4) and print each reply and a summary,\n"
                            "as ping does. Uses a raw socket (CAP_NET_RAW), or else a ping socket\n"
                            "(net.ipv4.ping_group_range).\n"
                            "\n"
                            "  -c N     send N requests, then stop (default: until Ctrl-C)\n"
                            "  -i SEC   seconds between requests (default 1; 0.2 = 200 ms)\n"
                            "  -W SEC   after the last request, wait up to SEC seconds for replies\n"
                            "           (default 10)\n"
                            "  -s SIZE  bytes of data in each request, 0 to 65507 (default 56)\n"
                            "  --help   show this help\n"
                            "\n"
                            "Exit: 0 when a reply came, 1 when none did or on a runtime error,\n"
                            "2 on a usage error.\n";

struct options {
    bool help;
    const char *host;
    long count; /* 0: until interrupted */
    double interval, wait;
    size_t size;
};

/* How myping talks ICMP: a raw socket reads whole IPv4 packets and sees
 * every ICMP message of the host; a ping socket reads ICMP messages only,
 * and the kernel chooses the id and hands it only the replies that carry it. */
enum ping_mode { PING_RAW, PING_DGRAM };

/* What happened to each sequence number (16 bits: 65536 of them). */
enum seq_state { SEQ_FREE, SEQ_SENT, SEQ_ANSWERED };

struct pinger {
    int fd;
    enum ping_mode mode;
    uint16_t id; /* ours in raw mode; the kernel's in a ping socket */
    struct sockaddr_in to;
    char addr[INET_ADDRSTRLEN];
    size_t size;
    long transmitted, received, duplicates, corrupted, errors;
    double rtt_min, rtt_max, rtt_sum, rtt_sum2; /* milliseconds */
    double sent_at[65536];                      /* when each sequence number was sent */
    unsigned char state[65536];                 /* enum seq_state, per sequence number */
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The monotonic clock in seconds. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- arguments ----------------------------------------------------------- */

/* Parse a number of seconds in [min, MAX_SECONDS] into *out: 0, or -1. */
static int parse_seconds(const char *s, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= min) || v > MAX_SECONDS)
        return -1;
    *out = v;
    return 0;
}

/* Parse a whole number in [min, max] into *out: 0, or -1. */
static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Parse one option that takes a value (-c, -i, -W, -s) into *opt.
 * Returns 0, or -1 after a one-line usage error. */
static int parse_option(const char *name, const char *value, struct options *opt)
{
    long n;
    if (!value)
        return cli_usage_error("%s needs a value", name);
    if (strcmp(name, "-c") == 0) {
        if (parse_long(value, 1, 1000000000L, &opt->count) == -1)
            return cli_usage_error("bad count '%s': a number of requests, at least 1", value);
    } else if (strcmp(name, "-i") == 0) {
        if (parse_seconds(value, 0.0, &opt->interval) == -1)
            return cli_usage_error("bad interval '%s': seconds, 0 or more", value);
    } else if (strcmp(name, "-W") == 0) {
        if (parse_seconds(value, 0.001, &opt->wait) == -1)
            return cli_usage_error("bad wait '%s': seconds, more than 0", value);
    } else {
        if (parse_long(value, 0, MAX_SIZE, &n) == -1)
            return cli_usage_error("bad size '%s': 0 to %d bytes", value, MAX_SIZE);
        opt->size = (size_t)n;
    }
    return 0;
}

/* Parse the command line into *opt. Returns 0, or -1 after a one-line
 * usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    *opt = (struct options){.interval = 1.0, .wait = 10.0, .size = 56};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (a[0] == '-' && a[1] != '\0' && strchr("ciWs", a[1]) && a[2] == '\0') {
            if (parse_option(a, i + 1 < argc ? argv[i + 1] : NULL, opt) == -1)
                return -1;
            i++;
        } else if (a[0] == '-' && a[1] != '\0' && strchr("ciWs", a[1])) { /* -c3, as ping takes it */
            char name[3] = {'-', a[1], '\0'};
            if (parse_option(name, a + 2, opt) == -1)
                return -1;
        } else if (a[0] == '-') {
            return cli_usage_error("unknown option '%s'", a);
        } else if (opt->host) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            opt->host = a;
        }
    }
    if (!opt->host)
        return cli_usage_error("missing HOST");
    return 0;
}

/* Resolve host to its first IPv4 address into p->to and p->addr.
 * Returns 0, or -1 after a one-line error. */
static int resolve(const char *host, struct pinger *p)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_RAW, .ai_protocol = IPPROTO_ICMP};
    struct addrinfo *res;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        const char *why = rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc);
        return cli_error("getaddrinfo %s: %s", host, why);
    }
    memcpy(&p->to, res->ai_addr, sizeof p->to);
    freeaddrinfo(res);
    inet_ntop(AF_INET, &p->to.sin_addr, p->addr, sizeof p->addr);
    return 0;
}

/* ---- the socket ----------------------------------------------------------- */

/* The text of net.ipv4.ping_group_range ("1 0" when ping sockets are off),
 * into buf; "unknown" if it cannot be read. */
static const char *ping_group_range(char *buf, size_t len)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
    snprintf(buf, len, "unknown");
    if (f) {
        if (fgets(buf, (int)len, f))
            buf[strcspn(buf, "\n")] = '\0';
        for (char *t = buf; *t; t++)
            if (*t == '\t')
                *t = ' ';
        fclose(f);
    }
    return buf;
}

/* The one line for "neither socket": what is missing and how to get it. */
static int no_socket_error(int raw_errno, int dgram_errno)
{
    char range[64];
    return cli_error("no raw socket (socket SOCK_RAW: %s: CAP_NET_RAW is missing) and no ping socket "
                     "(socket SOCK_DGRAM: %s: group %d is outside net.ipv4.ping_group_range \"%s\"): run "
                     "it with CAP_NET_RAW (sudo setcap cap_net_raw+ep myping) or allow ping sockets "
                     "(sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\")",
                     strerror(raw_errno), strerror(dgram_errno), (int)getgid(),
                     ping_group_range(range, sizeof range));
}

/* Open p->fd: a raw ICMP socket, or else (no CAP_NET_RAW: EPERM) a ping
 * socket, saying so in one line. Returns 0, or -1 after a one-line error. */
static int ping_open(struct pinger *p)
{
    /* TODO: socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP); our id
     * is getpid() & 0xffff. On EPERM or EACCES (no CAP_NET_RAW), print one
     * line on stderr saying so and try socket(AF_INET, SOCK_DGRAM |
     * SOCK_CLOEXEC, IPPROTO_ICMP) (p->mode = PING_DGRAM), and ask for each
     * reply's TTL (setsockopt IP_RECVTTL): no IP header comes with it.
     * When both fail, return no_socket_error(...). Chapter: 'Who may open
     * a raw socket', 'Ping sockets'. */
    (void)no_socket_error;
    fprintf(stderr, "myping: ping_open is not written yet (see the TODO in myping.c)\n");
    p->fd = -1;
    return -1;
}

/* Send echo request number seq and note when. Returns 0, or -1 after a
 * one-line error (sendto failed: no route ...). */
static int ping_send(struct pinger *p, uint16_t seq)
{
    static uint8_t packet[65536];
    static uint8_t data[MAX_SIZE];
    for (size_t i = 0; i < p->size; i++)
        data[i] = (uint8_t)i; /* as ping fills it */
    /* TODO: icmp_build_echo with p->id and seq, note the time in
     * p->sent_at[seq] and SEQ_SENT in p->state[seq], then sendto p->to
     * (retry EINTR). Count p->transmitted. Chapter: 'An echo request,
     * byte by byte'. */
    (void)p;
    (void)seq;
    (void)packet;
    (void)data;
    fprintf(stderr, "myping: ping_send is not written yet (see the TODO in myping.c)\n");
    return -1;
}

/* ---- replies ------------------------------------------------------------- */

/* Print a reply's RTT as ping does: 3 significant digits or so. */
static void print_time(double ms)
{
    if (ms < 1.0)
        printf("time=%.3f ms", ms);
    else if (ms < 10.0)
        printf("time=%.2f ms", ms);
    else if (ms < 100.0)
        printf("time=%.1f ms", ms);
    else
        printf("time=%.0f ms", ms);
}

/* Count an echo reply to our request seq from `from` (ttl, len bytes of
 * ICMP), and print its line as ping does. */
static void ping_echo_reply(struct pinger *p, const struct icmp_reply *r, const char *from, int ttl,
                            double at)
{
    /* TODO: a reply whose checksum is bad is counted in p->corrupted and
     * printed with " (BAD CHECKSUM!)", never as received; one to a
     * sequence already answered is a duplicate (" (DUP!)"). Otherwise
     * count it, take its RTT from p->sent_at of ITS sequence number and
     * add it to min, max, sum and sum of squares. Chapter: 'Matching replies'. */
    double ms = 0;
    const char *note = "";
    (void)p;
    (void)at;
    printf("%zu bytes from %s: icmp_seq=%u", r->icmp_len, from, (unsigned)r->seq);
    if (ttl >= 0)
        printf(" ttl=%d", ttl);
    printf(" ");
    print_time(ms);
    printf("%s\n", note);
}

/* The TTL in a ping socket's control message (IP_RECVTTL), or -1. */
static int cmsg_ttl(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int ttl;
            memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
            return ttl;
        }
    return -1;
}

/* Whether r answers one of our requests: an echo reply or an ICMP error
 * quoting our request, with our id (a raw socket sees everyone's ICMP; a
 * ping socket only ours), and a sequence number we sent. */
static bool ping_is_ours(const struct pinger *p, const struct icmp_reply *r)
{
    /* TODO: the type must be an echo reply, destination unreachable or
     * time exceeded (our own requests come back to a raw socket too: not
     * those); in raw mode r->id must be p->id; r->seq must be one we sent
     * (p->state[r->seq] not SEQ_FREE). Chapter: 'Matching replies'. */
    (void)p;
    (void)r;
    return false;
}

/* What ping says for an ICMP error (type 3 or 11, by its code). */
static const char *icmp_error_text(uint8_t type, uint8_t code)
{
    static const char *const unreachable[] = {"Destination Net Unreachable", "Destination Host Unreachable",
                                              "Destination Protocol Unreachable",
                                              "Destination Port Unreachable", "Frag needed and DF set"};
    if (type == ICMP_TYPE_TIME_EXCEEDED)
        return code == 1 ? "Frag reassembly time exceeded" : "Time to live exceeded";
    return code < sizeof unreachable / sizeof unreachable[0] ? unreachable[code] : "Destination Unreachable";
}

/* Read one packet from p->fd and handle it: count and print a reply to us,
 * drop anything else (too short, not ICMP, another program's). Returns 0,
 * or -1 after a one-line error. */
static int ping_receive(struct pinger *p)
{
    static uint8_t buf[65536];
    struct sockaddr_in from;
    char control[64];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof from,
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = sizeof control};
    struct icmp_reply r;
    char addr[INET_ADDRSTRLEN] = "?";
    /* TODO: recvmsg (EINTR and EAGAIN: return 0), note the time,
     * icmp_parse_reply (with the IP header in raw mode; drop what it
     * refuses), keep only ping_is_ours; the TTL is in the IP header (raw)
     * or the control message (cmsg_ttl). An echo reply goes to
     * ping_echo_reply; an error is counted in p->errors and printed as
     * "From ADDR icmp_seq=N " and icmp_error_text. Chapter: 'Reading a reply'. */
    (void)p;
    (void)msg;
    (void)r;
    (void)addr;
    (void)ping_echo_reply;
    (void)cmsg_ttl;
    (void)ping_is_ours;
    (void)icmp_error_text;
    return -1;
}

/* ---- the run and the summary ---------------------------------------------- */

/* Print ping's summary (after a blank line). */
static void ping_summary(const struct pinger *p, const char *host, double elapsed)
{
    printf("\n--- %s ping statistics ---\n", host);
    printf("%ld packets transmitted, %ld received", p->transmitted, p->received);
    if (p->duplicates)
        printf(", +%ld duplicates", p->duplicates);
    if (p->corrupted)
        printf(", +%ld corrupted", p->corrupted);
    if (p->errors)
        printf(", +%ld errors", p->errors);
    double loss =
        p->transmitted ? (double)(p->transmitted - p->received) * 100.0 / (double)p->transmitted : 0;
    printf(", %g%% packet loss, time %.0fms\n", (float)loss, elapsed * 1000.0);
    if (p->received > 0) {
        double avg = p->rtt_sum / (double)p->received;
        double var = p->rtt_sum2 / (double)p->received - avg * avg;
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->rtt_min, avg, p->rtt_max,
               var > 0 ? sqrt(var) : 0.0);
    }
}

/* Whether every request sent so far has its answer. */
static bool all_answered(const struct pinger *p)
{
    return p->received >= p->transmitted;
}

/* Send opt->count requests (or until interrupted), opt->interval apart,
 * reading replies between them, then wait up to opt->wait for the missing
 * ones. Returns 0, or -1 after a one-line error. */
static int ping_run(struct pinger *p, const struct options *opt, double *elapsed)
{
    double start = now(), next = start, last_sent = start;
    uint16_t seq = 0;
    while (!interrupted) {
        double t = now();
        bool more = opt->count == 0 || p->transmitted < opt->count;
        if (more && t >= next) {
            if (ping_send(p, ++seq) == -1)
                return -1;
            last_sent = t;
            next += opt->interval;
            continue;
        }
        if (!more && (all_answered(p) || t >= last_sent + opt->wait))
            break;
        double until = more ? next : last_sent + opt->wait;
        int ms = (int)ceil((until - t) * 1000.0);
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        int rc = poll(&pfd, 1, ms < 0 ? 0 : ms);
        if (rc == -1 && errno != EINTR)
            return cli_error("poll:");
        if (rc > 0 && ping_receive(p) == -1)
            return -1;
    }
    *elapsed = now() - start;
    return 0;
}

int main(int argc, char *argv[])
{
    struct options opt;
    static struct pinger p;
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    if (resolve(opt.host, &p) == -1)
        return CLI_EXIT_USAGE;
    p.size = opt.size;
    struct sigaction sa = {.sa_handler = on_sigint};
    sigaction(SIGINT, &sa, NULL);
    if (ping_open(&p) == -1)
        return 1;
    printf("PING %s (%s) %zu(%zu) bytes of data.\n", opt.host, p.addr, opt.size,
           opt.size + ICMP_HEADER_LEN + IP_MIN_HEADER_LEN);
    double elapsed = 0;
    int rc = ping_run(&p, &opt, &elapsed);
    close(p.fd);
    if (rc == -1)
        return 1;
    ping_summary(&p, opt.host, elapsed);
    return p.received > 0 ? 0 : 1;
}
