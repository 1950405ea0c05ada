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

/* BEGIN SOLUTION */
/* Fill ss with the wildcard address of family and port (htons: the port
 * goes on the wire, big-endian first). Returns its length. */
static socklen_t wildcard_address(int family, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        a6->sin6_addr = in6addr_any;
        return sizeof *a6;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    a4->sin_addr.s_addr = htonl(INADDR_ANY);
    return sizeof *a4;
}

/* END SOLUTION */
int echo_listen(int family, uint16_t port, int backlog, char *err, size_t errlen)
{
    /* TODO: build the wildcard address of family by hand (sockaddr_in or
     * sockaddr_in6, the port with htons), socket (SOCK_CLOEXEC),
     * setsockopt SO_REUSEADDR (and IPV6_V6ONLY for AF_INET6, so that -4
     * and -6 can share a port), bind, listen. On failure write "CALL
     * ADDR:PORT: REASON" into err (format_sockaddr, lesson 02), close the
     * socket, keep errno. Chapter: 'A socket that only listens'. */
    /* BEGIN SOLUTION */
    struct sockaddr_storage ss;
    socklen_t len = wildcard_address(family, port, &ss);
    const char *call = "socket";
    int on = 1;
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd != -1) {
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
            call = "setsockopt SO_REUSEADDR";
        else if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == -1)
            call = "setsockopt IPV6_V6ONLY";
        else if (bind(fd, (struct sockaddr *)&ss, len) == -1)
            call = "bind";
        else if (listen(fd, backlog) == -1)
            call = "listen";
        else
            return fd;
    }
    int saved = errno;
    char addr[ADDR_STRLEN];
    if (format_sockaddr((struct sockaddr *)&ss, len, addr, sizeof addr) != 0)
        snprintf(addr, sizeof addr, "(the wildcard address)");
    snprintf(err, errlen, "%s %s: %s", call, addr, strerror(saved));
    if (fd != -1)
        close(fd);
    errno = saved;
    return -1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)family;
    (void)port;
    (void)backlog;
    snprintf(err, errlen, "echo_listen is not written yet (see the TODO in echo.c)");
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int echo_send_all(int fd, const void *buf, size_t len)
{
    /* TODO: loop on send until every byte has gone: send may take fewer
     * bytes than asked (a short count) or fail with EINTR (try again).
     * Pass MSG_NOSIGNAL, so that a peer that has gone away gives EPIPE
     * instead of killing the whole server with SIGPIPE. Chapter: 'Short
     * counts' and 'SIGPIPE'. */
    /* BEGIN SOLUTION */
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
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
    fprintf(stderr, "%s: echo_send_all is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int echo_stream(int fd, unsigned long long *total)
{
    /* TODO: recv into a buffer, echo_send_all what came, again, until
     * recv returns 0 (the peer's end of file: done, not an error). EINTR:
     * try again; any other error: return -1. Add each count to *total.
     * Chapter: 'Echo until end of file'. */
    /* BEGIN SOLUTION */
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            return 0;
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (echo_send_all(fd, buf, (size_t)n) == -1)
            return -1;
        *total += (unsigned long long)n;
    }
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)total;
    fprintf(stderr, "%s: echo_stream is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

int echo_client(int fd)
{
    /* TODO: getpeername into a struct sockaddr_storage, format_sockaddr
     * (yours, from lesson 02), print "connected ADDR:PORT" (ADDR:PORT is
     * "(a peer already gone)" when getpeername fails: a client that reset
     * before you asked); echo_stream; print "closed ADDR:PORT: N bytes
     * echoed", adding ", then REASON" (strerror) when it failed. Chapter:
     * 'Who is on the other end'. */
    /* BEGIN SOLUTION */
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char addr[ADDR_STRLEN];
    if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1 ||
        format_sockaddr((struct sockaddr *)&ss, len, addr, sizeof addr) != 0)
        snprintf(addr, sizeof addr, "(a peer already gone)");
    printf("connected %s\n", addr);
    unsigned long long total = 0;
    int rc = echo_stream(fd, &total);
    if (rc == 0)
        printf("closed %s: %llu bytes echoed\n", addr, total);
    else
        printf("closed %s: %llu bytes echoed, then %s\n", addr, total, strerror(errno));
    return rc;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    fprintf(stderr, "%s: echo_client is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}

/* BEGIN SOLUTION */
/* SIGCHLD: reap every child that has ended (several may end per signal),
 * keeping errno for the code it interrupted. */
static void reap_children(int sig)
{
    (void)sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) /* one ended child reaped */
        ;
    errno = saved;
}

/* Accept one connection on lfd. Returns its fd, or -1 with errno set:
 * EINTR and ECONNABORTED (a client that left before we took it) are for
 * the caller to retry. */
static int accept_client(int lfd)
{
    return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

/* Serve cfd in a child process: the child closes the listening socket,
 * serves, and ends; the parent closes its copy of cfd at once. Returns 0,
 * or -1 (fork failed: the client is dropped). */
static int fork_client(int lfd, int cfd)
{
    pid_t pid = fork();
    if (pid == 0) { /* stdout is line-buffered: nothing is left to flush */
        close(lfd);
        echo_client(cfd);
        close(cfd);
        _exit(0);
    }
    int saved = errno;
    close(cfd);
    errno = saved;
    return pid == -1 ? -1 : 0;
}

/* END SOLUTION */
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
    /* BEGIN SOLUTION */
    if (use_fork) {
        struct sigaction sa = {.sa_handler = reap_children, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGCHLD, &sa, NULL) == -1)
            return cli_error("sigaction SIGCHLD:");
    }
    for (unsigned long served = 0; max_clients == 0 || served < max_clients;) {
        int cfd = accept_client(lfd);
        if (cfd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return cli_error("accept:");
        }
        if (use_fork) {
            if (fork_client(lfd, cfd) == -1)
                cli_error("fork (dropping a client):");
        } else {
            echo_client(cfd);
            close(cfd);
        }
        served++;
    }
    while (use_fork && (waitpid(-1, NULL, 0) > 0 || errno == EINTR))
        ;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)lfd;
    (void)use_fork;
    (void)max_clients;
    fprintf(stderr, "%s: echo_serve is not written yet (see the TODO in echo.c)\n",
            program_invocation_short_name);
    errno = ENOSYS;
    return -1;
    END SKELETON */
}
