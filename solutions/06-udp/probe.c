/*
 * probe.c - encode and decode udp_ping's probes. The layout and the
 * contracts are in probe.h. Multi-byte fields go on the wire in network
 * byte order (big-endian), whatever this machine's order is.
 */
#define _GNU_SOURCE
#include "probe.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int probe_encode(unsigned char *buf, size_t size, const struct probe *p)
{
    if (size < PROBE_HEADER) {
        errno = EINVAL;
        return -1;
    }
    /* TODO: the seq with htons and the send time with htobe64 (memcpy
     * each into place: buf has no alignment), then filler bytes i & 0xff
     * from byte PROBE_HEADER on. Chapter: 'A probe on the wire'. */
    /* BEGIN SOLUTION */
    uint16_t seq = htons(p->seq);
    uint64_t sent = htobe64(p->sent_ns);
    memcpy(buf, &seq, sizeof seq);
    memcpy(buf + 2, &sent, sizeof sent);
    for (size_t i = PROBE_HEADER; i < size; i++)
        buf[i] = (unsigned char)(i & 0xff);
    return (int)size;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)buf;
    (void)p;
    fprintf(stderr, "%s: probe_encode is not written yet (see the TODO in probe.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

int probe_decode(const unsigned char *buf, size_t len, struct probe *p)
{
    if (len < PROBE_HEADER) {
        errno = EINVAL;
        return -1;
    }
    /* TODO: the reverse of probe_encode: memcpy the fields out, ntohs and
     * be64toh. */
    /* BEGIN SOLUTION */
    uint16_t seq;
    uint64_t sent;
    memcpy(&seq, buf, sizeof seq);
    memcpy(&sent, buf + 2, sizeof sent);
    p->seq = ntohs(seq);
    p->sent_ns = be64toh(sent);
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)buf;
    (void)p;
    fprintf(stderr, "%s: probe_decode is not written yet (see the TODO in probe.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}
