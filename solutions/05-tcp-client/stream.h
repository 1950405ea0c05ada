/*
 * stream.h - moving bytes over a TCP socket: whole buffers, and messages.
 *
 * TCP is a byte stream: one send() may take only part of a buffer, one
 * recv() may bring part of what the peer sent, or parts of two sends glued
 * together. send_all() and recv_all() loop until the whole buffer has moved
 * (short counts and EINTR handled), and frame_write() / frame_read() put the
 * message boundaries back that the stream does not keep:
 *
 *     +---------------------+-------------------------+
 *     | length: 4 bytes,    | payload: length bytes   |
 *     | big-endian          |                         |
 *     +---------------------+-------------------------+
 *
 * A frame longer than the reader's maximum is refused before a byte of it
 * is allocated: the length comes from the network, so it is checked like
 * any number from outside.
 *
 * Nothing here prints or exits: errors come back as -1 with errno set.
 */
#ifndef SOCKLAB_STREAM_H
#define SOCKLAB_STREAM_H

#include <stddef.h>
#include <sys/types.h>

/* The size of a frame's length prefix, in bytes. */
#define FRAME_HEADER 4

/* The largest maximum a frame may be given: the prefix is 32 bits. */
#define FRAME_MAX_LIMIT 0xffffffffUL

/* Send all len bytes of buf on the connected, blocking socket fd: loop
 * over short sends, retry EINTR, and never raise SIGPIPE (MSG_NOSIGNAL: a
 * peer that has gone is an error, EPIPE or ECONNRESET, not the end of the
 * program). Returns 0, or -1 with errno set (some bytes may have been
 * sent); ETIMEDOUT when the socket's SO_SNDTIMEO ran out. */
int send_all(int fd, const void *buf, size_t len);

/* Receive exactly len bytes into buf unless the peer's end of file comes
 * first: loop over short receives, retry EINTR. Returns the number of
 * bytes received, len or fewer (0 when end of file came first), or -1 with
 * errno set. */
ssize_t recv_all(int fd, void *buf, size_t len);

/* Send one frame: the 4-byte big-endian length of payload, then payload.
 * max is at most FRAME_MAX_LIMIT. Returns 0, or -1 with errno set:
 * EMSGSIZE when len is over max (nothing is sent), or send_all's errno. */
int frame_write(int fd, const void *payload, size_t len, size_t max);

/* Receive one frame into a new buffer of exactly its length (at least one
 * byte is allocated, so that an empty frame has one too): *payload (free
 * it) and *len. Returns 1 with a frame, 0 at the peer's end of file before
 * a frame begins, or -1 with errno set: EMSGSIZE when the length is over
 * max (checked before anything is allocated; the payload is left unread,
 * *len holds the length that was refused), EPROTO when the end of file
 * comes inside a frame, ENOMEM, or recv_all's errno. */
int frame_read(int fd, size_t max, void **payload, size_t *len);

#endif
