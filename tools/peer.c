/*
 * peer - a hostile network peer for the tests: the classic ways a client or
 * a server misbehaves, one at a time, as a program the tests start like
 * socat (so that a failing test's `try:` line reproduces it).
 *
 * usage: peer [-4|-6] [OPTIONS] connect HOST PORT MODE    TCP client
 *        peer [-4|-6] [OPTIONS] listen HOST PORT MODE     TCP server, one client (PORT 0: any)
 *        peer [-4|-6] [OPTIONS] udp HOST PORT MODE        UDP sender (a connected socket)
 *
 * MODE, what the peer does once connected (TCP) or ready (UDP):
 *   send       send the data, then half-close (shutdown SHUT_WR)
 *   trickle    the same, one byte per send (TCP_NODELAY; -i MS apart);
 *              UDP: one datagram per byte
 *   noread     send the data over and over and never read: the other
 *              side's window fills (listen: accept and neither read nor write)
 *   reset      send the first half of the data, then close with SO_LINGER 0:
 *              the other side sees a reset mid-message
 *   halfclose  half-close at once, before sending anything; then read
 *   garbage    send -n random bytes (seeded, -S); UDP: -c datagrams of
 *              random sizes up to -n
 *   bigframe   send a length-prefixed frame over the maximum: a 4-byte
 *              big-endian length of MAX+1 (-m), then the data; UDP: one
 *              datagram, that length then MAX+1 bytes (as many as fit)
 *   flood      send -n bytes as fast as the other side takes them while
 *              reading (and counting) what comes back; UDP: -c datagrams
 *              of -n bytes
 * After sending (all modes but noread and reset), the peer reads until end
 * of file (TCP) or until -w SECONDS pass without a datagram (UDP), and
 * copies what it received to stdout (flood only counts it).
 *
 * Options: -s TEXT the data (\n \r \t \\ \xHH escapes; default: -n bytes
 * of a counting pattern); -n BYTES (default 1024; flood 16 MiB, 64 per
 * UDP datagram); -c COUNT UDP datagrams (default 1000; garbage 16);
 * -m MAX frame maximum (default 65536); -S SEED (default 1); -i MS between
 * trickled bytes (default 2); -w SECONDS to wait for UDP replies (default 1);
 * -k keep the write side open after sending (no half-close).
 *
 * stderr, one line each: "peer: ready, listening on ADDR:PORT" or "peer:
 * ready, connected from ADDR:PORT to ADDR:PORT" (UDP: "sending from") when
 * ready; "peer: accepted ADDR:PORT"; at the end "peer: sent N bytes,
 * received M bytes, then end of file" (or "then a reset", "then connection
 * refused (ICMP port unreachable)", "then silence for 1 s"); noread says
 * "peer: stalled after sending N bytes" when the other side stops taking
 * them, reset "peer: reset after sending N bytes".
 *
 * Exit: 0 once the exchange is over (a reset or EOF is what it observed,
 * not an error); 1 when it cannot resolve, connect, bind, listen or accept
 * (one line); 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum role { ROLE_CONNECT, ROLE_LISTEN, ROLE_UDP };
enum mode { SEND, TRICKLE, NOREAD, RESET, HALFCLOSE, GARBAGE, BIGFRAME, FLOOD };
static const char *const mode_names[] = {"send",      "trickle", "noread",   "reset",
                                         "halfclose", "garbage", "bigframe", "flood"};

struct options {
    int family; /* AF_UNSPEC, AF_INET or AF_INET6 */
    enum role role;
    enum mode mode;
    const char *host, *port;
    unsigned char *data; /* -s, decoded; NULL: a pattern of `bytes` */
    size_t data_len;
    long long bytes, count, max, seed, interval_ms;
    double wait_s;
    bool bytes_set, count_set, keep_open;
};

/* What the exchange moved and how it ended, for the last line. */
struct tally {
    unsigned long long sent, received, datagrams_sent, datagrams_received;
    const char *end; /* "end of file", "a reset" ... */
    int send_errno;
};

/* A usage error: one line on stderr, naming what is wrong. */
#define usage_error(...) (fprintf(stderr, "peer: " __VA_ARGS__), fputs(" (peer --help)\n", stderr))

static void usage(FILE *to)
{
    fprintf(to, "usage: peer [-4|-6] [-s TEXT] [-n BYTES] [-c COUNT] [-m MAX] [-S SEED] [-i MS] [-w SECONDS] "
                "[-k]\n"
                "            connect|listen|udp HOST PORT "
                "send|trickle|noread|reset|halfclose|garbage|bigframe|flood\n");
}

/* ---- arguments ----------------------------------------------------------- */

/* text as a number in [lo, hi] into *out; -1 if it is not one. */
static int parse_number(const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Decode -s TEXT (\n \r \t \\ \xHH) into a new buffer; its length into
 * *len. NULL with errno EINVAL on a bad escape. */
static unsigned char *decode_text(const char *text, size_t *len)
{
    unsigned char *out = malloc(strlen(text) + 1);
    size_t n = 0;
    for (const char *s = text; out && *s; s++) {
        if (*s != '\\') {
            out[n++] = (unsigned char)*s;
            continue;
        }
        char c = *++s;
        unsigned hex;
        if (c == 'n' || c == 'r' || c == 't' || c == '\\')
            out[n++] = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : '\\';
        else if (c == 'x' && sscanf(s + 1, "%2x", &hex) == 1 &&
                 strspn(s + 1, "0123456789abcdefABCDEF") >= 2) {
            out[n++] = (unsigned char)hex;
            s += 2;
        } else {
            free(out);
            errno = EINVAL;
            return NULL;
        }
    }
    *len = n;
    return out;
}

/* One option letter with its argument; -1 after saying what is wrong. */
static int parse_option(struct options *o, char opt, const char *arg)
{
    int rc = 0;
    switch (opt) {
    case 's':
        o->data = decode_text(arg, &o->data_len);
        rc = o->data ? 0 : -1;
        break;
    case 'n':
        rc = parse_number(arg, 0, 1LL << 40, &o->bytes);
        o->bytes_set = true;
        break;
    case 'c':
        rc = parse_number(arg, 1, 100000000, &o->count);
        o->count_set = true;
        break;
    case 'm':
        rc = parse_number(arg, 0, 0xfffffffeLL, &o->max);
        break;
    case 'S':
        rc = parse_number(arg, 0, LLONG_MAX, &o->seed);
        break;
    case 'i':
        rc = parse_number(arg, 0, 10000, &o->interval_ms);
        break;
    case 'w': {
        char *end;
        o->wait_s = strtod(arg, &end);
        rc = end != arg && !*end && o->wait_s >= 0 && o->wait_s <= 3600 ? 0 : -1;
        break;
    }
    default:
        usage_error("unknown option -%c", opt);
        return -1;
    }
    if (rc != 0)
        usage_error("-%c %s: not a valid value", opt, arg);
    return rc;
}

/* Fill o from argv; -1 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){.family = AF_UNSPEC, .max = 65536, .seed = 1, .interval_ms = 2, .wait_s = 1};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-4") == 0 || strcmp(a, "-6") == 0)
            o->family = a[1] == '4' ? AF_INET : AF_INET6;
        else if (strcmp(a, "-k") == 0)
            o->keep_open = true;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else if (strlen(a) == 2 && strchr("sncmSiw", a[1]) && i + 1 < argc) {
            if (parse_option(o, a[1], argv[++i]) != 0)
                return -1;
        } else {
            usage_error("%s: unknown option, or its value is missing", a);
            return -1;
        }
    }
    if (argc - i != 4) {
        usage_error("expected ROLE HOST PORT MODE, got %d arguments", argc - i);
        return -1;
    }
    const char *role = argv[i];
    if (strcmp(role, "connect") == 0)
        o->role = ROLE_CONNECT;
    else if (strcmp(role, "listen") == 0)
        o->role = ROLE_LISTEN;
    else if (strcmp(role, "udp") == 0)
        o->role = ROLE_UDP;
    else {
        usage_error("%s: unknown role (connect, listen or udp)", role);
        return -1;
    }
    o->host = argv[i + 1];
    o->port = argv[i + 2];
    long long port;
    if (parse_number(o->port, o->role == ROLE_LISTEN ? 0 : 1, 65535, &port) != 0) {
        usage_error("port %s: not a number from %d to 65535", o->port, o->role == ROLE_LISTEN ? 0 : 1);
        return -1;
    }
    size_t m = 0;
    while (m < sizeof mode_names / sizeof mode_names[0] && strcmp(mode_names[m], argv[i + 3]) != 0)
        m++;
    if (m == sizeof mode_names / sizeof mode_names[0]) {
        usage_error("%s: unknown mode", argv[i + 3]);
        return -1;
    }
    o->mode = (enum mode)m;
    if (o->role == ROLE_UDP && (o->mode == NOREAD || o->mode == RESET || o->mode == HALFCLOSE)) {
        usage_error("%s: not a UDP mode (send, trickle, garbage, bigframe or flood)", argv[i + 3]);
        return -1;
    }
    if (!o->bytes_set)
        o->bytes = o->mode == FLOOD ? (o->role == ROLE_UDP ? 64 : 16LL << 20) : 1024;
    if (!o->count_set)
        o->count = o->mode == GARBAGE ? 16 : 1000;
    if (o->role == ROLE_UDP && o->bytes > 65507 && o->mode != BIGFRAME) {
        usage_error("-n %lld: a UDP datagram holds at most 65507 bytes", o->bytes);
        return -1;
    }
    return 0;
}

/* ---- addresses and sockets ---------------------------------------------- */

/* "127.0.0.1:41234" or "[::1]:41234" for a socket address, into buf. */
static const char *format_addr(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(buf, size, "?");
    else
        snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
    return buf;
}

/* The local (peer = false) or remote address of fd, formatted. */
static const char *sock_addr(int fd, bool peer, char *buf, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
              : getsockname(fd, (struct sockaddr *)&ss, &len)) != 0)
        return snprintf(buf, size, "?"), buf;
    return format_addr((struct sockaddr *)&ss, len, buf, size);
}

/* Connect (TCP or UDP) to host:port, trying every address getaddrinfo
 * gives; the fd, or -1 after one line on stderr. */
static int open_client(const struct options *o)
{
    struct addrinfo hints = {.ai_family = o->family,
                             .ai_socktype = o->role == ROLE_UDP ? SOCK_DGRAM : SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(o->host, o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "peer: %s: %s\n", o->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *p = res; p && fd < 0; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            err = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "peer: connect %s port %s: %s\n", o->host, o->port, strerror(err));
    return fd;
}

/* Listen on host:port (0: any) and accept one client; its fd, or -1 after
 * one line on stderr. Says when it is ready and whom it accepted. */
static int open_server(const struct options *o)
{
    struct addrinfo hints = {
        .ai_family = o->family, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(o->host, o->port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "peer: %s: %s\n", o->host, gai_strerror(rc));
        return -1;
    }
    int lfd = -1, err = 0, one = 1;
    for (struct addrinfo *p = res; p && lfd < 0; p = p->ai_next) {
        lfd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (lfd >= 0 && (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                         bind(lfd, p->ai_addr, p->ai_addrlen) != 0 || listen(lfd, 1) != 0)) {
            err = errno;
            close(lfd);
            lfd = -1;
        } else if (lfd < 0) {
            err = errno;
        }
    }
    freeaddrinfo(res);
    if (lfd < 0) {
        fprintf(stderr, "peer: listen on %s port %s: %s\n", o->host, o->port, strerror(err));
        return -1;
    }
    char addr[80];
    fprintf(stderr, "peer: ready, listening on %s\n", sock_addr(lfd, false, addr, sizeof addr));
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (fd < 0)
        fprintf(stderr, "peer: accept: %s\n", strerror(errno));
    else
        fprintf(stderr, "peer: accepted %s\n", sock_addr(fd, true, addr, sizeof addr));
    close(lfd);
    return fd;
}

/* ---- the data ------------------------------------------------------------- */

static uint64_t rng_state;

/* xorshift64*: the same bytes for the same -S, on every machine. */
static uint64_t rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* The data to send for o: -s TEXT, random bytes (garbage) or a counting
 * pattern; a new buffer of *len bytes. */
static unsigned char *make_data(const struct options *o, size_t *len)
{
    if (o->data && o->mode != GARBAGE) {
        *len = o->data_len;
        unsigned char *d = malloc(o->data_len + 1);
        if (d)
            memcpy(d, o->data, o->data_len);
        return d;
    }
    size_t n = o->mode == FLOOD && o->role != ROLE_UDP ? 1u << 16 : (size_t)o->bytes;
    unsigned char *d = malloc(n + 1);
    for (size_t i = 0; d && i < n; i++)
        d[i] = o->mode == GARBAGE ? (unsigned char)(rng_next() >> 56) : (unsigned char)('a' + i % 26);
    *len = n;
    return d;
}

/* ---- TCP ------------------------------------------------------------------ */

/* Send all len bytes (short counts and EINTR handled); false with
 * t->send_errno set if the connection failed. */
static bool send_all(int fd, const unsigned char *d, size_t len, struct tally *t)
{
    while (len > 0) {
        ssize_t n = send(fd, d, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            t->send_errno = errno;
            return false;
        }
        t->sent += (size_t)n;
        d += n;
        len -= (size_t)n;
    }
    return true;
}

/* Read what fd has into stdout (or only count it), until end of file or a
 * reset; t->end says which. Returns once the connection is over. */
static void read_to_end(int fd, bool count_only, struct tally *t)
{
    static unsigned char chunk[1 << 16];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            t->end = errno == ECONNRESET ? "a reset" : strerror(errno);
            return;
        }
        if (n == 0) {
            t->end = "end of file";
            return;
        }
        t->received += (size_t)n;
        if (!count_only && fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n)
            count_only = true; /* stdout closed: keep counting */
        fflush(stdout);
    }
}

static void sleep_ms(long long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* noread: send d over and over and never read; says when the other side
 * stops taking it, then waits to be killed. */
static void tcp_noread(int fd, const unsigned char *d, size_t len, const struct options *o)
{
    if (o->role == ROLE_LISTEN || len == 0)
        for (;;)
            pause();
    fcntl(fd, F_SETFL, O_NONBLOCK);
    unsigned long long sent = 0;
    bool said = false;
    for (size_t at = 0;;) {
        ssize_t n = send(fd, d + at, len - at, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            at = (at + (size_t)n) % len;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            fprintf(stderr, "peer: sent %llu bytes, then send: %s\n", sent, strerror(errno));
            for (;;)
                pause();
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (poll(&p, 1, said ? -1 : 200) == 0 && !said) {
            fprintf(stderr, "peer: stalled after sending %llu bytes (the other side is not reading)\n", sent);
            said = true;
        }
    }
}

/* flood: send o->bytes as fast as the other side takes them while
 * counting what comes back, then half-close and count the rest. */
static void tcp_flood(int fd, const unsigned char *d, size_t len, const struct options *o, struct tally *t)
{
    static unsigned char chunk[1 << 16];
    fcntl(fd, F_SETFL, O_NONBLOCK);
    unsigned long long left = (unsigned long long)o->bytes;
    while (left > 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            break;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, chunk, sizeof chunk, 0);
            if (n > 0)
                t->received += (size_t)n;
            else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                t->end = n == 0 ? "end of file" : errno == ECONNRESET ? "a reset" : strerror(errno);
                return;
            }
        }
        if (p.revents & POLLOUT) {
            size_t part = left < len ? (size_t)left : len;
            ssize_t n = send(fd, d, part, MSG_NOSIGNAL);
            if (n > 0) {
                t->sent += (size_t)n;
                left -= (size_t)n;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                t->send_errno = errno;
                break;
            }
        }
    }
    fcntl(fd, F_SETFL, 0);
    if (!o->keep_open)
        shutdown(fd, SHUT_WR);
    read_to_end(fd, true, t);
}

/* The TCP exchange of o->mode on a connected fd; fills t. */
static void tcp_exchange(int fd, const struct options *o, struct tally *t)
{
    size_t len;
    unsigned char *d = make_data(o, &len);
    if (!d) {
        t->end = "out of memory";
        return;
    }
    int one = 1;
    switch (o->mode) {
    case NOREAD:
        tcp_noread(fd, d, len, o);
        break;
    case FLOOD:
        tcp_flood(fd, d, len, o, t);
        free(d);
        return;
    case RESET: {
        send_all(fd, d, len > 1 ? len / 2 : len, t);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        fprintf(stderr, "peer: reset after sending %llu bytes\n", t->sent);
        close(fd);
        free(d);
        exit(0);
    }
    case HALFCLOSE:
        shutdown(fd, SHUT_WR);
        break;
    case TRICKLE:
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        for (size_t i = 0; i < len && send_all(fd, d + i, 1, t); i++)
            if (i + 1 < len)
                sleep_ms(o->interval_ms);
        break;
    case BIGFRAME: {
        uint32_t big = (uint32_t)(o->max + 1);
        unsigned char hdr[4] = {big >> 24, (big >> 16) & 0xff, (big >> 8) & 0xff, big & 0xff};
        if (send_all(fd, hdr, 4, t))
            send_all(fd, d, len, t);
        break;
    }
    default: /* SEND, GARBAGE */
        send_all(fd, d, len, t);
        break;
    }
    if (o->mode != HALFCLOSE && !o->keep_open)
        shutdown(fd, SHUT_WR);
    free(d);
    read_to_end(fd, false, t);
}

/* ---- UDP ------------------------------------------------------------------- */

/* Send one datagram; false (t->send_errno set) if the socket has an error
 * (ECONNREFUSED: an ICMP port unreachable came back for an earlier one). */
static bool udp_send(int fd, const unsigned char *d, size_t len, struct tally *t)
{
    ssize_t n;
    while ((n = send(fd, d, len, 0)) < 0 && errno == EINTR)
        ;
    if (n < 0) {
        t->send_errno = errno;
        return false;
    }
    t->sent += (size_t)n;
    t->datagrams_sent++;
    return true;
}

/* Read datagrams to stdout (flood: count them) until o->wait_s pass
 * without one, or the socket reports an error. */
static void udp_replies(int fd, const struct options *o, struct tally *t)
{
    static unsigned char chunk[65536];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(o->wait_s * 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            t->end = "silence";
            return;
        }
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            t->end = errno == ECONNREFUSED ? "connection refused (ICMP port unreachable)" : strerror(errno);
            return;
        }
        t->received += (size_t)n;
        t->datagrams_received++;
        if (o->mode != FLOOD) {
            fwrite(chunk, 1, (size_t)n, stdout);
            fflush(stdout);
        }
    }
}

/* The UDP exchange of o->mode on a connected UDP socket; fills t. */
static void udp_exchange(int fd, const struct options *o, struct tally *t)
{
    size_t len;
    bool big = o->mode == BIGFRAME;
    struct options sized = *o;
    if (big) /* the frame is the datagram: 4-byte length, then MAX+1 bytes of data at most */
        sized.bytes = o->max + 1 > 65503 ? 65503 : o->max + 1;
    unsigned char *d = make_data(&sized, &len);
    if (!d) {
        t->end = "out of memory";
        return;
    }
    bool ok = true;
    if (o->mode == TRICKLE)
        for (size_t i = 0; i < len && ok; i++)
            ok = udp_send(fd, d + i, 1, t);
    else if (o->mode == FLOOD)
        for (long long i = 0; i < o->count && ok; i++)
            ok = udp_send(fd, d, len, t);
    else if (o->mode == GARBAGE)
        for (long long i = 0; i < o->count && ok; i++)
            ok = udp_send(fd, d, len ? (size_t)(rng_next() % (len + 1)) : 0, t);
    else if (big) {
        unsigned char *f = malloc(len + 4);
        uint32_t v = (uint32_t)(o->max + 1);
        f[0] = v >> 24, f[1] = (v >> 16) & 0xff, f[2] = (v >> 8) & 0xff, f[3] = v & 0xff;
        memcpy(f + 4, d, len);
        ok = udp_send(fd, f, len + 4, t);
        free(f);
    } else if (o->mode != NOREAD && o->mode != HALFCLOSE && o->mode != RESET)
        ok = udp_send(fd, d, len, t);
    free(d);
    if (!ok && t->send_errno == ECONNREFUSED) {
        t->end = "connection refused (ICMP port unreachable)";
        return;
    }
    udp_replies(fd, o, t);
}

/* ---- main ------------------------------------------------------------------ */

static void report(const struct options *o, const struct tally *t)
{
    char err[128] = "";
    if (t->send_errno)
        snprintf(err, sizeof err, " (send: %s)", strerror(t->send_errno));
    if (o->role == ROLE_UDP) {
        char quiet[48] = "";
        if (strcmp(t->end, "silence") == 0)
            snprintf(quiet, sizeof quiet, " for %g s", o->wait_s);
        fprintf(stderr, "peer: sent %llu datagrams (%llu bytes)%s, received %llu (%llu bytes), then %s%s\n",
                t->datagrams_sent, t->sent, err, t->datagrams_received, t->received, t->end, quiet);
        return;
    }
    fprintf(stderr, "peer: sent %llu bytes%s, received %llu bytes, then %s\n", t->sent, err, t->received,
            t->end);
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_args(argc, argv, &o) != 0)
        return 2;
    rng_state = (uint64_t)o.seed * 0x9E3779B97F4A7C15ULL + 1;
    int fd = o.role == ROLE_LISTEN ? open_server(&o) : open_client(&o);
    if (fd < 0)
        return 1;
    if (o.role != ROLE_LISTEN) {
        char local[80], remote[80];
        fprintf(stderr, "peer: ready, %s from %s to %s\n", o.role == ROLE_UDP ? "sending" : "connected",
                sock_addr(fd, false, local, sizeof local), sock_addr(fd, true, remote, sizeof remote));
    }
    struct tally t = {.end = "?"};
    if (o.role == ROLE_UDP)
        udp_exchange(fd, &o, &t);
    else
        tcp_exchange(fd, &o, &t);
    report(&o, &t);
    close(fd);
    free(o.data);
    return 0;
}
