/*
 * icmp.c - the RFC 1071 checksum, an ICMP echo request, and the IPv4 and
 * ICMP parsers. The contracts are in icmp.h. Nothing here prints or exits.
 *
 * Every multi-byte field is read and written one byte at a time, big-endian
 * (network byte order), so that nothing depends on the host's byte order or
 * on the alignment of a buffer.
 */
#include "icmp.h"

#include <errno.h>
#include <string.h>

/* A big-endian 16-bit field at p. */
static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Store v big-endian at p. */
static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

uint16_t inet_checksum(const void *data, size_t len)
{
    /* TODO: add up the data as big-endian 16-bit words in a 32-bit sum (an
     * odd last byte is the high byte of a word whose low byte is 0), fold
     * the carries back in (sum = (sum & 0xffff) + (sum >> 16), until none
     * is left) and return the complement of the low 16 bits. Chapter:
     * 'The Internet checksum'. */
    /* BEGIN SOLUTION */
    const uint8_t *p = data;
    uint32_t sum = 0;
    size_t i;
    for (i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (i < len) /* an odd last byte: padded with a zero byte */
        sum += (uint32_t)p[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)data;
    (void)len;
    return 0;
    END SKELETON */
}

ssize_t icmp_build_echo(uint8_t *buf, size_t cap, uint16_t id, uint16_t seq, const void *payload,
                        size_t payload_len)
{
    /* TODO: refuse (EMSGSIZE) a packet over cap; write type 8, code 0, a
     * zero checksum, id and seq (big-endian), then the payload; compute
     * inet_checksum over all of it and store it big-endian at bytes 2-3.
     * Chapter: 'An echo request, byte by byte'. */
    /* BEGIN SOLUTION */
    if (payload_len > cap || cap - payload_len < ICMP_HEADER_LEN) {
        errno = EMSGSIZE;
        return -1;
    }
    buf[0] = ICMP_TYPE_ECHO_REQUEST;
    buf[1] = 0;
    put16(buf + 2, 0); /* the checksum is computed with this field 0 */
    put16(buf + 4, id);
    put16(buf + 6, seq);
    if (payload_len > 0)
        memcpy(buf + ICMP_HEADER_LEN, payload, payload_len);
    size_t len = ICMP_HEADER_LEN + payload_len;
    put16(buf + 2, inet_checksum(buf, len));
    return (ssize_t)len;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)buf;
    (void)cap;
    (void)id;
    (void)seq;
    (void)payload;
    (void)payload_len;
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int ip_parse_header(const uint8_t *pkt, size_t len, struct ip_info *out)
{
    /* TODO: check len >= 20 and the version (the high 4 bits of byte 0)
     * is 4; the header length is IHL (the low 4 bits) * 4: refuse IHL < 5
     * or a header longer than len; total length (bytes 2-3) must be at
     * least the header and at most len. Fill *out: ttl (byte 8), protocol
     * (9), id (4-5), the flags and fragment offset (6-7: DF 0x4000, MF
     * 0x2000, offset in 8-byte units), source (12-15) and destination
     * (16-19) as they are (already network order), and whether
     * inet_checksum over the header is 0. Return the header length, or -1
     * with errno EINVAL. Never a fixed 20. Chapter: 'Reading the IPv4 header'. */
    /* BEGIN SOLUTION */
    if (len < IP_MIN_HEADER_LEN || pkt[0] >> 4 != 4)
        goto bad;
    size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
    size_t total = get16(pkt + 2);
    if (hlen < IP_MIN_HEADER_LEN || hlen > len || total < hlen || total > len)
        goto bad;
    uint16_t frag = get16(pkt + 6);
    *out = (struct ip_info){
        .header_len = hlen,
        .total_len = total,
        .ttl = pkt[8],
        .protocol = pkt[9],
        .id = get16(pkt + 4),
        .dont_fragment = (frag & 0x4000) != 0,
        .more_fragments = (frag & 0x2000) != 0,
        .frag_offset = (uint16_t)((frag & 0x1fff) * 8),
        .checksum_ok = inet_checksum(pkt, hlen) == 0,
    };
    memcpy(&out->src, pkt + 12, 4);
    memcpy(&out->dst, pkt + 16, 4);
    return (int)hlen;
bad:
    errno = EINVAL;
    return -1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)pkt;
    (void)len;
    (void)out;
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

/* BEGIN SOLUTION */
/* The id and sequence of the echo request that an ICMP error quotes at
 * q (n bytes: the request's IPv4 header, then at least 8 bytes of it), or
 * both 0 when it quotes less or something else. */
static void icmp_quoted_echo(const uint8_t *q, size_t n, struct icmp_reply *out)
{
    size_t qhlen = n > 0 ? (size_t)(q[0] & 0x0f) * 4 : 0;
    out->id = out->seq = 0;
    if (n < IP_MIN_HEADER_LEN || q[0] >> 4 != 4 || qhlen < IP_MIN_HEADER_LEN || q[9] != IPPROTO_ICMP ||
        qhlen > n || n - qhlen < ICMP_HEADER_LEN || q[qhlen] != ICMP_TYPE_ECHO_REQUEST)
        return;
    out->id = get16(q + qhlen + 4);
    out->seq = get16(q + qhlen + 6);
}

/* END SOLUTION */
int icmp_parse_reply(const uint8_t *pkt, size_t len, bool with_ip, struct icmp_reply *out)
{
    /* TODO: with_ip: ip_parse_header (refuse what it refuses), the
     * protocol must be IPPROTO_ICMP, and ICMP starts at the header length
     * it returns and ends at the total length. The ICMP part must hold 8
     * bytes. Fill type, code, id, seq (bytes 4-7 of an echo; of the
     * quoted request in an error 3 or 11), checksum_ok (inet_checksum over
     * the ICMP message is 0) and icmp_len. Chapter: 'Reading a reply'. */
    /* BEGIN SOLUTION */
    memset(out, 0, sizeof *out);
    const uint8_t *icmp = pkt;
    size_t n = len;
    if (with_ip) {
        int hlen = ip_parse_header(pkt, len, &out->ip);
        if (hlen == -1)
            return -1;
        if (out->ip.protocol != IPPROTO_ICMP) {
            errno = EINVAL;
            return -1;
        }
        out->has_ip = true;
        icmp = pkt + hlen;
        n = out->ip.total_len - (size_t)hlen;
    }
    if (n < ICMP_HEADER_LEN) {
        errno = EINVAL;
        return -1;
    }
    out->type = icmp[0];
    out->code = icmp[1];
    out->checksum_ok = inet_checksum(icmp, n) == 0;
    out->icmp_len = n;
    if (out->type == ICMP_TYPE_UNREACHABLE || out->type == ICMP_TYPE_TIME_EXCEEDED) {
        icmp_quoted_echo(icmp + ICMP_HEADER_LEN, n - ICMP_HEADER_LEN, out);
    } else {
        out->id = get16(icmp + 4);
        out->seq = get16(icmp + 6);
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)pkt;
    (void)len;
    (void)with_ip;
    (void)out;
    errno = ENOSYS;
    return -1;
    END SKELETON */
}
