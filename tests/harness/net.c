/*
 * net.c - sockets, as a peer of the program under test.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- sockets ------------------------------------------------------------- */

int sl_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        sl_fail("to find a free port", "%s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

int sl_tcp_connect(const char *host, int port, double seconds)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0)
        sl_fail("a numeric address to connect to", "%s: %s", host, gai_strerror(rc));
    sl_step("connect to %s port %d", host, port);
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        sl_fail("a socket", "socket: %s", strerror(errno));
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS) {
        int e = errno;
        freeaddrinfo(res);
        sl_fail("to connect", "connect %s port %d: %s", host, port, strerror(e));
    }
    freeaddrinfo(res);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&pfd, 1, (int)(sl_deadline(seconds) * 1000)) != 1)
        sl_fail_with("timed out", "to connect", "no answer to the connection");
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err)
        sl_fail("to connect", "connect %s port %d: %s", host, port, strerror(err));
    fcntl(fd, F_SETFL, 0);
    return fd;
}
