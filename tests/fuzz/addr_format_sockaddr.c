/*
 * addr_format_sockaddr.c - fuzz lesson 02's format_sockaddr, then read its
 * text back with parse_endpoint (solutions/02-addresses/addr.c).
 *
 * The input is a socket address built from raw bytes (layout in
 * check_format.h). Checks: a whole IPv4 or IPv6 address comes out exactly as
 * "ADDR:PORT" or "[ADDR]:PORT"; the buffer size is respected to the byte
 * (EAI_OVERFLOW one byte short); a short sockaddr or another family is
 * refused and never read past its length; and parse_endpoint reads every
 * text format_sockaddr writes back into the same family, address and port.
 * (addr_parse_endpoint.c checks the other way round: text, address, text.)
 */
#define _GNU_SOURCE
#include "addr.h"
#include "check_format.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t salen;
    char *text = check_format_sockaddr(format_sockaddr, data, size, &ss, &salen);
    if (!text)
        return 0;

    struct endpoint ep;
    const char *why = "(no reason given)";
    errno = 0;
    int rc = parse_endpoint(text, &ep, &why);
    fuzz_expect(rc == 0, "parse_endpoint to read back what format_sockaddr wrote",
                "parse_endpoint(%s) failed: %s", fuzz_quote(text), why);
    fuzz_expect(ep.addrlen == salen && ep.addr.ss_family == ss.ss_family,
                "the same family and address length", "parse_endpoint(%s) gave family %d, addrlen %u",
                fuzz_quote(text), ep.addr.ss_family, (unsigned)ep.addrlen);
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)&ep.addr;
        fuzz_expect(memcmp(&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0 &&
                        a->sin6_port == b->sin6_port && ep.port == ntohs(a->sin6_port),
                    "the same IPv6 address and port", "they differ after %s", fuzz_quote(text));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        const struct sockaddr_in *b = (const struct sockaddr_in *)&ep.addr;
        fuzz_expect(a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port &&
                        ep.port == ntohs(a->sin_port),
                    "the same IPv4 address and port", "they differ after %s", fuzz_quote(text));
    }
    free(text);
    return 0;
}
