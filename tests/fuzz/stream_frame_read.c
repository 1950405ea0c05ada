/*
 * stream_frame_read.c - fuzz lesson 05's frame_read (solutions/05-tcp-client/stream.c).
 *
 * The input: 2 bytes of a maximum (big-endian, 0..65535), then the bytes a
 * peer sends on a TCP-like stream (a Unix stream socket pair, closed after
 * them). frame_read is called until it returns 0 or -1, and each result is
 * checked against stream.h's contract, read independently from the bytes:
 * each frame has the big-endian length of its prefix and exactly the bytes
 * after it; a length over the maximum is EMSGSIZE with that length in *len
 * (and, as nothing may be allocated before the check, a length of 4 GiB
 * never reaches malloc: AddressSanitizer would abort on it); an end of
 * file inside a prefix or a payload is EPROTO; an end of file between
 * frames is 0.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "stream.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/* The stream's bytes at most: all of them fit in the socket pair's buffer. */
#define MAX_STREAM 65536

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Check one frame_read result against the bytes at s (n of them left).
 * Returns how many bytes the frame took, or 0 when reading must stop. */
static size_t check_one(int fd, size_t max, const uint8_t *s, size_t n)
{
    void *payload = NULL;
    size_t len = 0;
    errno = 0;
    int rc = frame_read(fd, max, &payload, &len);
    if (n == 0) {
        fuzz_expect(rc == 0, "0 at end of file between frames", "rc %d (errno %d)", rc, errno);
        return 0;
    }
    if (n < FRAME_HEADER) {
        fuzz_expect(rc == -1 && errno == EPROTO, "-1 EPROTO for a prefix cut short", "rc %d errno %d", rc,
                    errno);
        return 0;
    }
    uint32_t want = be32(s);
    if (want > max) {
        fuzz_expect(rc == -1 && errno == EMSGSIZE && len == want, "-1 EMSGSIZE and *len = the refused length",
                    "rc %d errno %d len %zu for a length of %u over %zu", rc, errno, len, (unsigned)want,
                    max);
        return 0;
    }
    if (n - FRAME_HEADER < want) {
        fuzz_expect(rc == -1 && errno == EPROTO, "-1 EPROTO for a payload cut short",
                    "rc %d errno %d for %u bytes announced, %zu there", rc, errno, (unsigned)want,
                    n - FRAME_HEADER);
        return 0;
    }
    fuzz_expect(rc == 1 && len == want, "1 and the announced length", "rc %d errno %d len %zu, want %u", rc,
                errno, len, (unsigned)want);
    fuzz_expect(payload != NULL && (want == 0 || memcmp(payload, s + FRAME_HEADER, want) == 0),
                "the payload to be the bytes after the prefix", "other bytes");
    free(payload);
    return FRAME_HEADER + want;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size - 2 > MAX_STREAM)
        return 0;
    size_t max = (size_t)data[0] << 8 | data[1];
    const uint8_t *s = data + 2;
    size_t n = size - 2;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
        abort();
    int big = 4 * MAX_STREAM;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    for (size_t at = 0; at < n;) {
        ssize_t w = write(sv[0], s + at, n - at);
        if (w <= 0)
            abort();
        at += (size_t)w;
    }
    close(sv[0]);
    for (size_t took; (took = check_one(sv[1], max, s, n)) > 0;) {
        s += took;
        n -= took;
    }
    close(sv[1]);
    return 0;
}
