/*
 * ip_parse_header.c - fuzz lesson 08's IPv4 header parser, ip_parse_header
 * (solutions/08-raw-sockets/icmp.c).
 *
 * The checks (icmp.h's contract):
 *   1. it never reads past the len bytes it is given (AddressSanitizer: the
 *      input sits in a heap block of exactly that size);
 *   2. it accepts exactly the headers icmp.h describes (at least 20 bytes,
 *      version 4, IHL of 5 or more and within len, a total length from the
 *      header's length to len): never a fixed 20 bytes. It returns IHL * 4
 *      and the header's own fields; checksum_ok says whether the header's
 *      checksum is right. What it refuses, it refuses with errno EINVAL;
 *   3. the input's bytes made into a valid header (version 4, an IHL from
 *      them, a right checksum) are accepted with checksum_ok.
 */
#define _GNU_SOURCE
#include "icmp.h"
#include "fuzz.h"
#include "icmp_ref.h"

#include <errno.h>

/* Parse the n bytes at data (copied to an exact heap block) and check the result. */
static void check(const uint8_t *data, size_t n)
{
    uint8_t *pkt = (uint8_t *)fuzz_alloc(n);
    memset(pkt, 0, n ? n : 1);
    if (n)
        memcpy(pkt, data, n);
    struct ip_info ip;
    errno = 0;
    int rc = ip_parse_header(pkt, n, &ip);
    size_t want = ref_ip_header_len(data, n);
    if (want == 0) {
        fuzz_expect(rc == -1 && errno == EINVAL, "a bad IPv4 header refused with EINVAL",
                    "rc %d errno %d (%zu bytes)", rc, errno, n);
    } else {
        fuzz_expect(rc == (int)want, "the header's length IHL * 4", "rc %d, IHL * 4 = %zu", rc, want);
        fuzz_expect(ip.header_len == want && ip.total_len == ref_be16(data + 2) && ip.ttl == data[8] &&
                        ip.protocol == data[9] && ip.id == ref_be16(data + 4),
                    "header_len, total_len, ttl, protocol and id as the header holds them",
                    "%zu %zu %u %u %u", ip.header_len, ip.total_len, ip.ttl, ip.protocol, ip.id);
        fuzz_expect(memcmp(&ip.src, data + 12, 4) == 0 && memcmp(&ip.dst, data + 16, 4) == 0,
                    "the addresses as they are in the header", "other addresses");
        fuzz_expect(ip.dont_fragment == ((data[6] & 0x40) != 0) &&
                        ip.more_fragments == ((data[6] & 0x20) != 0) &&
                        ip.frag_offset == (uint16_t)((ref_be16(data + 6) & 0x1fff) * 8),
                    "DF, MF and the fragment offset in bytes", "%d %d %u", ip.dont_fragment,
                    ip.more_fragments, ip.frag_offset);
        bool sum_ok = ref_checksum(data, want) == 0;
        fuzz_expect(ip.checksum_ok == sum_ok, "checksum_ok as RFC 1071 says",
                    "%d for a header that sums to %s", ip.checksum_ok, sum_ok ? "0" : "non-zero");
    }
    free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);
    if (size >= 20) { /* 3: made valid, with a right checksum */
        uint8_t *v = (uint8_t *)fuzz_alloc(size);
        memcpy(v, data, size);
        size_t ihl = 5 + (size_t)(data[0] & 0x0f) % 11;
        if (ihl * 4 > size)
            ihl = 5;
        v[0] = (uint8_t)(0x40 | ihl);
        v[2] = (uint8_t)(size >> 8), v[3] = (uint8_t)size;
        if (size > 0xffff)
            v[2] = v[3] = 0xff;
        v[10] = v[11] = 0;
        uint16_t c = ref_checksum(v, ihl * 4);
        v[10] = (uint8_t)(c >> 8), v[11] = (uint8_t)c;
        struct ip_info ip;
        int rc = ip_parse_header(v, size, &ip);
        fuzz_expect(rc == (int)(ihl * 4) && ip.checksum_ok,
                    "a valid header with a right checksum accepted, checksum_ok",
                    "rc %d checksum_ok %d (IHL %zu)", rc, rc == -1 ? 0 : ip.checksum_ok, ihl);
        free(v);
    }
    return 0;
}
