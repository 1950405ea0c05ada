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
    (void)low;
    (void)high;
    fprintf(stderr, "%s: procnet_port_range is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
}

int socket_inode(int fd, unsigned long *inode)
{
    /* TODO: readlink("/proc/self/fd/FD") (it does not add a '\0'), then
     * parse "socket:[INODE]" (sscanf with %lu and a trailing %n, or
     * strtoul). Chapter: 'Finding your own sockets'. */
    (void)fd;
    (void)inode;
    fprintf(stderr, "%s: socket_inode is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
}

bool sockaddr_same(const struct sockaddr *a, const struct sockaddr *b)
{
    /* TODO: the same family, and for that family the same port and the
     * same address (compare sin_addr or sin6_addr with memcmp). */
    (void)a;
    (void)b;
    fprintf(stderr, "%s: sockaddr_same is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
}

int procnet_parse_line(const char *line, int family, struct procnet_entry *e)
{
    /* TODO: sscanf the fields you need: the address and port halves of
     * local_address and rem_address, st, and inode (the 10th field); the
     * header line does not parse. Turn "0100007F:A0D2" into a sockaddr:
     * think hard about byte order. Chapter: 'Reading /proc/net/tcp'. */
    (void)line;
    (void)family;
    (void)e;
    fprintf(stderr, "%s: procnet_parse_line is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
}

int procnet_find(unsigned long inode, const struct sockaddr *local, const struct sockaddr *remote,
                 struct procnet_entry *e)
{
    /* TODO: for /proc/net/tcp (AF_INET), then /proc/net/tcp6 (AF_INET6,
     * missing when IPv6 is off: skip it): read it line by line (getline),
     * procnet_parse_line each line, and compare the inode, or for inode 0
     * the addresses (sockaddr_same). fclose on every path. Chapter:
     * 'Finding your own sockets'. */
    (void)inode;
    (void)local;
    (void)remote;
    (void)e;
    fprintf(stderr, "%s: procnet_find is not written yet (see the TODO in procnet.c)\n",
            program_invocation_short_name);
    exit(1);
}
