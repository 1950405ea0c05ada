/*
 * check_format.h - the properties of format_sockaddr (lesson 02, addr.c;
 * lesson 03 links the same file), for the fuzz targets that call it:
 *
 *   int format_sockaddr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size);
 *   Write sa as "192.0.2.1:80" or "[2001:db8::1]:443" into buf, numerically.
 *   Returns 0 or an EAI_* code, like getnameinfo (EAI_SYSTEM sets errno).
 *
 * The input is not text but a socket address, built from its bytes:
 *
 *   byte 0      what to build: 0 an IPv4 address, 1 an IPv6 address,
 *               2 one of them cut short (salen too small), 3 another family
 *   byte 1      the size of the output buffer for the boundary check
 *   byte 2      how much is cut off, for 2
 *   bytes 3-4   the port (big-endian); for 3, the family number
 *   then        the address (4 or 16 bytes), then the IPv6 flow label;
 *               missing bytes are zeros
 *
 * The sockaddr is put in a heap block of exactly salen bytes, so that
 * AddressSanitizer sees a formatter that reads past salen. The checks:
 *   1. a whole IPv4 or IPv6 address comes out as exactly "ADDR:PORT" or
 *      "[ADDR]:PORT", with ADDR as inet_ntop writes it and PORT in decimal
 *      (which catches a missing ntohs);
 *   2. with a buffer of exactly strlen + 1 bytes it succeeds, with one byte
 *      less it returns EAI_OVERFLOW, and for any smaller size it fails and
 *      writes nothing past the size;
 *   3. a sockaddr shorter than its family's, or of a family other than IPv4
 *      and IPv6, is refused with an EAI_* code, never read past its length.
 * The scope id of IPv6 addresses is left 0: a zone ("fe80::1%eth0") depends
 * on the machine's interfaces.
 */
#ifndef SOCKLAB_CHECK_FORMAT_H
#define SOCKLAB_CHECK_FORMAT_H

#include "fuzz.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef int format_sockaddr_fn(const struct sockaddr *sa, socklen_t salen, char *buf, size_t size);

/* Build the socket address the input describes into *ss (see above), and
 * its length into *salen. Returns the kind (0..3) and the buffer size byte. */
static inline int format_input(const uint8_t *data, size_t size, struct sockaddr_storage *ss,
                               socklen_t *salen, unsigned *bufsel)
{
    struct fuzz_bytes in = {data, size};
    int kind = (int)(fuzz_take_u8(&in) % 4);
    *bufsel = fuzz_take_u8(&in);
    unsigned cut = fuzz_take_u8(&in);
    uint16_t port = (uint16_t)(fuzz_take_u8(&in) << 8);
    port |= (uint16_t)fuzz_take_u8(&in);
    bool v6 = kind == 1 || (kind == 2 && (cut & 0x80));

    memset(ss, 0, sizeof *ss);
    if (v6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        fuzz_take(&in, &sin6->sin6_addr, sizeof sin6->sin6_addr);
        fuzz_take(&in, &sin6->sin6_flowinfo, sizeof sin6->sin6_flowinfo);
        *salen = sizeof *sin6;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        fuzz_take(&in, &sin->sin_addr, sizeof sin->sin_addr);
        *salen = sizeof *sin;
    }
    if (kind == 2)
        *salen = (socklen_t)((cut & 0x7f) % *salen); /* 0 .. one byte short */
    if (kind == 3) {
        sa_family_t family = port; /* any number but the three getnameinfo knows */
        if (family == AF_INET || family == AF_INET6 || family == AF_UNIX)
            family = AF_UNSPEC;
        ss->ss_family = family;
        *salen = sizeof *ss;
    }
    return kind;
}

/* What format_sockaddr must write for a whole IPv4 or IPv6 address. */
static inline void format_expected(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char addr[INET6_ADDRSTRLEN];
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof addr);
        snprintf(out, size, "[%s]:%u", addr, ntohs(sin6->sin6_port));
    } else {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof addr);
        snprintf(out, size, "%s:%u", addr, ntohs(sin->sin_port));
    }
}

/* Call format on a copy of the sockaddr in a heap block of exactly salen
 * bytes, into a heap buffer of exactly size bytes (a 1-byte block holding a
 * guard when size is 0). Returns its result; the text, if any, in *text. */
static inline int format_exactly(format_sockaddr_fn *format, const struct sockaddr_storage *ss,
                                 socklen_t salen, size_t size, char **text)
{
    struct sockaddr *sa = (struct sockaddr *)fuzz_alloc(salen);
    memcpy(sa, ss, salen);
    char *buf = fuzz_alloc(size);
    if (size == 0)
        buf[0] = '#';
    int rc = format(sa, salen, buf, size);
    free(sa);
    if (size == 0)
        fuzz_expect(buf[0] == '#', "format_sockaddr to write nothing into a buffer of size 0",
                    "it wrote 0x%02x", (unsigned char)buf[0]);
    *text = buf;
    return rc;
}

/* Run the checks above. Returns the formatted text (the caller frees it)
 * and fills *ss and *salen when the input was a whole IPv4 or IPv6 address,
 * so that the caller can check more (lesson 02 parses it back); else NULL. */
static inline char *check_format_sockaddr(format_sockaddr_fn *format, const uint8_t *data, size_t size,
                                          struct sockaddr_storage *ss, socklen_t *salen)
{
    unsigned bufsel;
    int kind = format_input(data, size, ss, salen, &bufsel);
    char *text;
    int rc = format_exactly(format, ss, *salen, 100, &text);
    if (kind >= 2) {
        fuzz_expect(rc != 0,
                    kind == 2 ? "an EAI_* code for a sockaddr shorter than its family's"
                              : "an EAI_* code for a family that is not IPv4 or IPv6",
                    "0 and %s for family %d, salen %u", fuzz_quote(text), ss->ss_family, (unsigned)*salen);
        free(text);
        return NULL;
    }
    char want[100];
    format_expected(ss, want, sizeof want);
    fuzz_expect(rc == 0, "format_sockaddr to format a whole IPv4 or IPv6 address", "EAI code %d (%s) for %s",
                rc, gai_strerror(rc), want);
    fuzz_expect(strcmp(text, want) == 0, "the address as inet_ntop writes it, then the port",
                "%s where %s was expected", fuzz_quote(text), fuzz_quote(want));

    /* The boundary: len + 1 bytes are enough, len are not, fewer never overflow. */
    size_t len = strlen(want), small = bufsel % (len + 1);
    char *exact, *shorter, *tiny;
    int rc_exact = format_exactly(format, ss, *salen, len + 1, &exact);
    int rc_short = format_exactly(format, ss, *salen, len, &shorter);
    int rc_tiny = format_exactly(format, ss, *salen, small, &tiny);
    fuzz_expect(rc_exact == 0 && strcmp(exact, want) == 0,
                "success with a buffer of exactly strlen + 1 bytes", "EAI code %d for %s in %zu bytes",
                rc_exact, want, len + 1);
    fuzz_expect(rc_short == EAI_OVERFLOW, "EAI_OVERFLOW with one byte too few",
                "EAI code %d for %s in %zu bytes", rc_short, want, len);
    fuzz_expect(rc_tiny != 0, "an EAI_* code for a buffer too small", "0 for %s in %zu bytes", want, small);
    free(exact);
    free(shorter);
    free(tiny);
    return text;
}

#endif
