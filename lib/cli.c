/*
 * cli.c - the course library's command-line plumbing. The contracts are in
 * cli.h. Nothing here exits; every function keeps or sets errno as it says.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_error(const char *fmt, ...)
{
    int saved = errno;
    size_t len = strlen(fmt);
    va_list ap;
    fprintf(stderr, "%s: ", program_invocation_short_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (len > 0 && fmt[len - 1] == ':')
        fprintf(stderr, " %s", strerror(saved));
    fputc('\n', stderr);
    errno = saved;
    return -1;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", program_invocation_short_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see %s --help)\n", program_invocation_short_name);
    errno = EINVAL;
    return -1;
}

int cli_wait_eof(int fd)
{
    char buf[512];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n == -1 && errno != EINTR)
            return -1;
    }
}

int cli_serve_until_eof(int fd, int (*ready)(int fd))
{
    struct pollfd pfd[2] = {
        {.fd = STDIN_FILENO, .events = POLLIN},
        {.fd = fd, .events = POLLIN},
    };
    for (;;) {
        if (poll(pfd, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            return cli_error("poll:");
        }
        if (pfd[0].revents != 0) { /* input, end of input, or no stdin at all */
            char buf[512];
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN))
                return 0;
        }
        if ((pfd[1].revents & POLLIN) && ready(fd) == -1)
            return -1;
    }
}
