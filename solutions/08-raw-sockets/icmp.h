/*
 * icmp.h - IPv4 and ICMP headers by hand: the RFC 1071 checksum, an echo
 * request built byte by byte, and the parsers of what a raw socket hands
 * back (an IPv4 header, then ICMP).
 *
 * With SOCK_RAW the kernel no longer builds or checks the transport header
 * for you: you write the ICMP header and its checksum, and every packet
 * you read starts with the IPv4 header, whose length is in the packet
 * (IHL, in 32-bit words: 20 bytes without options, up to 60 with them).
 * Everything read from the network is hostile: these functions never read
 * past the `len` they are given, and refuse what does not fit.
 *
 * Used by myping (lesson 08) and sniff; fuzzed by tests/fuzz/icmp_parse_reply.c
 * and ip_parse_header.c. Nothing here prints or exits.
 */
#ifndef SOCKLAB_ICMP_H
#define SOCKLAB_ICMP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ICMP_HEADER_LEN 8 /* type, code, checksum, id, sequence */
#define IP_MIN_HEADER_LEN 20
#define IP_MAX_HEADER_LEN 60

#define ICMP_TYPE_ECHO_REPLY 0
#define ICMP_TYPE_UNREACHABLE 3
#define ICMP_TYPE_ECHO_REQUEST 8
#define ICMP_TYPE_TIME_EXCEEDED 11

/* The RFC 1071 Internet checksum of len bytes at data: the one's
 * complement of the one's complement sum of the data taken as big-endian
 * 16-bit words, an odd last byte padded with a zero byte. Returned as a
 * number in host byte order: store it with htons. A packet whose checksum
 * field holds it sums to 0: inet_checksum(packet, len) == 0 means valid. */
uint16_t inet_checksum(const void *data, size_t len);

/* Write an ICMP echo request (type 8, code 0) with this id and sequence
 * number, then payload_len bytes of payload, into buf (cap bytes), with its
 * checksum. Returns the packet's length (8 + payload_len), or -1 with errno
 * EMSGSIZE when it does not fit in cap. */
ssize_t icmp_build_echo(uint8_t *buf, size_t cap, uint16_t id, uint16_t seq, const void *payload,
                        size_t payload_len);

/* What an IPv4 header says (the fields a program here reads). */
struct ip_info {
    size_t header_len;     /* IHL * 4: 20 to 60 */
    size_t total_len;      /* the header's total length field */
    uint8_t ttl, protocol; /* protocol: IPPROTO_ICMP, IPPROTO_UDP ... */
    uint16_t id;           /* identification */
    bool dont_fragment;    /* the DF flag */
    bool more_fragments;   /* the MF flag */
    uint16_t frag_offset;  /* in bytes */
    bool checksum_ok;      /* the header's own checksum */
    struct in_addr src, dst;
};

/* Parse the IPv4 header at the start of the len bytes at pkt into *out.
 * Refused (-1, errno EINVAL): fewer than 20 bytes, a version other than 4,
 * an IHL under 5 or a header longer than len, or a total length shorter
 * than the header or longer than len. Returns the header's length (where
 * the payload starts); a bad header checksum is reported in checksum_ok,
 * not refused. */
int ip_parse_header(const uint8_t *pkt, size_t len, struct ip_info *out);

/* What an ICMP message says, for myping. */
struct icmp_reply {
    uint8_t type, code;
    uint16_t id, seq;  /* echo: its own; an error (3, 11): the request's it quotes */
    bool checksum_ok;  /* the ICMP checksum over the whole message */
    bool has_ip;       /* ip below is filled (a raw socket's packet) */
    struct ip_info ip; /* the outer IPv4 header */
    size_t icmp_len;   /* the ICMP message's length, header included */
};

/* Parse an ICMP message: with_ip true, len bytes at pkt start with the
 * IPv4 header (a raw socket), parsed with ip_parse_header, whose protocol
 * must be ICMP, and ICMP starts after it; with_ip false, pkt is the ICMP
 * message (a ping socket). The ICMP part must hold at least its 8-byte
 * header. For an echo reply or request, id and seq are its own; for a
 * destination unreachable or time exceeded message, they are those of the
 * echo request it quotes (the quoted IPv4 header, by its own IHL, then 8
 * bytes of ICMP), or 0 when it quotes less. Returns 0, or -1 with errno
 * EINVAL (too short, a bad IPv4 header, not ICMP). A bad ICMP checksum is
 * not refused: it is in checksum_ok, for the caller to count. */
int icmp_parse_reply(const uint8_t *pkt, size_t len, bool with_ip, struct icmp_reply *out);

#endif
