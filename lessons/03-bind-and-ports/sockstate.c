/*
 * sockstate.c - walk TCP sockets through their states, and show them.
 *
 * usage: sockstate [ADDRESS]
 *
 * Makes its own TCP sockets on ADDRESS (default 127.0.0.1; ::1 for IPv6)
 * and leaves each in a different state of the TCP state machine:
 *
 *   listener                  listening on an ephemeral port   LISTEN
 *   client, server            a connected pair                 ESTABLISHED
 *   half-client, half-server  the client shut down writing     FIN-WAIT-2, CLOSE-WAIT
 *   closer                    closed first; its fd is gone     TIME-WAIT
 *
 * Then it prints the ephemeral port range and, for each socket, what the
 * kernel says about it in /proc/net/tcp (or tcp6), found by the socket's
 * inode, or by its addresses for the TIME-WAIT one, which has no inode:
 *
 *     ephemeral ports 32768-60999
 *     listener    fd=3  inode=812345  local=127.0.0.1:41234  remote=0.0.0.0:0  state=LISTEN
 *     ...
 *     closer      fd=-  inode=0  local=127.0.0.1:50134  remote=127.0.0.1:41234  state=TIME-WAIT
 *     ready: 6 sockets; compare with `ss -tan`, then press Ctrl-D to quit
 *
 * and keeps the sockets as they are until its standard input ends.
 *
 * Exit: 0 at end of input, 1 on a runtime error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "ports.h"
#include "procnet.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BACKLOG 8
#define MAX_TRACKED 8

static const char usage[] = "usage: sockstate [ADDRESS]\n"
                            "\n"
                            "Make TCP sockets on ADDRESS (default 127.0.0.1) in the states LISTEN,\n"
                            "ESTABLISHED, FIN-WAIT-2, CLOSE-WAIT and TIME-WAIT, print each one's\n"
                            "addresses and state as /proc/net/tcp{,6} shows them, and keep them until\n"
                            "standard input ends (Ctrl-D). Compare with `ss -tan`.\n"
                            "\n"
                            "  ADDRESS  a local address to listen and connect on: 127.0.0.1, ::1 ...\n"
                            "  --help   show this help\n"
                            "\n"
                            "Exit: 0 at end of input, 1 on a runtime error, 2 on a usage error.\n";

/* One of our sockets, and what we knew about it while it was open. */
struct tracked {
    const char *role;
    int fd;                         /* -1 once closed */
    unsigned long inode;            /* 0 once closed */
    struct sockaddr_storage local;  /* getsockname */
    struct sockaddr_storage remote; /* getpeername; the wildcard, port 0, if none */
};

struct scene {
    struct tracked s[MAX_TRACKED];
    int n;
};

/* Connect a new socket to the listening socket lfd (at the address
 * getsockname gives) and accept the other end. Returns 0 with *client and
 * *server set, both ESTABLISHED, or -1 after printing an error. */
static int connect_pair(int lfd, int *client, int *server)
{
    /* TODO: getsockname(lfd), socket of that family (SOCK_CLOEXEC, as
     * every socket here), connect to it, accept4 on lfd (SOCK_CLOEXEC).
     * Close the client if accept fails. Chapter: 'Walking through the
     * states'. */
    (void)lfd;
    (void)client;
    (void)server;
    fprintf(stderr, "sockstate: connect_pair is not written yet (see the TODO in sockstate.c)\n");
    return -1;
}

/* Half-close a connected pair: the client stops sending (FIN), so it goes
 * to FIN-WAIT-2 and the server, once it has read the end of file, to
 * CLOSE-WAIT; both stay there while both fds are open. Returns 0, or -1
 * after printing an error. */
static int half_close(int client, int server)
{
    /* TODO: shutdown(client, SHUT_WR); the server reads until recv returns
     * 0. The client is in FIN-WAIT-2 only once the server's ACK of its FIN
     * has arrived: have the server send one byte (it can still send) and
     * the client read it; that segment carries the ACK. A recv or send
     * that fails with EINTR was interrupted before it moved anything: call
     * it again. Chapter: 'Walking through the states'. */
    (void)client;
    (void)server;
    fprintf(stderr, "sockstate: half_close is not written yet (see the TODO in sockstate.c)\n");
    return -1;
}

/* Close a connected pair, the client first, so that the client's end
 * stays in TIME-WAIT. Both fds are closed on return, on every path.
 * Returns 0, or -1 after printing an error. */
static int close_client_first(int client, int server)
{
    /* TODO: the client sends its FIN with shutdown(SHUT_WR); the server
     * reads the end of file and closes (its FIN); the client reads the end
     * of file: the kernel has now put its end in TIME-WAIT. Then close
     * the client. (A plain close() of the client would do too, but then
     * nothing would tell us when the TIME-WAIT has begun.) Chapter: 'Who
     * closes first keeps TIME_WAIT'. */
    close(client);
    close(server);
    fprintf(stderr, "sockstate: close_client_first is not written yet (see the TODO in sockstate.c)\n");
    return -1;
}

/* Add fd to the scene under `role` (main closes it), with its inode and
 * addresses, so that we can find it again even after it is closed.
 * Returns 0, or -1 after printing an error. */
static int track(struct scene *sc, const char *role, int fd)
{
    struct tracked *t = &sc->s[sc->n++];
    socklen_t len = sizeof t->local, rlen = sizeof t->remote;
    memset(t, 0, sizeof *t);
    t->role = role;
    t->fd = fd;
    if (socket_inode(fd, &t->inode) == -1)
        return cli_error("inode of fd %d:", fd);
    if (getsockname(fd, (struct sockaddr *)&t->local, &len) == -1)
        return cli_error("getsockname:");
    if (getpeername(fd, (struct sockaddr *)&t->remote, &rlen) == -1)
        t->remote.ss_family = t->local.ss_family; /* a listener: no peer */
    return 0;
}

/* Add both ends of a connected pair to the scene (both, even on error).
 * Returns 0, or -1 after printing an error. */
static int track_pair(struct scene *sc, const char *crole, int c, const char *srole, int s)
{
    int crc = track(sc, crole, c);
    int src = track(sc, srole, s);
    return crc == -1 || src == -1 ? -1 : 0;
}

/* Make the scene's sockets on address: a listener, an established pair, a
 * half-closed pair, a pair closed client first. Returns 0, or -1 after
 * printing an error (what was made so far stays in sc, to be closed). */
static int build_scene(const char *address, struct scene *sc)
{
    char err[LISTEN_ERRLEN];
    int lfd = tcp_listen_on(address, "0", false, BACKLOG, err, sizeof err);
    if (lfd == -1)
        return cli_error("%s", err);
    if (track(sc, "listener", lfd) == -1)
        return -1;
    int c, s;
    if (connect_pair(lfd, &c, &s) == -1 || track_pair(sc, "client", c, "server", s) == -1)
        return -1;
    if (connect_pair(lfd, &c, &s) == -1 || track_pair(sc, "half-client", c, "half-server", s) == -1 ||
        half_close(c, s) == -1)
        return -1;
    if (connect_pair(lfd, &c, &s) == -1)
        return -1;
    if (track(sc, "closer", c) == -1) {
        close(s);
        return -1;
    }
    struct tracked *closer = &sc->s[sc->n - 1];
    closer->fd = -1; /* close_client_first closes it, on every path */
    closer->inode = 0;
    return close_client_first(c, s);
}

/* ss as "ADDR:PORT" in buf, or "?" if it cannot be formatted; returns buf. */
static const char *addr_text(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (format_sockaddr((const struct sockaddr *)ss, len, buf, size) != 0)
        snprintf(buf, size, "?");
    return buf;
}

/* Print one socket: its role, fd and inode, and the addresses and state
 * from /proc/net/tcp{,6} (e), or CLOSED when the kernel lists it nowhere. */
static void print_socket(const struct tracked *t, const struct procnet_entry *e)
{
    char fd[16] = "-", local[ADDR_STRLEN], remote[ADDR_STRLEN];
    if (t->fd != -1)
        snprintf(fd, sizeof fd, "%d", t->fd);
    printf("%-11s fd=%-2s inode=%-7lu local=%-21s remote=%-21s state=%s\n", t->role, fd,
           e ? e->inode : t->inode, addr_text(e ? &e->local : &t->local, local, sizeof local),
           addr_text(e ? &e->remote : &t->remote, remote, sizeof remote),
           e ? tcp_state_name(e->state) : "CLOSED");
}

/* Look each socket of the scene up in /proc/net/tcp{,6} and print it, then
 * the ready line. Returns 0, or -1 after printing an error. */
static int report(const struct scene *sc)
{
    for (int i = 0; i < sc->n; i++) {
        const struct tracked *t = &sc->s[i];
        struct procnet_entry e;
        int found = procnet_find(t->inode, (const struct sockaddr *)&t->local,
                                 (const struct sockaddr *)&t->remote, &e);
        if (found == -1)
            return cli_error("read /proc/net/tcp:");
        print_socket(t, found ? &e : NULL);
    }
    printf("ready: %d sockets; compare with `ss -tan`, then press Ctrl-D to quit\n", sc->n);
    return 0;
}

/* Print the ephemeral port range. Returns 0, or -1 after printing an error. */
static int report_port_range(void)
{
    int low, high;
    if (procnet_port_range(&low, &high) == -1)
        return cli_error("read /proc/sys/net/ipv4/ip_local_port_range:");
    printf("ephemeral ports %d-%d\n", low, high);
    return 0;
}

int main(int argc, char *argv[])
{
    const char *address = "127.0.0.1";
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc > 1 && argv[1][0] == '-') {
        cli_usage_error("unknown option '%s'", argv[1]);
        return CLI_EXIT_USAGE;
    }
    if (argc > 2) {
        cli_usage_error("too many arguments at '%s'", argv[2]);
        return CLI_EXIT_USAGE;
    }
    if (argc == 2)
        address = argv[1];
    struct scene sc = {.n = 0};
    int rc = 1;
    if (report_port_range() == 0 && build_scene(address, &sc) == 0 && report(&sc) == 0) {
        cli_wait_eof(STDIN_FILENO); /* a read error ends the wait too */
        rc = 0;
    }
    for (int i = 0; i < sc.n; i++)
        if (sc.s[i].fd != -1)
            close(sc.s[i].fd);
    return rc;
}
