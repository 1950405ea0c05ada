/*
 * procnet.c - the kernel's table of TCP sockets, read from /proc/net/tcp.
 *
 * The contracts and the file layout are in procnet.h. Nothing here prints
 * or exits: errors come back as -1 with errno set.
 */
#define _GNU_SOURCE
#include "procnet.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tcp_state_name(int state)
{
    /* The kernel's numbering, which <netinet/tcp.h> copies. */
    static const char *const names[] = {
        [TCP_ESTABLISHED] = "ESTABLISHED",
        [TCP_SYN_SENT] = "SYN-SENT",
        [TCP_SYN_RECV] = "SYN-RECEIVED",
        [TCP_FIN_WAIT1] = "FIN-WAIT-1",
        [TCP_FIN_WAIT2] = "FIN-WAIT-2",
        [TCP_TIME_WAIT] = "TIME-WAIT",
        [TCP_CLOSE] = "CLOSED",
        [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
        [TCP_LAST_ACK] = "LAST-ACK",
        [TCP_LISTEN] = "LISTEN",
        [TCP_CLOSING] = "CLOSING",
    };
    if (state < 0 || (size_t)state >= sizeof names / sizeof names[0] || !names[state])
        return "UNKNOWN";
    return names[state];
}

int procnet_port_range(int *low, int *high)
{
    /* TODO: fopen the file (mode "re"), fscanf two numbers, fclose.
     * Chapter: 'Ephemeral ports'. */
    /* BEGIN SOLUTION */
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
    if (!f)
        return -1;
    int n = fscanf(f, "%d %d", low, high);
    fclose(f);
    if (n != 2) {
        errno = EINVAL;
        return -1;
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)low;
    (void)high;
    fprintf(stderr, "%s: procnet_port_range is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

int socket_inode(int fd, unsigned long *inode)
{
    /* TODO: readlink("/proc/self/fd/FD") (it does not add a '\0'), then
     * parse "socket:[INODE]" (sscanf with %lu and a trailing %n, or
     * strtoul). Chapter: 'Finding your own sockets'. */
    /* BEGIN SOLUTION */
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n == -1)
        return -1;
    link[n] = '\0';
    int end = 0;
    if (sscanf(link, "socket:[%lu]%n", inode, &end) != 1 || end != n) {
        errno = ENOTSOCK;
        return -1;
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)inode;
    fprintf(stderr, "%s: socket_inode is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

bool sockaddr_same(const struct sockaddr *a, const struct sockaddr *b)
{
    /* TODO: the same family, and for that family the same port and the
     * same address (compare sin_addr or sin6_addr with memcmp). */
    /* BEGIN SOLUTION */
    if (a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && memcmp(&x->sin_addr, &y->sin_addr, sizeof x->sin_addr) == 0;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)a;
    (void)b;
    fprintf(stderr, "%s: sockaddr_same is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

/* BEGIN SOLUTION */
/* Build a sockaddr from the two halves of "0100007F:A0D2": `hex`, the
 * address as 1 (IPv4) or 4 (IPv6) words of 8 hex digits, each a 32-bit
 * number the kernel printed in host byte order, so its bytes in memory are
 * the address in network order; and `port`, a plain number. Returns 0, or
 * -1 if hex has the wrong length. */
static int decode_endpoint(const char *hex, unsigned port, int family, struct sockaddr_storage *ss)
{
    unsigned char bytes[16];
    size_t words = family == AF_INET6 ? 4 : 1;
    if (strlen(hex) != 8 * words || port > 65535)
        return -1;
    for (size_t i = 0; i < words; i++) {
        char digits[9];
        memcpy(digits, hex + 8 * i, 8);
        digits[8] = '\0';
        uint32_t word = (uint32_t)strtoul(digits, NULL, 16);
        memcpy(bytes + 4 * i, &word, sizeof word); /* no ntohl: see above */
    }
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        memcpy(&sin6->sin6_addr, bytes, sizeof sin6->sin6_addr);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        memcpy(&sin->sin_addr, bytes, sizeof sin->sin_addr);
    }
    return 0;
}

/* True if a field that ends at line[at] ends there: a space, a tab, a
 * newline or the end of the line follows (sscanf's %n gave at; 0 means the
 * scan never reached it). */
static bool field_ends(const char *line, int at)
{
    return at > 0 && (line[at] == '\0' || strchr(" \t\n", line[at]));
}

/* END SOLUTION */
int procnet_parse_line(const char *line, int family, struct procnet_entry *e)
{
    /* TODO: sscanf the fields you need: the address and port halves of
     * local_address and rem_address, st, and inode (the 10th field); the
     * header line does not parse. Turn "0100007F:A0D2" into a sockaddr:
     * think hard about byte order. Chapter: 'Reading /proc/net/tcp'. */
    /* BEGIN SOLUTION */
    char lhex[33], rhex[33], lport[5], rport[5], state[3], inode[21];
    int lend = 0, rend = 0, send = 0, end = 0;
    /* sl: local rem st tx:rx tr:when retrnsmt uid timeout inode. Each number
     * is read as a run of digits and must end its field (%n), so that "-1",
     * "0x50" or "8123x5" is refused rather than converted into another value. */
    int n = sscanf(line,
                   "%*u: %32[0-9A-Fa-f]:%4[0-9A-Fa-f]%n %32[0-9A-Fa-f]:%4[0-9A-Fa-f]%n "
                   "%2[0-9A-Fa-f]%n %*s %*s %*s %*s %*s %20[0-9]%n",
                   lhex, lport, &lend, rhex, rport, &rend, state, &send, inode, &end);
    errno = 0;
    unsigned long ino = n == 6 ? strtoul(inode, NULL, 10) : 0;
    if (n != 6 || errno == ERANGE || !field_ends(line, lend) || !field_ends(line, rend) ||
        !field_ends(line, send) || !field_ends(line, end) ||
        decode_endpoint(lhex, (unsigned)strtoul(lport, NULL, 16), family, &e->local) == -1 ||
        decode_endpoint(rhex, (unsigned)strtoul(rport, NULL, 16), family, &e->remote) == -1) {
        errno = EINVAL;
        return -1;
    }
    e->addrlen = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    e->state = (int)strtoul(state, NULL, 16);
    e->inode = ino;
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)line;
    (void)family;
    (void)e;
    fprintf(stderr, "%s: procnet_parse_line is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}

/* BEGIN SOLUTION */
/* Scan one open table for the socket procnet_find describes. Returns 1
 * with *e filled, 0 if it is not there, or -1 with errno set. */
static int scan_table(FILE *f, int family, unsigned long inode, const struct sockaddr *local,
                      const struct sockaddr *remote, struct procnet_entry *e)
{
    char *line = NULL;
    size_t cap = 0;
    int found = 0;
    while (!found && getline(&line, &cap, f) != -1) {
        if (procnet_parse_line(line, family, e) == -1)
            continue; /* the header */
        if (inode != 0)
            found = e->inode == inode;
        else
            found = e->inode == 0 && sockaddr_same(local, (struct sockaddr *)&e->local) &&
                    sockaddr_same(remote, (struct sockaddr *)&e->remote);
    }
    free(line);
    if (!found && ferror(f)) {
        errno = EIO;
        return -1;
    }
    return found;
}

/* END SOLUTION */
int procnet_find(unsigned long inode, const struct sockaddr *local, const struct sockaddr *remote,
                 struct procnet_entry *e)
{
    /* TODO: for /proc/net/tcp (AF_INET), then /proc/net/tcp6 (AF_INET6,
     * missing when IPv6 is off: skip it): read it line by line (getline),
     * procnet_parse_line each line, and compare the inode, or for inode 0
     * the addresses (sockaddr_same). fclose on every path. Chapter:
     * 'Finding your own sockets'. */
    /* BEGIN SOLUTION */
    static const struct {
        const char *path;
        int family;
    } tables[] = {{"/proc/net/tcp", AF_INET}, {"/proc/net/tcp6", AF_INET6}};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        FILE *f = fopen(tables[i].path, "re");
        if (!f) {
            if (errno == ENOENT)
                continue;
            return -1;
        }
        int found = scan_table(f, tables[i].family, inode, local, remote, e);
        int saved = errno;
        fclose(f);
        errno = saved;
        if (found != 0)
            return found;
    }
    return 0;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)inode;
    (void)local;
    (void)remote;
    (void)e;
    fprintf(stderr, "%s: procnet_find is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
    END SKELETON */
}
