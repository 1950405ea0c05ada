/*
 * probe.h - the payload of a udp_ping probe, as it travels on the wire.
 *
 *     0       2                      10                    SIZE
 *     +-------+----------------------+---------------------+
 *     |  seq  |  send time (ns)      |  filler: 0x0a 0x0b ... |
 *     +-------+----------------------+---------------------+
 *
 * seq: 16 bits, network byte order (big-endian), 1 for the first probe, as
 * RTP's sequence number (lesson 14). send time: the sender's
 * CLOCK_MONOTONIC in nanoseconds, 64 bits, network byte order; only the
 * sender reads it back. Filler byte i is i & 0xff (0x0a at byte 10), so
 * that a cut or mangled probe shows. An echo server returns the payload unchanged, so
 * the reply says which probe it answers and when that probe left.
 */
#ifndef SOCKLAB_PROBE_H
#define SOCKLAB_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* The header: seq and send time. A probe is at least this long. */
#define PROBE_HEADER 10

/* The decoded header of a probe. */
struct probe {
    uint16_t seq;
    uint64_t sent_ns;
};

/* Write a probe of size bytes (size >= PROBE_HEADER) carrying p into buf:
 * the header in network byte order, then the filler. Returns size, or -1
 * with errno EINVAL when size is below PROBE_HEADER. */
int probe_encode(unsigned char *buf, size_t size, const struct probe *p);

/* Read the header of the len bytes at buf into *p. Returns 0, or -1 with
 * errno EINVAL when len is below PROBE_HEADER (not a probe). */
int probe_decode(const unsigned char *buf, size_t len, struct probe *p);

#endif
