/*
 * echo.c - a TCP echo server: echo_listen, echo_send_all, echo_stream,
 * echo_client, echo_serve.
 *
 * The contracts are in echo.h. Nothing here exits the program (a child of
 * --fork ends with _exit once its client is served): errors come back as -1
 * with errno, and a client that fails is logged and dropped.
 * format_sockaddr is yours, from lesson 02's addr.c.
 */
#define _GNU_SOURCE
#include "echo.h"

#include "cli.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int echo_listen(int family, uint16_t port, int backlog, char *err, size_t errlen)
{
    /* TODO: build the wildcard address of family by hand (sockaddr_in or
     * sockaddr_in6, the port with htons), socket (SOCK_CLOEXEC),
     * setsockopt SO_REUSEADDR (and IPV6_V6ONLY for AF_INET6, so that -4
     * and -6 can share a port), bind, listen. On failure write "CALL
     * ADDR:PORT: REASON" into err (format_sockaddr, lesson 02), close the
     * socket, keep errno. Chapter: 'A socket that only listens'. */
    (void)family;
    (void)port;
    (void)backlog;
    snprintf(err, errlen, "echo_listen is not written yet (see the TODO in echo.c)");
    errno = ENOSYS;
    return -1;
}

int echo_send_all(int fd, const void *buf, size_t len)
{
    /* TODO: loop on send until every byte has gone: send may take fewer
     * bytes than asked (a short count) or fail with EINTR (try again).
     * Pass MSG_NOSIGNAL, so that a peer that has gone away gives EPIPE
     * instead of killing the whole server with SIGPIPE. Chapter: 'Short
     * counts' and 'SIGPIPE'. */
    (void)fd;
    (void)buf;
    (void)len;
    fprintf(stderr, "%s: echo_send_all is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
}

int echo_stream(int fd, unsigned long long *total)
{
    /* TODO: recv into a buffer, echo_send_all what came, again, until
     * recv returns 0 (the peer's end of file: done, not an error). EINTR:
     * try again; any other error: return -1. Add each count to *total.
     * Chapter: 'Echo until end of file'. */
    (void)fd;
    (void)total;
    fprintf(stderr, "%s: echo_stream is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
}

int echo_client(int fd)
{
    /* TODO: getpeername into a struct sockaddr_storage, format_sockaddr
     * (yours, from lesson 02), print "connected ADDR:PORT" (ADDR:PORT is
     * "(a peer already gone)" when getpeername fails: a client that reset
     * before you asked); echo_stream; print "closed ADDR:PORT: N bytes
     * echoed", adding ", then REASON" (strerror) when it failed. Chapter:
     * 'Who is on the other end'. */
    (void)fd;
    fprintf(stderr, "%s: echo_client is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
}

int echo_serve(int lfd, bool use_fork, unsigned long max_clients)
{
    /* TODO: with fork, install a SIGCHLD handler (sigaction, SA_RESTART)
     * that reaps every ended child with waitpid(-1, NULL, WNOHANG) in a
     * loop. Then accept (accept4, SOCK_CLOEXEC) until max_clients have
     * been served: retry EINTR and ECONNABORTED; serve each client with
     * echo_client and close it, or with fork: fork, the child closes lfd,
     * serves and _exits, the parent closes the client's fd. With fork, wait
     * for the last children before returning. Chapter: 'One client at a
     * time' and 'A process per client'. */
    (void)lfd;
    (void)use_fork;
    (void)max_clients;
    fprintf(stderr, "%s: echo_serve is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
}
