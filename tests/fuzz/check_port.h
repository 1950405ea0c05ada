/*
 * check_port.h - the properties of parse_port (lesson 02, addr.c; lesson 03
 * links the same file), for the fuzz targets that call it:
 *
 *   int parse_port(const char *text, uint16_t *port);
 *   Parse a decimal port number "0".."65535" (digits only) into *port.
 *   Returns 0, or -1 with errno EINVAL (not a number) or ERANGE (too big).
 *
 * The checks:
 *   1. parse_port accepts exactly the texts that are one or more decimal
 *      digits with a value 0..65535 ("080" is 80: only digits were asked
 *      for), and gives that value;
 *   2. it refuses everything else: EINVAL for an empty text or any character
 *      that is not a digit (a sign, a space, "0x"), ERANGE for digits whose
 *      value is above 65535, however many there are;
 *   3. every port 0..65535 written in decimal is accepted (the port is made
 *      from the first two bytes of the input, so the fuzzer reaches them all);
 *   4. it never reads past the end of the text (AddressSanitizer).
 */
#ifndef SOCKLAB_CHECK_PORT_H
#define SOCKLAB_CHECK_PORT_H

#include "fuzz.h"

#include <errno.h>
#include <stdbool.h>

typedef int parse_port_fn(const char *text, uint16_t *port);

/* What parse_port must do with text: 0 with *port set, or the errno it must
 * fail with. Written from the contract, not from any one implementation. */
static inline int port_expected(const char *text, uint16_t *port)
{
    if (*text == '\0')
        return EINVAL;
    unsigned long value = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return EINVAL;
        value = value * 10 + (unsigned long)(*p - '0');
        if (value > 65535)
            value = 65536; /* stays too big whatever digits follow */
    }
    if (value > 65535)
        return ERANGE; /* all digits (a non-digit returned EINVAL above) */
    *port = (uint16_t)value;
    return 0;
}

/* Run parse_port on text and check it against port_expected. */
static inline void check_port_text(parse_port_fn *parse_port, const char *text)
{
    uint16_t want = 0, got = 12345;
    int err = port_expected(text, &want);
    errno = 0;
    int rc = parse_port(text, &got);
    int saved = errno;
    if (err == 0) {
        fuzz_expect(rc == 0, "parse_port to accept a decimal port 0..65535",
                    "parse_port(%s) returned %d (errno %d: %s)", fuzz_quote(text), rc, saved,
                    strerror(saved));
        fuzz_expect(got == want, "the port's value", "parse_port(%s) gave %u, not %u", fuzz_quote(text), got,
                    want);
    } else {
        fuzz_expect(rc == -1,
                    err == ERANGE ? "parse_port to refuse a port above 65535"
                                  : "parse_port to refuse a text that is not digits",
                    "parse_port(%s) returned %d and port %u", fuzz_quote(text), rc, got);
        fuzz_expect(saved == err, err == ERANGE ? "errno ERANGE (too big)" : "errno EINVAL (not a number)",
                    "parse_port(%s) set errno %d (%s)", fuzz_quote(text), saved, strerror(saved));
    }
}

static inline int check_parse_port(parse_port_fn *parse_port, const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    check_port_text(parse_port, text);
    free(text);

    char decimal[sizeof "65535"];
    uint16_t port = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : (size ? data[0] : 0);
    snprintf(decimal, sizeof decimal, "%u", port);
    check_port_text(parse_port, decimal);
    return 0;
}

#endif
