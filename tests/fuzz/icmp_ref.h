/*
 * icmp_ref.h - what the lesson 08 fuzz targets (ip_parse_header,
 * icmp_parse_reply) hold the student's parsers to: the RFC 1071 checksum
 * and the IPv4 header's validity rules, written again here from icmp.h's
 * contracts (never from the code under test).
 */
#ifndef SOCKLAB_ICMP_REF_H
#define SOCKLAB_ICMP_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The RFC 1071 checksum of n bytes (big-endian words, an odd last byte padded). */
static inline uint16_t ref_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i += 2)
        sum += (uint32_t)(p[i] << 8) + (i + 1 < n ? p[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline uint16_t ref_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The header's length if the n bytes at p start with an IPv4 header that
 * icmp.h says ip_parse_header accepts, else 0. */
static inline size_t ref_ip_header_len(const uint8_t *p, size_t n)
{
    if (n < 20 || p[0] >> 4 != 4)
        return 0;
    size_t hl = (size_t)(p[0] & 0x0f) * 4, total = ref_be16(p + 2);
    if (hl < 20 || hl > n || total < hl || total > n)
        return 0;
    return hl;
}

#endif
