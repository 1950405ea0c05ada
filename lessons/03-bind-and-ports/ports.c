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
    (void)host;
    (void)port;
    (void)reuseaddr;
    (void)backlog;
    (void)err;
    (void)errlen;
    fprintf(stderr, "%s: tcp_listen_on is not written yet (see the TODO in ports.c)\n",
            program_invocation_short_name);
    exit(1);
}
