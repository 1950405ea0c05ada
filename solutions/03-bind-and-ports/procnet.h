/*
 * procnet.h - the kernel's table of TCP sockets, read from /proc/net/tcp.
 *
 * /proc/net/tcp lists every IPv4 TCP socket of this network namespace, one
 * line each (/proc/net/tcp6 the IPv6 ones, in the same layout):
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:A0D2 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 812345 ...
 *
 * Addresses and ports are hexadecimal: each 32-bit word of the address is
 * printed as a number in the machine's byte order (0100007F is 127.0.0.1 on
 * a little-endian machine), the port as a plain number (A0D2 is 41170); st
 * is the TCP state (0A is LISTEN); inode is the number behind the
 * "socket:[812345]" link in /proc/PID/fd, or 0 for a socket that no file
 * holds any more (a TIME_WAIT one, or one closed but still finishing).
 */
#ifndef SOCKLAB_PROCNET_H
#define SOCKLAB_PROCNET_H

#include <stdbool.h>
#include <sys/socket.h>

/* One line of /proc/net/tcp or /proc/net/tcp6. */
struct procnet_entry {
    struct sockaddr_storage local;  /* a sockaddr_in or sockaddr_in6, */
    struct sockaddr_storage remote; /* ports in network byte order */
    socklen_t addrlen;              /* the size of either */
    int state;                      /* TCP_ESTABLISHED ... (<netinet/tcp.h>) */
    unsigned long inode;            /* 0 when no file holds the socket */
};

/* The name of a TCP state as RFC 793 writes it ("ESTABLISHED",
 * "TIME-WAIT"), or "UNKNOWN". */
const char *tcp_state_name(int state);

/* Read the ephemeral port range, /proc/sys/net/ipv4/ip_local_port_range,
 * into *low and *high. Returns 0, or -1 with errno set. */
int procnet_port_range(int *low, int *high);

/* Read the inode number of the socket behind fd from the link
 * /proc/self/fd/FD -> "socket:[INODE]". Returns 0, or -1 with errno set
 * (ENOTSOCK when fd is not a socket). */
int socket_inode(int fd, unsigned long *inode);

/* True if a and b are the same IPv4 or IPv6 address and port. */
bool sockaddr_same(const struct sockaddr *a, const struct sockaddr *b);

/* Parse one line of /proc/net/tcp (family AF_INET) or /proc/net/tcp6
 * (AF_INET6) into *e. Returns 0, or -1 with errno EINVAL (the header line,
 * or a line not in that layout). */
int procnet_parse_line(const char *line, int family, struct procnet_entry *e);

/* Find a socket in /proc/net/tcp and /proc/net/tcp6: by inode when inode
 * is not 0; otherwise the one with no inode whose local and remote
 * addresses are these (a TIME_WAIT socket). Returns 1 with *e filled,
 * 0 if there is none, or -1 with errno set. */
int procnet_find(unsigned long inode, const struct sockaddr *local, const struct sockaddr *remote,
                 struct procnet_entry *e);

#endif
