/*
 * ports.c - listening sockets: tcp_listen_on.
 *
 * The contract is in ports.h. Nothing here prints or exits: errors come
 * back as -1 with errno and a one-line reason, and the program decides what
 * to say. format_sockaddr is yours, from lesson 02's addr.c.
 */
#define _GNU_SOURCE
#include "ports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* BEGIN SOLUTION */
/* Make a socket for one getaddrinfo result, bind it and listen. Returns the
 * fd, or -1 with errno set and *call naming the call that failed. */
static int listen_one(const struct addrinfo *ai, bool reuseaddr, int backlog, const char **call)
{
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd == -1) {
        *call = "socket";
        return -1;
    }
    /* SO_REUSEADDR must be set before bind: bind is where the check is. */
    if (reuseaddr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
        *call = "setsockopt SO_REUSEADDR";
    else if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
        *call = "bind";
    else if (listen(fd, backlog) == -1)
        *call = "listen";
    else
        return fd;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* What to add to an error where the fix is known ("" where it is not). */
static const char *listen_advice(const char *call, int err)
{
    if (strcmp(call, "bind") != 0)
        return "";
    if (err == EACCES)
        return " (ports below 1024 need CAP_NET_BIND_SERVICE: use 1024 or above, or 0)";
    if (err == EADDRNOTAVAIL)
        return " (no interface of this machine has that address: see `ip addr`)";
    return "";
}

/* Write "CALL ADDR:PORT: REASON" for a failed listen_one into err. */
static void listen_error(const struct addrinfo *ai, const char *call, int saved, char *err, size_t errlen)
{
    char addr[ADDR_STRLEN];
    if (format_sockaddr(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr) != 0)
        snprintf(addr, sizeof addr, "(an address)");
    snprintf(err, errlen, "%s %s: %s%s", call, addr, strerror(saved), listen_advice(call, saved));
}

/* END SOLUTION */
int tcp_listen_on(const char *host, const char *port, bool reuseaddr, int backlog, char *err, size_t errlen)
{
    /* TODO: getaddrinfo(host, port) with hints for a passive TCP socket
     * (AI_PASSIVE | AI_NUMERICSERV, SOCK_STREAM, AF_UNSPEC); for each
     * result: socket (with SOCK_CLOEXEC, lesson 01), setsockopt
     * SO_REUSEADDR when asked, bind, listen;
     * stop at the first that works. Close the fd of each one that fails,
     * remember the first failure for err ("bind 127.0.0.1:8080: Address
     * already in use"), and freeaddrinfo on every path. Chapter: 'Binding
     * an address'. */
    /* BEGIN SOLUTION */
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
    };
    struct addrinfo *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "getaddrinfo %s: %s", host ? host : "(any address)",
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        if (rc != EAI_SYSTEM)
            errno = 0;
        return -1;
    }
    int fd = -1, first_errno = 0;
    for (const struct addrinfo *ai = res; ai && fd == -1; ai = ai->ai_next) {
        const char *call;
        fd = listen_one(ai, reuseaddr, backlog, &call);
        if (fd == -1 && first_errno == 0) {
            first_errno = errno;
            listen_error(ai, call, first_errno, err, errlen);
        }
    }
    freeaddrinfo(res);
    if (fd == -1)
        errno = first_errno;
    return fd;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)host;
    (void)port;
    (void)reuseaddr;
    (void)backlog;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: tcp_listen_on is not written yet (see the TODO in ports.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}
