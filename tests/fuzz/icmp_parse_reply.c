/*
 * icmp_parse_reply.c - fuzz lesson 08's ICMP parser and builder,
 * icmp_parse_reply, icmp_build_echo and inet_checksum
 * (solutions/08-raw-sockets/icmp.c).
 *
 * The first input byte picks the mode (bit 0: with_ip, a raw socket's
 * packet; else a ping socket's ICMP message); the rest is the packet. The
 * checks (icmp.h's contract):
 *   1. it never reads past the packet (AddressSanitizer: an exact heap block);
 *   2. it accepts exactly what icmp.h describes: with_ip, a valid IPv4
 *      header (by IHL) whose protocol is ICMP and whose total length leaves
 *      8 bytes of ICMP; without, 8 bytes or more. Refused: errno EINVAL;
 *   3. an accepted message's type, code, length and checksum_ok are its
 *      own; an echo's id and seq its own; an error's (3, 11) those of the
 *      echo request it quotes, or 0;
 *   4. icmp_build_echo of the input's id, seq and payload makes a message
 *      that sums to 0 and that icmp_parse_reply reads back.
 */
#define _GNU_SOURCE
#include "icmp.h"
#include "fuzz.h"
#include "icmp_ref.h"

#include <errno.h>

/* The id and seq an ICMP error at q (n bytes after its header) quotes, per icmp.h. */
static void quoted(const uint8_t *q, size_t n, uint16_t *id, uint16_t *seq)
{
    *id = *seq = 0;
    size_t hl = n >= 20 ? (size_t)(q[0] & 0x0f) * 4 : 0;
    if (n < 20 || q[0] >> 4 != 4 || hl < 20 || q[9] != 1 || hl > n || n - hl < 8 || q[hl] != 8)
        return;
    *id = ref_be16(q + hl + 4);
    *seq = ref_be16(q + hl + 6);
}

static void check_parse(const uint8_t *data, size_t n, bool with_ip)
{
    uint8_t *pkt = (uint8_t *)fuzz_alloc(n);
    memset(pkt, 0, n ? n : 1);
    if (n)
        memcpy(pkt, data, n);
    struct icmp_reply r;
    errno = 0;
    int rc = icmp_parse_reply(pkt, n, with_ip, &r);
    const uint8_t *icmp = data;
    size_t m = n;
    bool ok = true;
    if (with_ip) {
        size_t hl = ref_ip_header_len(data, n);
        ok = hl != 0 && data[9] == 1;
        if (ok) {
            icmp = data + hl;
            m = ref_be16(data + 2) - hl;
        }
    }
    ok = ok && m >= 8;
    if (!ok) {
        fuzz_expect(rc == -1 && errno == EINVAL,
                    "a packet without 8 bytes of ICMP behind a valid header refused (EINVAL)",
                    "rc %d errno %d (%zu bytes, with_ip %d)", rc, errno, n, with_ip);
    } else {
        fuzz_expect(rc == 0, "the packet accepted", "rc %d errno %d (%zu bytes, with_ip %d)", rc, errno, n,
                    with_ip);
        fuzz_expect(r.type == icmp[0] && r.code == icmp[1] && r.icmp_len == m && r.has_ip == with_ip,
                    "type, code, icmp_len and has_ip as the packet says", "%u %u %zu %d (want %u %u %zu)",
                    r.type, r.code, r.icmp_len, r.has_ip, icmp[0], icmp[1], m);
        fuzz_expect(r.checksum_ok == (ref_checksum(icmp, m) == 0), "checksum_ok as RFC 1071 says", "%d",
                    r.checksum_ok);
        uint16_t id = ref_be16(icmp + 4), seq = ref_be16(icmp + 6);
        if (icmp[0] == 3 || icmp[0] == 11)
            quoted(icmp + 8, m - 8, &id, &seq);
        fuzz_expect(r.id == id && r.seq == seq,
                    "the id and seq of the echo (or of the request an error quotes)",
                    "id %u seq %u, want %u %u (type %u)", r.id, r.seq, id, seq, icmp[0]);
    }
    free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    check_parse(data + 1, size - 1, data[0] & 1);
    /* 4: build an echo request from the input and read it back */
    struct fuzz_bytes in = {data + 1, size - 1};
    uint16_t id = (uint16_t)(fuzz_take_u8(&in) << 8 | fuzz_take_u8(&in));
    uint16_t seq = (uint16_t)(fuzz_take_u8(&in) << 8 | fuzz_take_u8(&in));
    size_t cap = in.n + 8 - (data[0] >> 1) % 3; /* sometimes 1 or 2 bytes short */
    uint8_t *buf = (uint8_t *)fuzz_alloc(cap);
    ssize_t len = icmp_build_echo(buf, cap, id, seq, in.p, in.n);
    if (cap < in.n + 8) {
        fuzz_expect(len == -1 && errno == EMSGSIZE, "EMSGSIZE for a buffer too small", "len %zd", len);
    } else {
        fuzz_expect(len == (ssize_t)(in.n + 8), "8 + payload bytes", "%zd for %zu", len, in.n);
        fuzz_expect(ref_checksum(buf, (size_t)len) == 0 && inet_checksum(buf, (size_t)len) == 0,
                    "an echo request that sums to 0 (its checksum right, stored big-endian)",
                    "checksum field %02x%02x", buf[2], buf[3]);
        struct icmp_reply r;
        fuzz_expect(icmp_parse_reply(buf, (size_t)len, false, &r) == 0 && r.type == 8 && r.id == id &&
                        r.seq == seq && r.checksum_ok && (in.n == 0 || memcmp(buf + 8, in.p, in.n) == 0),
                    "the echo request read back: type 8, its id, seq and payload", "type %u id %u seq %u",
                    r.type, r.id, r.seq);
    }
    free(buf);
    return 0;
}
