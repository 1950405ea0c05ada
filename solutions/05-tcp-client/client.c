/*
 * client.c - the client's side of TCP: tcp_connect.
 *
 * The contract is in client.h. Nothing here prints or exits: errors come
 * back as -1 with errno and a one-line reason. format_sockaddr is yours,
 * from lesson 02's addr.c.
 */
#define _GNU_SOURCE
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* Set the longest time connect() and each send() may block on fd:
 * SO_SNDTIMEO. A blocking connect() that runs out of it fails with
 * EINPROGRESS (the handshake was still going on), a send() with EAGAIN
 * (or a short count). Returns 0 or -1. */
static int set_send_timeout(int fd, double seconds)
{
    struct timeval tv = {.tv_sec = (time_t)seconds,
                         .tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* BEGIN SOLUTION */
/* Make a socket for one getaddrinfo result and connect it, in at most
 * timeout seconds (0: no limit of our own). Returns the fd, or -1 with
 * errno set (ETIMEDOUT for our timeout) and *call naming the call. */
static int connect_one(const struct addrinfo *ai, double timeout, const char **call)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd == -1) {
        *call = "socket";
        return -1;
    }
    if (timeout > 0 && set_send_timeout(fd, timeout) == -1) {
        *call = "setsockopt SO_SNDTIMEO";
    } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
        *call = "connect";
        if (errno == EINPROGRESS) /* SO_SNDTIMEO ran out during the handshake */
            errno = ETIMEDOUT;
    } else {
        return fd;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* END SOLUTION */
/* Write "ADDR:PORT" of a getaddrinfo result into buf (ADDR_STRLEN bytes). */
static void name_address(const struct addrinfo *ai, char *buf)
{
    if (format_sockaddr(ai->ai_addr, ai->ai_addrlen, buf, ADDR_STRLEN) != 0)
        snprintf(buf, ADDR_STRLEN, "(an address)");
}

int tcp_connect(const char *host, const char *port, double timeout, char *peer, char *err, size_t errlen)
{
    /* TODO: getaddrinfo(host, port) with hints for a TCP client
     * (AF_UNSPEC, SOCK_STREAM, AI_NUMERICSERV; no AI_PASSIVE); for each
     * result: socket (SOCK_CLOEXEC), set_send_timeout when timeout > 0,
     * connect (EINPROGRESS after a timeout means ETIMEDOUT); stop at the
     * first that connects and name_address it
     * into peer. Close the fd of each one that fails, keep the first
     * failure for err ("connect 127.0.0.1:8080: Connection refused"),
     * freeaddrinfo on every path. Chapter: 'Every address, in order'. */
    /* BEGIN SOLUTION */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "getaddrinfo %s: %s", host,
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return -1;
    }
    int fd = -1, first_errno = 0;
    for (const struct addrinfo *ai = res; ai && fd == -1; ai = ai->ai_next) {
        const char *call;
        fd = connect_one(ai, timeout, &call);
        if (fd != -1) {
            name_address(ai, peer);
        } else if (first_errno == 0) {
            char addr[ADDR_STRLEN];
            first_errno = errno;
            name_address(ai, addr);
            snprintf(err, errlen, "%s %s: %s", call, addr, strerror(first_errno));
        }
    }
    freeaddrinfo(res);
    return fd;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)host;
    (void)port;
    (void)timeout;
    (void)peer;
    (void)err;
    (void)errlen;
    (void)set_send_timeout;
    (void)name_address;
    fprintf(stderr, "%s: tcp_connect is not written yet (see the TODO in client.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}
