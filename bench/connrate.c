/*
 * connrate.c - a connection-rate client for bench/fork-cost.sh: N short
 * TCP exchanges, one after another, each a whole connection's life.
 *
 * usage: connrate HOST PORT N [BYTES]
 *
 * Each exchange: connect, send BYTES (default 64), read them back, half-
 * close, read the server's end of file, close. Prints one line:
 *
 *     connections=1000 seconds=0.412 per_second=2427.2
 *
 * Exit: 0 when every exchange came back whole, 1 on the first that did
 * not (one line), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Connect to the first address of host:port that answers. Returns the fd
 * or -1 (errno set; 0 for a resolver error). */
static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        errno = 0;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd == -1; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd != -1 && connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
            int saved = errno;
            close(fd);
            errno = saved;
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* One exchange of len bytes (len <= 65536). Returns 0, or -1 (errno set). */
static int exchange(const char *host, const char *port, size_t len)
{
    static char out[65536], in[65536];
    int fd = connect_to(host, port);
    if (fd == -1)
        return -1;
    size_t sent = 0, got = 0;
    while (sent < len) {
        ssize_t n = send(fd, out + sent, len - sent, MSG_NOSIGNAL);
        if (n == -1 && errno != EINTR)
            goto fail;
        sent += n > 0 ? (size_t)n : 0;
    }
    shutdown(fd, SHUT_WR);
    for (;;) {
        ssize_t n = recv(fd, in, sizeof in, 0);
        if (n == 0)
            break;
        if (n == -1 && errno != EINTR)
            goto fail;
        got += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    if (got == len)
        return 0;
    errno = EPROTO;
    return -1;
fail:;
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

int main(int argc, char *argv[])
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: connrate HOST PORT N [BYTES]\n");
        return 2;
    }
    long n = strtol(argv[3], NULL, 10), bytes = argc == 5 ? strtol(argv[4], NULL, 10) : 64;
    if (n < 1 || bytes < 1 || bytes > 65536) {
        fprintf(stderr, "connrate: N must be 1 or more, BYTES 1 to 65536\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++)
        if (exchange(argv[1], argv[2], (size_t)bytes) == -1) {
            fprintf(stderr, "connrate: exchange %ld with %s port %s: %s\n", i + 1, argv[1], argv[2],
                    errno ? strerror(errno) : "cannot resolve");
            return 1;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("connections=%ld seconds=%.3f per_second=%.1f\n", n, s, (double)n / s);
    return 0;
}
