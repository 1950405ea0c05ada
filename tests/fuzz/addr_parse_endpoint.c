/*
 * addr_parse_endpoint.c - fuzz lesson 02's parse_endpoint, and its round
 * trip through format_sockaddr (solutions/02-addresses/addr.c).
 *
 * The input is the text of an endpoint. What parse_endpoint must do with it
 * is written here from the contract in addr.h, independently of addr.c:
 * a text is valid when, split at its last ':', it is HOST ":" PORT with
 *   PORT  one or more digits, value 0..65535 (as in check_port.h), and
 *   HOST  "[" IPv6 "]"   an IPv6 literal in brackets (inet_pton), or
 *         IPv4           an IPv4 literal (inet_pton: four numbers 0-255), or
 *         NAME           letters, digits, '-', '.', '_', not only digits and
 *                        dots (that is a bad IPv4 address), shorter than
 *                        NI_MAXHOST.
 * The checks:
 *   1. parse_endpoint accepts exactly the valid texts;
 *   2. when it accepts: ep->host is HOST without brackets, ep->port is PORT,
 *      and ep->addr is the literal's sockaddr_in or sockaddr_in6 with the
 *      port in network order (addrlen 0 for a name);
 *   3. when it refuses: -1 and a reason of one line; errno ERANGE when only
 *      the port is wrong, by being digits above 65535; EINVAL or ERANGE
 *      when that port and something else are wrong; else EINVAL;
 *   4. the round trip: for a literal, format_sockaddr writes a text that
 *      parse_endpoint reads back into the same address and port, and
 *      formatting that again gives the same text (a fixed point);
 *   5. nothing reads past the text (AddressSanitizer).
 */
#define _GNU_SOURCE
#include "addr.h"
#include "check_port.h"
#include "fuzz.h"

#include <arpa/inet.h>
#include <errno.h>

/* What parse_endpoint must make of a valid text. */
struct expected {
    char host[NI_MAXHOST];
    uint16_t port;
    int family; /* AF_INET or AF_INET6 for a literal, 0 for a name */
    unsigned char addr[16];
};

/* True if s is a host name the contract accepts. */
static bool name_valid(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len >= NI_MAXHOST || strspn(s, "0123456789.") == len)
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") == len;
}

/* Decide whether the host part text[0..len) with a port is valid; fill *x. */
static bool host_valid(const char *text, size_t len, struct expected *x)
{
    if (len >= sizeof x->host + 2)
        return false;
    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        memcpy(x->host, text + 1, len - 2);
        x->host[len - 2] = '\0';
        x->family = AF_INET6;
        return inet_pton(AF_INET6, x->host, x->addr) == 1;
    }
    if (len >= sizeof x->host)
        return false;
    memcpy(x->host, text, len);
    x->host[len] = '\0';
    x->family = AF_INET;
    if (inet_pton(AF_INET, x->host, x->addr) == 1)
        return true;
    x->family = 0;
    return name_valid(x->host);
}

/* Either errno will do: the port is too big and the host is wrong too. */
#define EINVAL_OR_ERANGE (-1)

/* 0 if text is valid (with *x filled), else the errno parse_endpoint must
 * set: ERANGE when the text would be valid but for a port above 65535. */
static int endpoint_expected(const char *text, struct expected *x)
{
    const char *colon = strrchr(text, ':');
    if (!colon)
        return EINVAL;
    bool host_ok = host_valid(text, (size_t)(colon - text), x);
    int port_err = port_expected(colon + 1, &x->port); /* check_port.h */
    if (port_err == 0)
        return host_ok ? 0 : EINVAL;
    if (port_err == EINVAL)
        return EINVAL;
    return host_ok ? ERANGE : EINVAL_OR_ERANGE;
}

/* Check that ep holds what x says. */
static void check_accepted(const char *text, const struct endpoint *ep, const struct expected *x)
{
    fuzz_expect(strcmp(ep->host, x->host) == 0, "ep->host to be the host without brackets", "%s from %s",
                fuzz_quote(ep->host), fuzz_quote(text));
    fuzz_expect(ep->port == x->port, "ep->port to be the port", "%u from %s", ep->port, fuzz_quote(text));
    if (x->family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ep->addr;
        fuzz_expect(ep->addrlen == sizeof *sin6 && sin6->sin6_family == AF_INET6,
                    "a sockaddr_in6 for an IPv6 literal", "family %d, addrlen %u from %s", sin6->sin6_family,
                    (unsigned)ep->addrlen, fuzz_quote(text));
        fuzz_expect(memcmp(&sin6->sin6_addr, x->addr, 16) == 0 && sin6->sin6_scope_id == 0,
                    "the IPv6 address inet_pton reads", "another address from %s", fuzz_quote(text));
        fuzz_expect(sin6->sin6_port == htons(x->port), "the port in network byte order",
                    "sin6_port 0x%04x for port %u", sin6->sin6_port, x->port);
    } else if (x->family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ep->addr;
        fuzz_expect(ep->addrlen == sizeof *sin && sin->sin_family == AF_INET,
                    "a sockaddr_in for an IPv4 literal", "family %d, addrlen %u from %s", sin->sin_family,
                    (unsigned)ep->addrlen, fuzz_quote(text));
        fuzz_expect(memcmp(&sin->sin_addr, x->addr, 4) == 0, "the IPv4 address inet_pton reads",
                    "another address from %s", fuzz_quote(text));
        fuzz_expect(sin->sin_port == htons(x->port), "the port in network byte order",
                    "sin_port 0x%04x for port %u", sin->sin_port, x->port);
    } else {
        fuzz_expect(ep->addrlen == 0, "addrlen 0 for a host name", "addrlen %u from %s",
                    (unsigned)ep->addrlen, fuzz_quote(text));
    }
}

/* Format a literal's address, parse it back, format again: the address and
 * port must survive, and the second text must be the first. */
static void check_round_trip(const char *text, const struct endpoint *ep)
{
    char once[ADDR_STRLEN], twice[ADDR_STRLEN];
    int rc = format_sockaddr((const struct sockaddr *)&ep->addr, ep->addrlen, once, sizeof once);
    fuzz_expect(rc == 0, "format_sockaddr to format what parse_endpoint built", "EAI code %d (%s) after %s",
                rc, gai_strerror(rc), fuzz_quote(text));
    struct endpoint back;
    const char *why = "(no reason given)";
    fuzz_expect(parse_endpoint(once, &back, &why) == 0,
                "parse_endpoint to read back what format_sockaddr wrote", "%s -> %s refused: %s",
                fuzz_quote(text), fuzz_quote(once), why);
    fuzz_expect(back.addrlen == ep->addrlen && memcmp(&back.addr, &ep->addr, ep->addrlen) == 0 &&
                    back.port == ep->port,
                "the same address and port after a round trip", "%s -> %s -> another one", fuzz_quote(text),
                fuzz_quote(once));
    rc = format_sockaddr((const struct sockaddr *)&back.addr, back.addrlen, twice, sizeof twice);
    fuzz_expect(rc == 0 && strcmp(once, twice) == 0, "formatting twice to give the same text", "%s, then %s",
                fuzz_quote(once), fuzz_quote(twice));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    static struct expected x; /* static: NI_MAXHOST is big for a stack frame */
    static struct endpoint ep;
    memset(&x, 0, sizeof x);
    int want = endpoint_expected(text, &x);
    const char *why = NULL;
    errno = 0;
    int rc = parse_endpoint(text, &ep, &why);
    int err = errno;

    if (want == 0) {
        fuzz_expect(rc == 0, "parse_endpoint to accept a valid endpoint", "it refused %s: %s",
                    fuzz_quote(text), why ? why : "(no reason)");
        check_accepted(text, &ep, &x);
        if (ep.addrlen)
            check_round_trip(text, &ep);
    } else {
        fuzz_expect(rc == -1, "parse_endpoint to refuse an invalid endpoint",
                    "it accepted %s as host %s, port %u", fuzz_quote(text), fuzz_quote(ep.host), ep.port);
        fuzz_expect(err == want || (want == EINVAL_OR_ERANGE && (err == EINVAL || err == ERANGE)),
                    want == ERANGE   ? "errno ERANGE (only the port is too big)"
                    : want == EINVAL ? "errno EINVAL"
                                     : "errno EINVAL or ERANGE",
                    "errno %d (%s) for %s", err, strerror(err), fuzz_quote(text));
        fuzz_expect(why && *why && !strchr(why, '\n'), "a reason of one line in *why", "%s for %s",
                    why ? fuzz_quote(why) : "NULL", fuzz_quote(text));
    }
    free(text);
    return 0;
}
