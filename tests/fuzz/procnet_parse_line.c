/*
 * procnet_parse_line.c - fuzz lesson 03's /proc/net/tcp line parser,
 * procnet_parse_line (solutions/03-bind-and-ports/procnet.c).
 *
 * Each input is used twice:
 *   - as a line of text, parsed as a /proc/net/tcp line (AF_INET) and as a
 *     /proc/net/tcp6 line (AF_INET6);
 *   - as the values of a socket (addresses, ports, state, inode ...), printed
 *     into a line with the kernel's own format and parsed back.
 *
 * A well-formed line is one the kernel could write (procnet.h), with slack
 * only in the fields nobody reads:
 *
 *   ws* SL ':' ws* LOCAL ws+ REMOTE ws+ ST (ws+ F){5} ws+ INODE (ws REST)?
 *
 *   SL               the slot: digits, maybe a sign (not used)
 *   LOCAL, REMOTE    ADDR ':' PORT
 *   ADDR             exactly 8 hex digits (tcp) or 32 (tcp6)
 *   PORT             1 to 4 hex digits (the kernel writes 4)
 *   ST               1 or 2 hex digits (the kernel writes 2)
 *   F                any run of non-space characters (queues, timers, uid,
 *                    timeout: not used)
 *   INODE            decimal digits, a value that fits an unsigned long
 *
 * The checks:
 *   1. the parser never reads past the line (AddressSanitizer);
 *   2. a line it accepts is well-formed for its family, and the entry holds
 *      the line's values: the address words copied to memory as the kernel
 *      printed them, the ports in network byte order, the state, the inode;
 *      a line it refuses sets errno EINVAL (a number that does not fit its
 *      field, "-1" or "+50" or "0x50" for a port, is refused, never wrapped);
 *   3. a line the kernel's format prints from random values (a connected
 *      socket's or a TIME_WAIT one's) is accepted for its family, with
 *      exactly those values back, and refused for the other family;
 *   4. the header line is refused.
 */
#define _GNU_SOURCE
#include "procnet.h"
#include "fuzz.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>

/* The values of a well-formed line. */
struct line {
    unsigned char local[16], remote[16];
    unsigned long lport, rport, state, inode;
};

static const char *skip_spaces(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* The value of the n hex digits at s. */
static unsigned long hex_value(const char *s, size_t n)
{
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        int c = tolower((unsigned char)s[i]);
        v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : c - 'a' + 10);
    }
    return v;
}

/* Read the run of hex digits at *p (the whole run, not a prefix) into *value
 * and move *p past it. Returns false unless it has min..max digits. */
static bool hex_run(const char **p, size_t min, size_t max, unsigned long *value)
{
    size_t n = strspn(*p, "0123456789abcdefABCDEF");
    if (n < min || n > max)
        return false;
    *value = hex_value(*p, n);
    *p += n;
    return true;
}

/* Read "ADDR:PORT" at *p: each 8-digit word of the address is a number whose
 * bytes in memory are the address (procnet.h), the port a plain number. */
static bool endpoint_field(const char **p, int family, unsigned char bytes[16], unsigned long *port)
{
    size_t words = family == AF_INET6 ? 4 : 1;
    size_t n = strspn(*p, "0123456789abcdefABCDEF");
    if (n != 8 * words || (*p)[n] != ':')
        return false;
    for (size_t i = 0; i < words; i++) {
        uint32_t word = (uint32_t)hex_value(*p + 8 * i, 8);
        memcpy(bytes + 4 * i, &word, 4);
    }
    *p += n + 1;
    return hex_run(p, 1, 4, port);
}

/* Require one or more spaces at *p and skip them. */
static bool spaces(const char **p)
{
    if (!isspace((unsigned char)**p))
        return false;
    *p = skip_spaces(*p);
    return true;
}

/* True if text is a well-formed line of that family, with its values in *l. */
static bool line_expected(const char *text, int family, struct line *l)
{
    const char *p = skip_spaces(text);
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p++ != ':')
        return false;
    p = skip_spaces(p);
    if (!endpoint_field(&p, family, l->local, &l->lport) || !spaces(&p) ||
        !endpoint_field(&p, family, l->remote, &l->rport) || !spaces(&p) || !hex_run(&p, 1, 2, &l->state))
        return false;
    for (int i = 0; i < 5; i++) { /* tx:rx tr:when retrnsmt uid timeout */
        if (!spaces(&p) || *p == '\0')
            return false;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
    if (!spaces(&p) || !isdigit((unsigned char)*p))
        return false;
    for (l->inode = 0; isdigit((unsigned char)*p); p++) {
        unsigned long d = (unsigned long)(*p - '0');
        if (l->inode > (ULONG_MAX - d) / 10)
            return false;
        l->inode = l->inode * 10 + d;
    }
    return *p == '\0' || isspace((unsigned char)*p);
}

/* Check that the sockaddr in ss is bytes and port for family. */
static void check_sockaddr(const char *what, const char *text, const struct sockaddr_storage *ss, int family,
                           const unsigned char bytes[16], unsigned long port)
{
    if (family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        fuzz_expect(sin6->sin6_family == AF_INET6 && sin6->sin6_port == htons((uint16_t)port) &&
                        memcmp(&sin6->sin6_addr, bytes, 16) == 0,
                    what, "family %d, another address or port (0x%04x) from %s", sin6->sin6_family,
                    ntohs(sin6->sin6_port), fuzz_quote(text));
    } else {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        fuzz_expect(sin->sin_family == AF_INET && sin->sin_port == htons((uint16_t)port) &&
                        memcmp(&sin->sin_addr, bytes, 4) == 0,
                    what, "family %d, another address or port (0x%04x) from %s", sin->sin_family,
                    ntohs(sin->sin_port), fuzz_quote(text));
    }
}

/* Parse text as a line of family and check it against line_expected. */
static void check_line(const char *text, int family)
{
    const char *table = family == AF_INET6 ? "tcp6" : "tcp";
    struct line l;
    struct procnet_entry e;
    memset(&l, 0, sizeof l);
    bool valid = line_expected(text, family, &l);
    errno = 0;
    int rc = procnet_parse_line(text, family, &e);
    if (rc == -1) {
        fuzz_expect(errno == EINVAL, "errno EINVAL for a line it refuses", "errno %d (%s) for the %s line %s",
                    errno, strerror(errno), table, fuzz_quote(text));
        return;
    }
    fuzz_expect(rc == 0, "0 or -1", "%d for %s", rc, fuzz_quote(text));
    fuzz_expect(valid, "procnet_parse_line to refuse a malformed line",
                "it accepted the %s line %s (local port 0x%x, state 0x%x, inode %lu)", table,
                fuzz_quote(text), ntohs(((const struct sockaddr_in *)&e.local)->sin_port), (unsigned)e.state,
                e.inode);
    socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    fuzz_expect(e.addrlen == len, "addrlen of the family's sockaddr", "%u for a %s line", (unsigned)e.addrlen,
                table);
    check_sockaddr("the local address and port of the line", text, &e.local, family, l.local, l.lport);
    check_sockaddr("the remote address and port of the line", text, &e.remote, family, l.remote, l.rport);
    fuzz_expect((unsigned long)e.state == l.state && e.inode == l.inode,
                "the state and the inode of the line", "state %d, inode %lu from %s", e.state, e.inode,
                fuzz_quote(text));
}

/* Print the socket described by the input the way the kernel does, into
 * line; return its family and fill *l with the values printed. */
static int kernel_line(const uint8_t *data, size_t size, char *line, size_t cap, struct line *l)
{
    struct fuzz_bytes in = {data, size};
    unsigned flags = fuzz_take_u8(&in);
    int family = flags & 1 ? AF_INET6 : AF_INET;
    bool timewait = flags & 2;
    uint16_t sl, lport, rport;
    uint32_t words[2][4], tx, rx, when, retr, uid;
    uint64_t inode;
    fuzz_take(&in, &sl, sizeof sl);
    fuzz_take(&in, words, sizeof words);
    fuzz_take(&in, &lport, sizeof lport);
    fuzz_take(&in, &rport, sizeof rport);
    unsigned state = fuzz_take_u8(&in), tr = fuzz_take_u8(&in) % 5;
    fuzz_take(&in, &tx, sizeof tx);
    fuzz_take(&in, &rx, sizeof rx);
    fuzz_take(&in, &when, sizeof when);
    fuzz_take(&in, &retr, sizeof retr);
    fuzz_take(&in, &uid, sizeof uid);
    fuzz_take(&in, &inode, sizeof inode);

    memset(l, 0, sizeof *l);
    memcpy(l->local, words[0], family == AF_INET6 ? 16 : 4);
    memcpy(l->remote, words[1], family == AF_INET6 ? 16 : 4);
    l->lport = lport;
    l->rport = rport;
    l->state = state;
    l->inode = timewait ? 0 : (unsigned long)inode;

    char local[40], remote[40];
    if (family == AF_INET6) {
        snprintf(local, sizeof local, "%08X%08X%08X%08X:%04X", words[0][0], words[0][1], words[0][2],
                 words[0][3], lport);
        snprintf(remote, sizeof remote, "%08X%08X%08X%08X:%04X", words[1][0], words[1][1], words[1][2],
                 words[1][3], rport);
    } else {
        snprintf(local, sizeof local, "%08X:%04X", words[0][0], lport);
        snprintf(remote, sizeof remote, "%08X:%04X", words[1][0], rport);
    }
    /* get_tcp4_sock / get_timewait4_sock and their tcp6 twins, from the
     * slot to the inode and the fields after it; %pK prints zeros. */
    if (timewait)
        snprintf(line, cap, "%4d: %s %s %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %016x\n", sl % 10000,
                 local, remote, state, 0u, 0u, 3u, (unsigned long)when, 0u, 0, 0, 0, 3, 0u);
    else
        snprintf(line, cap,
                 "%4d: %s %s %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %016x %lu %lu %u %u %d\n",
                 sl % 10000, local, remote, state, tx, rx, tr, (unsigned long)when, retr, uid,
                 (int)(retr % 100), (unsigned long)inode, 1, 0u, 20ul, 4ul, 1u, 10u, -1);
    return family;
}

static const char header[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1, 2: the input as a line of either table. */
    char *text = fuzz_string(data, size);
    check_line(text, AF_INET);
    check_line(text, AF_INET6);
    free(text);

    /* 3: a line the kernel would print. */
    char line[512];
    struct line l;
    struct procnet_entry e;
    int family = kernel_line(data, size, line, sizeof line, &l);
    int other = family == AF_INET6 ? AF_INET : AF_INET6;
    errno = 0;
    int rc = procnet_parse_line(line, family, &e);
    fuzz_expect(rc == 0, "procnet_parse_line to accept a line the kernel prints",
                "-1 (errno %d, %s) for the %s line %s", errno, strerror(errno),
                family == AF_INET6 ? "tcp6" : "tcp", fuzz_quote(line));
    const char *what =
        family == AF_INET6 ? "the values printed into a tcp6 line" : "the values printed into a tcp line";
    check_sockaddr(what, line, &e.local, family, l.local, l.lport);
    check_sockaddr(what, line, &e.remote, family, l.remote, l.rport);
    fuzz_expect((unsigned long)e.state == l.state && e.inode == l.inode, what, "state %d, inode %lu from %s",
                e.state, e.inode, fuzz_quote(line));
    struct line mine;
    memset(&mine, 0, sizeof mine);
    fuzz_expect(line_expected(line, family, &mine) && memcmp(&mine, &l, sizeof l) == 0,
                "this file's own reader (line_expected) to agree with the kernel's format",
                "it does not, for %s", fuzz_quote(line));
    fuzz_expect(procnet_parse_line(line, other, &e) == -1,
                "a line of one table refused as a line of the other",
                "the %s line %s was accepted as a %s line", family == AF_INET6 ? "tcp6" : "tcp",
                fuzz_quote(line), family == AF_INET6 ? "tcp" : "tcp6");

    /* 4: the header. */
    fuzz_expect(procnet_parse_line(header, AF_INET, &e) == -1 &&
                    procnet_parse_line(header, AF_INET6, &e) == -1,
                "the header line refused", "it was accepted: %s", fuzz_quote(header));
    return 0;
}
