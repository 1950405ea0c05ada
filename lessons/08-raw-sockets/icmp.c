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
    (void)data;
    (void)len;
    return 0;
}

ssize_t icmp_build_echo(uint8_t *buf, size_t cap, uint16_t id, uint16_t seq, const void *payload,
                        size_t payload_len)
{
    /* TODO: refuse (EMSGSIZE) a packet over cap; write type 8, code 0, a
     * zero checksum, id and seq (big-endian), then the payload; compute
     * inet_checksum over all of it and store it big-endian at bytes 2-3.
     * Chapter: 'An echo request, byte by byte'. */
    (void)buf;
    (void)cap;
    (void)id;
    (void)seq;
    (void)payload;
    (void)payload_len;
    errno = ENOSYS;
    return -1;
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
    (void)pkt;
    (void)len;
    (void)out;
    errno = ENOSYS;
    return -1;
}

int icmp_parse_reply(const uint8_t *pkt, size_t len, bool with_ip, struct icmp_reply *out)
{
    /* TODO: with_ip: ip_parse_header (refuse what it refuses), the
     * protocol must be IPPROTO_ICMP, and ICMP starts at the header length
     * it returns and ends at the total length. The ICMP part must hold 8
     * bytes. Fill type, code, id, seq (bytes 4-7 of an echo; of the
     * quoted request in an error 3 or 11), checksum_ok (inet_checksum over
     * the ICMP message is 0) and icmp_len. Chapter: 'Reading a reply'. */
    (void)pkt;
    (void)len;
    (void)with_ip;
    (void)out;
    errno = ENOSYS;
    return -1;
}
