/*
 * stream.c - moving bytes over a TCP socket: send_all, recv_all, and
 * length-prefixed frames.
 *
 * The contracts are in stream.h. Nothing here prints or exits.
 */
#define _GNU_SOURCE
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int send_all(int fd, const void *buf, size_t len)
{
    /* TODO: loop until all len bytes are sent: send() may take fewer
     * (a short count: go on from where it stopped) or fail with EINTR
     * (a signal came: try again) or EAGAIN (SO_SNDTIMEO ran out: say
     * ETIMEDOUT, as for connect). Pass MSG_NOSIGNAL, so that a peer that
     * has gone gives EPIPE here instead of killing the program with
     * SIGPIPE. Chapter: 'Short counts'. */
    /* BEGIN SOLUTION */
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) /* SO_SNDTIMEO ran out */
                errno = ETIMEDOUT;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)buf;
    (void)len;
    fprintf(stderr, "%s: send_all is not written yet (see the TODO in stream.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

ssize_t recv_all(int fd, void *buf, size_t len)
{
    /* TODO: loop until len bytes have come: recv() may bring fewer, fail
     * with EINTR (try again), or return 0 at the peer's end of file (stop:
     * return what you have). Chapter: 'Short counts'. */
    /* BEGIN SOLUTION */
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, p + got, len - got, 0);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)buf;
    (void)len;
    fprintf(stderr, "%s: recv_all is not written yet (see the TODO in stream.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int frame_write(int fd, const void *payload, size_t len, size_t max)
{
    /* TODO: refuse a payload over max with EMSGSIZE; send the length as 4 bytes in network byte order
     * (htonl), then the payload, each with send_all. Chapter: 'Putting the boundaries back'. */
    /* BEGIN SOLUTION */
    if (len > max) {
        errno = EMSGSIZE;
        return -1;
    }
    uint32_t prefix = htonl((uint32_t)len);
    if (send_all(fd, &prefix, sizeof prefix) == -1)
        return -1;
    return send_all(fd, payload, len);
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)payload;
    (void)len;
    (void)max;
    fprintf(stderr, "%s: frame_write is not written yet (see the TODO in stream.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int frame_read(int fd, size_t max, void **payload, size_t *len)
{
    /* TODO: recv_all the 4-byte prefix (0 bytes: the peer's end of file,
     * return 0; 1 to 3: EPROTO); ntohl it; over max: EMSGSIZE BEFORE any
     * malloc (the length came from the network: 4 GiB is one byte away);
     * then malloc it (at least 1 byte) and recv_all the payload (short:
     * EPROTO, and free it). Chapter: 'Putting the boundaries back'. */
    /* BEGIN SOLUTION */
    uint32_t prefix;
    ssize_t n = recv_all(fd, &prefix, sizeof prefix);
    if (n <= 0)
        return (int)n;
    if ((size_t)n < sizeof prefix) {
        errno = EPROTO;
        return -1;
    }
    *len = ntohl(prefix);
    if (*len > max) {
        errno = EMSGSIZE;
        return -1;
    }
    char *buf = malloc(*len > 0 ? *len : 1);
    if (!buf)
        return -1;
    n = recv_all(fd, buf, *len);
    if (n == -1 || (size_t)n < *len) {
        int saved = n == -1 ? errno : EPROTO;
        free(buf);
        errno = saved;
        return -1;
    }
    *payload = buf;
    return 1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)max;
    (void)payload;
    (void)len;
    fprintf(stderr, "%s: frame_read is not written yet (see the TODO in stream.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}
