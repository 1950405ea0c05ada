/*
 * udp_ping.c - ping over UDP: probes to an echo server, their round-trip
 * times, losses and a summary, as ping(8) prints them.
 *
 * usage: udp_ping HOST PORT [-c N] [-i SEC] [-W SEC] [-s SIZE]
 *
 * Sends N probes (default 4) of SIZE bytes (default 56) to HOST:PORT over
 * a connected UDP socket, one every SEC seconds (-i, default 1) on a fixed
 * grid from the start (probe k leaves at start + k * SEC, however late the
 * replies come), and waits up to -W seconds (default 1) for each reply:
 *
 *     UDP PING localhost (127.0.0.1:41234): 56 data bytes
 *     56 bytes from 127.0.0.1:41234: seq=1 time=0.081 ms
 *     seq=2: no reply within 1 s
 *     56 bytes from 127.0.0.1:41234: seq=3 time=0.062 ms
 *
 *     --- localhost udp ping statistics ---
 *     3 packets transmitted, 2 received, 33.3333% packet loss
 *     rtt min/avg/max/mdev = 0.062/0.071/0.081/0.009 ms
 *
 * A reply is matched to its probe by the sequence number it carries (see
 * probe.h): a reply to no probe sent, to a probe already answered (a
 * duplicate) or timed out (stale) is ignored. When nothing listens on the
 * port, the peer's ICMP port unreachable ends the run with one line:
 *
 *     udp_ping: 127.0.0.1:41234: connection refused (ICMP port unreachable: nothing listens there)
 *
 * Exit: 0 when any reply came, 1 when none did (or on a runtime error),
 * 2 on a usage error.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "probe.h"
#include "udp.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000ULL
#define PROBE_MAX 65507 /* the largest UDP payload over IPv4 */

static const char usage[] = "usage: udp_ping HOST PORT [-c N] [-i SEC] [-W SEC] [-s SIZE]\n"
                            "\n"
                            "Send N probes to the UDP echo server at HOST:PORT, one every SEC seconds,\n"
                            "print the round-trip time of each reply, then a summary like ping's.\n"
                            "\n"
                            "  -c N     how many probes, 1 to 65535 (default 4)\n"
                            "  -i SEC   seconds between probes, 0 to 3600 (default 1)\n"
                            "  -W SEC   seconds to wait for each reply, above 0 up to 3600 (default 1)\n"
                            "  -s SIZE  bytes in each probe, 10 to 65507 (default 56)\n"
                            "  --help   show this help\n"
                            "\n"
                            "Exit: 0 when any reply came, 1 when none did, 2 on a usage error.\n";

struct options {
    bool help;
    const char *host;
    char port[sizeof "65535"]; /* checked, in decimal */
    unsigned count;            /* -c */
    uint64_t interval_ns;      /* -i */
    uint64_t wait_ns;          /* -W */
    size_t size;               /* -s */
};

/* What happened to each probe, by its index (seq - 1). */
enum probe_state { NOT_SENT, WAITING, ANSWERED, TIMED_OUT };

/* One run of udp_ping. */
struct ping {
    int fd;
    const struct options *opt;
    char peer[ADDR_STRLEN];     /* the server, as text */
    uint64_t start_ns;          /* CLOCK_MONOTONIC when the first probe was due */
    unsigned sent, received;    /* probes sent; distinct probes answered */
    unsigned oldest;            /* index of the first probe that may still be answered */
    uint64_t *sent_at;          /* [count]: each probe's send time */
    unsigned char *state;       /* [count]: an enum probe_state */
    unsigned char *buf;         /* size + 1 bytes: one probe out, one reply in */
    double min, max, sum, sum2; /* the RTTs in ms: smallest, largest, sum, sum of squares */
    bool refused;               /* an ICMP port unreachable came back */
};

/* ---- arguments (given) ---------------------------------------------------- */

/* text as a whole number in [lo, hi] into *out; -1 if it is not one. */
static int parse_count(const char *text, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    errno = 0;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* text as seconds in [0, 3600] (above 0 when positive is true) into *ns. */
static int parse_seconds(const char *text, bool positive, uint64_t *ns)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < 0 || v > 3600 || (positive && v <= 0))
        return -1;
    *ns = (uint64_t)llround(v * 1e9);
    return 0;
}

/* The option opt with value val into *o. Returns 0, or -1 after a usage error. */
static int parse_option(const char *opt, const char *val, struct options *o)
{
    unsigned long v;
    if (!val)
        return cli_usage_error("%s needs a value", opt);
    if (strcmp(opt, "-c") == 0) {
        if (parse_count(val, 1, 65535, &v) == -1)
            return cli_usage_error("bad count '%s' for -c: a whole number 1-65535", val);
        o->count = (unsigned)v;
    } else if (strcmp(opt, "-s") == 0) {
        if (parse_count(val, PROBE_HEADER, PROBE_MAX, &v) == -1)
            return cli_usage_error("bad size '%s' for -s: %d-%d bytes", val, PROBE_HEADER, PROBE_MAX);
        o->size = v;
    } else if (strcmp(opt, "-i") == 0) {
        if (parse_seconds(val, false, &o->interval_ns) == -1)
            return cli_usage_error("bad interval '%s' for -i: seconds, 0 to 3600", val);
    } else if (parse_seconds(val, true, &o->wait_ns) == -1) {
        return cli_usage_error("bad wait '%s' for -W: seconds, above 0 up to 3600", val);
    }
    return 0;
}

/* Parse the command line into *o. Returns 0, or -1 after a usage error. */
static int parse_args(int argc, char *argv[], struct options *o)
{
    const char *args[2];
    int nargs = 0;
    *o = (struct options){.count = 4, .interval_ns = NS_PER_S, .wait_ns = NS_PER_S, .size = 56};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            o->help = true;
            return 0;
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "-i") == 0 || strcmp(a, "-W") == 0 ||
                   strcmp(a, "-s") == 0) {
            if (parse_option(a, argv[i + 1], o) == -1)
                return -1;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("unknown option '%s'", a);
        } else if (nargs == 2) {
            return cli_usage_error("too many arguments at '%s'", a);
        } else {
            args[nargs++] = a;
        }
    }
    if (nargs < 2)
        return cli_usage_error("missing %s", nargs == 0 ? "HOST and PORT" : "PORT");
    uint16_t port;
    if (parse_port(args[1], &port) == -1 || port == 0)
        return cli_usage_error("bad port '%s': %s", args[1],
                               errno == ERANGE ? "out of range 1-65535" : "not a number 1-65535");
    o->host = args[0];
    snprintf(o->port, sizeof o->port, "%u", (unsigned)port);
    return 0;
}

/* ---- time and figures (given) ---------------------------------------------- */

/* CLOCK_MONOTONIC in nanoseconds: never jumps, unlike the time of day. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Count a reply of `bytes` bytes to probe seq, its RTT rtt_ns, and print
 * its line as ping does. */
static void ping_answered(struct ping *p, size_t bytes, unsigned seq, uint64_t rtt_ns)
{
    double ms = (double)rtt_ns / 1e6;
    p->state[seq - 1] = ANSWERED;
    p->min = p->received == 0 || ms < p->min ? ms : p->min;
    p->max = p->received == 0 || ms > p->max ? ms : p->max;
    p->sum += ms;
    p->sum2 += ms * ms;
    p->received++;
    printf("%zu bytes from %s: seq=%u time=%.3f ms\n", bytes, p->peer, seq, ms);
}

/* Print the summary as ping does: transmitted, received, loss; the RTTs. */
static void ping_summary(const struct ping *p)
{
    printf("\n--- %s udp ping statistics ---\n", p->opt->host);
    double loss = p->sent ? 100.0 * (p->sent - p->received) / p->sent : 0;
    printf("%u packets transmitted, %u received, %g%% packet loss\n", p->sent, p->received, loss);
    if (p->received == 0)
        return;
    double avg = p->sum / p->received;
    double var = p->sum2 / p->received - avg * avg;
    printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->min, avg, p->max, var > 0 ? sqrt(var) : 0);
}

/* ---- the probes (yours) ----------------------------------------------------- */

/* Send probe number p->sent + 1, stamped with now. Returns 0, or -1 with
 * errno set (ECONNREFUSED: an earlier probe's ICMP error came back). */
static int ping_send(struct ping *p, uint64_t now)
{
    /* TODO: probe_encode {seq, now} into p->buf (p->opt->size bytes),
     * send it on the connected socket (MSG_NOSIGNAL; retry EINTR), then
     * record it: sent_at, state WAITING, p->sent++. Chapter: 'A probe on
     * the wire'. */
    /* BEGIN SOLUTION */
    unsigned seq = p->sent + 1;
    struct probe probe = {.seq = (uint16_t)seq, .sent_ns = now};
    if (probe_encode(p->buf, p->opt->size, &probe) == -1)
        return -1;
    ssize_t n;
    while ((n = send(p->fd, p->buf, p->opt->size, MSG_NOSIGNAL)) == -1 && errno == EINTR)
        ;
    if (n == -1)
        return -1;
    p->sent_at[seq - 1] = now;
    p->state[seq - 1] = WAITING;
    p->sent++;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)p;
    (void)now;
    fprintf(stderr, "udp_ping: ping_send is not written yet (see the TODO in udp_ping.c)\n");
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

/* Read every reply waiting on the socket and count each that answers a
 * probe still waited for. Returns 0, or -1 with errno set (ECONNREFUSED:
 * an ICMP port unreachable came back). */
static int ping_receive(struct ping *p)
{
    /* TODO: recv with MSG_DONTWAIT into p->buf until EAGAIN (EINTR: again).
     * Keep a reply only if it is p->opt->size bytes, decodes, and its seq
     * names a probe sent, still WAITING, with the same send time as
     * sent_at; then ping_answered with its RTT. Anything else is stale, a
     * duplicate or foreign: ignore it. Chapter: 'Matching replies'. */
    /* BEGIN SOLUTION */
    for (;;) {
        ssize_t n = recv(p->fd, p->buf, p->opt->size + 1, MSG_DONTWAIT);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return errno == EAGAIN ? 0 : -1;
        struct probe r;
        if ((size_t)n != p->opt->size || probe_decode(p->buf, (size_t)n, &r) == -1)
            continue;
        if (r.seq < 1 || r.seq > p->sent || p->state[r.seq - 1] != WAITING ||
            p->sent_at[r.seq - 1] != r.sent_ns)
            continue;
        ping_answered(p, (size_t)n, r.seq, now_ns() - r.sent_ns);
    }
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)p;
    fprintf(stderr, "udp_ping: ping_receive is not written yet (see the TODO in udp_ping.c)\n");
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

/* Give up on every probe whose -W has passed at now: print its line.
 * Returns the time the next one runs out (UINT64_MAX: none waits). */
static uint64_t ping_expire(struct ping *p, uint64_t now)
{
    /* TODO: from p->oldest on: skip the answered; a probe still WAITING
     * past sent_at + wait_ns is TIMED_OUT (print "seq=K: no reply within
     * W s"); the first one still in time gives the answer. Chapter:
     * 'Timeouts and loss'. */
    /* BEGIN SOLUTION */
    for (; p->oldest < p->sent; p->oldest++) {
        unsigned i = p->oldest;
        if (p->state[i] == WAITING && now < p->sent_at[i] + p->opt->wait_ns)
            return p->sent_at[i] + p->opt->wait_ns;
        if (p->state[i] == WAITING) {
            p->state[i] = TIMED_OUT;
            printf("seq=%u: no reply within %g s\n", i + 1, (double)p->opt->wait_ns / 1e9);
        }
    }
    return UINT64_MAX;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)p;
    (void)now;
    return UINT64_MAX;
    END SKELETON */
}

/* Send every probe on its slot of the grid (start + k * interval) and
 * collect the replies meanwhile, until each probe is answered or timed
 * out. Returns 0 (p->refused set if the port was unreachable), or -1 after
 * an error. */
static int ping_run(struct ping *p)
{
    /* TODO: loop: when the next probe's slot (p->start_ns + p->sent *
     * interval) has come, ping_send it; let ping_expire time out the old
     * ones; stop once all are sent and none waits; else ppoll the socket
     * until the earlier of the next slot and the next expiry (a timeout
     * computed from those absolute times: never "sleep the interval"
     * after a reply, which drifts), and ping_receive when it is readable.
     * ECONNREFUSED from send or recv: set p->refused, return 0. Chapter:
     * 'Pacing on a grid'. */
    /* BEGIN SOLUTION */
    const struct options *o = p->opt;
    const char *call = "";
    p->start_ns = now_ns();
    for (;;) {
        uint64_t now = now_ns();
        uint64_t slot = p->start_ns + p->sent * o->interval_ns;
        if (p->sent < o->count && now >= slot) {
            call = "send to";
            if (ping_send(p, now) == -1)
                break;
            continue;
        }
        uint64_t wake = ping_expire(p, now);
        if (p->sent == o->count && wake == UINT64_MAX)
            return 0;
        if (p->sent < o->count && slot < wake)
            wake = slot;
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        uint64_t left = wake > now ? wake - now : 0;
        struct timespec ts = {.tv_sec = (time_t)(left / NS_PER_S), .tv_nsec = (long)(left % NS_PER_S)};
        int r = ppoll(&pfd, 1, &ts, NULL);
        if (r == -1 && errno != EINTR)
            return cli_error("ppoll:");
        call = "recv from";
        if (r > 0 && ping_receive(p) == -1)
            break;
    }
    if (errno != ECONNREFUSED)
        return cli_error("%s %s:", call, p->peer);
    p->refused = true;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)p;
    (void)ping_send;
    (void)ping_receive;
    (void)ping_expire;
    (void)ping_answered;
    (void)now_ns;
    fprintf(stderr, "udp_ping: ping_run is not written yet (see the TODO in udp_ping.c)\n");
    return -1;
    END SKELETON */
}

/* ---- main (given) ------------------------------------------------------------ */

/* The server's address as text, from the connected socket. */
static void ping_peer(struct ping *p)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(p->fd, (struct sockaddr *)&ss, &len) == -1 ||
        format_sockaddr((struct sockaddr *)&ss, len, p->peer, sizeof p->peer) != 0)
        snprintf(p->peer, sizeof p->peer, "%s:%s", p->opt->host, p->opt->port);
}

int main(int argc, char *argv[])
{
    struct options opt;
    char err[UDP_ERRLEN];
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    struct ping p = {.opt = &opt};
    p.fd = udp_client(opt.host, opt.port, err, sizeof err);
    if (p.fd == -1) {
        cli_error("%s", err);
        return 1;
    }
    p.sent_at = calloc(opt.count, sizeof *p.sent_at);
    p.state = calloc(opt.count, 1);
    p.buf = malloc(opt.size + 1);
    int rc = 1;
    if (!p.sent_at || !p.state || !p.buf) {
        cli_error("malloc:");
    } else {
        ping_peer(&p);
        printf("UDP PING %s (%s): %zu data bytes\n", opt.host, p.peer, opt.size);
        if (ping_run(&p) == 0) {
            if (p.refused)
                cli_error("%s: connection refused (ICMP port unreachable: nothing listens there)", p.peer);
            ping_summary(&p);
            rc = p.received > 0 ? 0 : 1;
        }
    }
    free(p.sent_at);
    free(p.state);
    free(p.buf);
    close(p.fd);
    return rc;
}
