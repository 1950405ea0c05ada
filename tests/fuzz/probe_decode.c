/*
 * probe_decode.c - fuzz lesson 06's probe_decode and probe_encode
 * (solutions/06-udp/probe.c): the payload of a udp_ping probe.
 *
 * Checks, for any bytes: probe_decode refuses fewer than PROBE_HEADER bytes
 * with EINVAL and reads none of them past the end; otherwise it gives the
 * seq of bytes 0-1 and the send time of bytes 2-9, both big-endian (network
 * byte order, read here byte by byte, not with the code under test); and
 * probe_encode of what it read, at the input's length, writes the same
 * header back and the filler i & 0xff after it.
 */
#define _GNU_SOURCE
#include "fuzz.h"
#include "probe.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *in = (unsigned char *)fuzz_alloc(size);
    in[0] = 0; /* fuzz_alloc gives one byte even for size 0 */
    if (size)
        memcpy(in, data, size);
    struct probe p = {.seq = 0x5a5a, .sent_ns = 42};
    errno = 0;
    int rc = probe_decode(in, size, &p);
    if (size < PROBE_HEADER) {
        fuzz_expect(rc == -1 && errno == EINVAL, "a probe shorter than its header refused with EINVAL",
                    "rc %d, errno %d, for %zu bytes", rc, errno, size);
        free(in);
        return 0;
    }
    uint64_t sent = 0;
    for (int i = 2; i < 10; i++)
        sent = sent << 8 | in[i];
    fuzz_expect(rc == 0, "a probe of PROBE_HEADER bytes or more accepted", "rc %d for %zu bytes", rc, size);
    fuzz_expect(p.seq == (in[0] << 8 | in[1]), "seq from bytes 0-1, big-endian", "%u from %02x %02x", p.seq,
                in[0], in[1]);
    fuzz_expect(p.sent_ns == sent, "the send time from bytes 2-9, big-endian", "%llu, not %llu",
                (unsigned long long)p.sent_ns, (unsigned long long)sent);
    unsigned char *out = (unsigned char *)fuzz_alloc(size);
    fuzz_expect(probe_encode(out, size, &p) == (int)size || size > (size_t)INT32_MAX,
                "probe_encode to return the size", "for %zu bytes", size);
    fuzz_expect(memcmp(out, in, PROBE_HEADER) == 0, "encode(decode(x)) to give x's header back",
                "another header");
    for (size_t i = PROBE_HEADER; i < size; i++)
        fuzz_expect(out[i] == (unsigned char)(i & 0xff), "the filler byte i & 0xff", "byte %zu is %02x", i,
                    out[i]);
    free(out);
    free(in);
    return 0;
}
