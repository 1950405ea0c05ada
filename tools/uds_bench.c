/*
 * uds_bench.c - Unix stream sockets vs TCP loopback, side by side (make
 * bench, bench/uds-vs-tcp.sh; lesson 07 quotes it).
 *
 * usage: uds_bench [-t SECONDS] [SIZE...]
 *
 * For each message SIZE (default 64 4096 65536) and each transport (a Unix
 * stream socket in the abstract namespace, TCP over 127.0.0.1 with
 * TCP_NODELAY), a forked child serves one connection:
 *   throughput  the parent sends SIZE-byte messages for SECONDS (default 1),
 *               shuts down, and waits for the child's one-byte receipt once
 *               it has read everything: bytes / elapsed time
 *   latency     SIZE bytes out, SIZE bytes echoed back, for SECONDS: the
 *               mean and the median round trip
 * The runs alternate transports size by size, so that both see the same
 * machine. Output is CSV on stdout:
 *   transport,size,throughput_MiB_s,rtt_mean_us,rtt_median_us,round_trips
 *
 * Exit: 0, 1 on a runtime error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE (1 << 20)
#define MAX_RTTS 2000000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send or receive exactly len bytes. Returns 0, or -1 (error or EOF). */
static int xfer(int fd, char *buf, size_t len, int sending)
{
    while (len > 0) {
        ssize_t n = sending ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A listening socket: Unix (abstract name unique to this process) or TCP on
 * 127.0.0.1, port 0. Its address goes into *addr, *len for connect. */
static int bench_listen(int unix_domain, struct sockaddr_storage *addr, socklen_t *len)
{
    int fd = socket(unix_domain ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(addr, 0, sizeof *addr);
    if (unix_domain) {
        struct sockaddr_un *u = (struct sockaddr_un *)addr;
        u->sun_family = AF_UNIX;
        int n = snprintf(u->sun_path + 1, sizeof u->sun_path - 1, "socklab-bench-%ld", (long)getpid());
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)addr;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *in;
    }
    if (fd == -1 || bind(fd, (struct sockaddr *)addr, *len) == -1 || listen(fd, 1) == -1 ||
        getsockname(fd, (struct sockaddr *)addr, len) == -1) {
        perror("uds_bench: listen");
        exit(1);
    }
    return fd;
}

static void nodelay(int fd, int unix_domain)
{
    int one = 1;
    if (!unix_domain && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        perror("uds_bench: TCP_NODELAY");
}

/* The child: accept one connection; in mode 't' read to EOF then send one
 * byte; in mode 'l' echo size-byte messages until EOF. */
static void serve(int lfd, int unix_domain, char mode, size_t size, char *buf)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd == -1)
        _exit(1);
    nodelay(fd, unix_domain);
    if (mode == 't') {
        for (;;) {
            ssize_t n = recv(fd, buf, MAX_SIZE, 0);
            if (n == 0)
                break;
            if (n == -1 && errno != EINTR)
                _exit(1);
        }
        _exit(xfer(fd, buf, 1, 1) == 0 ? 0 : 1);
    }
    while (xfer(fd, buf, size, 0) == 0)
        if (xfer(fd, buf, size, 1) == -1)
            _exit(1);
    _exit(0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One measurement: fork a server, connect, run mode for `seconds`. For 't'
 * returns MiB/s; for 'l' fills *mean and *median (microseconds) and
 * returns the number of round trips. */
static double run(int unix_domain, char mode, size_t size, double seconds, char *buf, double *rtts,
                  double *mean, double *median)
{
    struct sockaddr_storage addr;
    socklen_t len;
    int lfd = bench_listen(unix_domain, &addr, &len);
    pid_t child = fork();
    if (child == 0)
        serve(lfd, unix_domain, mode, size, buf);
    close(lfd);
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (child == -1 || fd == -1 || connect(fd, (struct sockaddr *)&addr, len) == -1) {
        perror("uds_bench: connect");
        exit(1);
    }
    nodelay(fd, unix_domain);
    double result = 0, start = now(), end = start + seconds;
    if (mode == 't') {
        double bytes = 0;
        do {
            for (int i = 0; i < 64; i++, bytes += (double)size)
                if (xfer(fd, buf, size, 1) == -1)
                    exit(1);
        } while (now() < end);
        if (shutdown(fd, SHUT_WR) == -1 || xfer(fd, buf, 1, 0) == -1)
            exit(1);
        result = bytes / (now() - start) / (1024.0 * 1024.0);
    } else {
        long n = 0;
        double sum = 0;
        while (n < MAX_RTTS && now() < end) {
            double t0 = now();
            if (xfer(fd, buf, size, 1) == -1 || xfer(fd, buf, size, 0) == -1)
                exit(1);
            rtts[n] = (now() - t0) * 1e6;
            sum += rtts[n++];
        }
        qsort(rtts, (size_t)n, sizeof rtts[0], cmp_double);
        *mean = sum / (double)n;
        *median = rtts[n / 2];
        result = (double)n;
    }
    close(fd);
    waitpid(child, NULL, 0);
    return result;
}

int main(int argc, char *argv[])
{
    double seconds = 1;
    int first = 1;
    size_t sizes[16] = {64, 4096, 65536};
    int nsizes = 3;
    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        seconds = strtod(argv[2], NULL);
        first = 3;
        if (!(seconds > 0 && seconds <= 60)) {
            fprintf(stderr, "uds_bench: -t SECONDS: 0 to 60\n");
            return 2;
        }
    }
    if (first < argc) {
        nsizes = 0;
        for (int i = first; i < argc && nsizes < 16; i++) {
            char *end;
            long v = strtol(argv[i], &end, 10);
            if (*end != '\0' || v < 1 || v > MAX_SIZE) {
                fprintf(stderr, "uds_bench: bad SIZE '%s': 1 to %d bytes\n", argv[i], MAX_SIZE);
                return 2;
            }
            sizes[nsizes++] = (size_t)v;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    char *buf = calloc(1, MAX_SIZE);
    double *rtts = malloc(MAX_RTTS * sizeof *rtts);
    if (!buf || !rtts)
        return 1;
    printf("transport,size,throughput_MiB_s,rtt_mean_us,rtt_median_us,round_trips\n");
    for (int s = 0; s < nsizes; s++) {
        for (int unix_domain = 1; unix_domain >= 0; unix_domain--) {
            double mean = 0, median = 0;
            double mib = run(unix_domain, 't', sizes[s], seconds, buf, rtts, NULL, NULL);
            double trips = run(unix_domain, 'l', sizes[s], seconds, buf, rtts, &mean, &median);
            printf("%s,%zu,%.1f,%.2f,%.2f,%.0f\n", unix_domain ? "unix" : "tcp", sizes[s], mib, mean, median,
                   trips);
            fflush(stdout);
        }
    }
    free(buf);
    free(rtts);
    return 0;
}
