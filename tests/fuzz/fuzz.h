/*
 * fuzz.h - what the fuzz targets in tests/fuzz/ share.
 *
 * A target is one function, LLVMFuzzerTestOneInput(data, size), that hands
 * the input to one parser of the course and checks properties of what comes
 * back, not only that nothing crashed. When a property does not hold,
 * fuzz_expect() prints "expected X, but got Y" and aborts: libFuzzer saves
 * the input as a crash file, and the regression driver (driver.c) names it.
 *
 *   #include "fuzz.h"
 *   int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
 *   {
 *       char *text = fuzz_string(data, size);
 *       ...
 *       fuzz_expect(rc == 0, "parse_port to accept \"80\"", "rc %d", rc);
 *       free(text);
 *       return 0;
 *   }
 *
 * Everything here is static inline: each target includes it once.
 */
#ifndef SOCKLAB_FUZZ_H
#define SOCKLAB_FUZZ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "expected / but got" to stderr and abort, which is how a property
 * failure becomes a crash that libFuzzer saves and the driver reports. */
static inline void fuzz_fail(const char *expected, const char *got_fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
static inline void fuzz_fail(const char *expected, const char *got_fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\nfuzz: a property does not hold\n  expected: %s\n  but got:  ", expected);
    va_start(ap, got_fmt);
    vfprintf(stderr, got_fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

/* Check cond; on failure, fuzz_fail(expected, got...). */
#define fuzz_expect(cond, expected, ...)                                                                     \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            fuzz_fail(expected, __VA_ARGS__);                                                                \
    } while (0)

/* The input as a C string in a heap block of exactly size + 1 bytes, so
 * that AddressSanitizer sees a parser that reads past the terminating NUL.
 * A NUL inside the input ends the string early, as it would in a program.
 * The caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A heap block of exactly n bytes (at least 1, for n == 0), for output
 * buffers whose overflow AddressSanitizer must see. */
static inline char *fuzz_alloc(size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* s quoted as a C string literal with escapes, at most about 160
 * characters, for messages. Four rotating buffers: up to four quoted
 * strings can appear in one message. */
static inline const char *fuzz_quote(const char *s)
{
    static char bufs[4][200];
    static int next;
    char *out = bufs[next++ % 4], *o = out;
    *o++ = '"';
    for (; *s && o < out + 170; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            o += sprintf(o, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            *o++ = (char)c;
        else
            o += sprintf(o, "\\x%02x", c);
    }
    if (*s)
        o += sprintf(o, "...");
    *o++ = '"';
    *o = '\0';
    return out;
}

/* Bytes taken from the front of an input, zeros once it runs out: for
 * targets that build a structure (a sockaddr, a line) from raw bytes. */
struct fuzz_bytes {
    const uint8_t *p;
    size_t n;
};

static inline void fuzz_take(struct fuzz_bytes *in, void *out, size_t len)
{
    size_t k = len < in->n ? len : in->n;
    if (k)
        memcpy(out, in->p, k);
    memset((char *)out + k, 0, len - k);
    in->p += k;
    in->n -= k;
}

static inline unsigned fuzz_take_u8(struct fuzz_bytes *in)
{
    uint8_t v;
    fuzz_take(in, &v, sizeof v);
    return v;
}

#endif
