/*
 * sniff.c - a packet sniffer for the loopback interface: one line per
 * IPv4 packet, with its UDP, TCP or ICMP header.
 *
 * usage: sniff [-c N] [--udp] [--icmp] [--tcp]
 *
 * Reads every IPv4 packet on lo through an AF_PACKET socket (which needs
 * CAP_NET_RAW), once each (lo shows a packet leaving and arriving: only
 * the arrival is printed), and prints it in one line of KEY=VALUE fields
 * (each example is one line, folded here):
 *
 *     udp src=127.0.0.1:40112 dst=127.0.0.1:5000 ttl=64 id=0x1c2d iplen=33 df=1 mf=0
 *         ipsum=ok len=13 sum=ok
 *     icmp src=127.0.0.1 dst=127.0.0.1 ttl=64 id=0x0000 iplen=84 df=1 mf=0 ipsum=ok
 *         type=8 code=0 sum=ok echo=1234/1
 *     tcp src=127.0.0.1:5000 dst=127.0.0.1:40112 ttl=64 id=0x0000 iplen=52 df=1 mf=0
 *         ipsum=ok flags=SA seq=... ack=... win=65483 sum=partial
 *
 * df and mf are the Don't Fragment and More Fragments flags; of a datagram
 * cut into fragments only the first (offset 0, with its UDP or TCP header)
 * is printed.
 *
 * A checksum is ok, bad, none (a UDP checksum of 0: not computed) or
 * partial: the kernel leaves a loopback packet's UDP or TCP checksum to
 * "the hardware", which lo does not have, so it is never filled in. Ready
 * line on stderr: "sniff: listening on lo". --udp, --icmp, --tcp keep
 * only those packets; -c N stops after N printed.
 *
 * Exit: 0 after N packets or at Ctrl-C, 1 on a runtime error (no
 * CAP_NET_RAW ...), 2 on a usage error.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char usage[] = "usage: sniff [-c N] [--udp] [--icmp] [--tcp]\n"
                            "\n"
                            "Print one line per IPv4 packet seen on the loopback interface lo: its\n"
                            "IPv4 header and its UDP, TCP or ICMP header, checksums checked.\n"
                            "Needs CAP_NET_RAW (root, or unshare -rn).\n"
                            "\n"
                            "  -c N     stop after N packets\n"
                            "  --udp    UDP packets only (--icmp, --tcp: the same; several add up)\n"
                            "  --help   show this help\n"
                            "\n"
                            "Exit: 0 after N packets or at Ctrl-C, 1 on a runtime error,\n"
                            "2 on a usage error.\n";

struct options {
    bool help;
    long count; /* 0: until interrupted */
    bool udp, icmp, tcp;
};

/* Parse the command line into *opt. Returns 0, or -1 after a one-line
 * usage error. */
static int parse_args(int argc, char *argv[], struct options *opt)
{
    *opt = (struct options){0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            opt->help = true;
            return 0;
        } else if (strcmp(a, "--udp") == 0) {
            opt->udp = true;
        } else if (strcmp(a, "--icmp") == 0) {
            opt->icmp = true;
        } else if (strcmp(a, "--tcp") == 0) {
            opt->tcp = true;
        } else if (strcmp(a, "-c") == 0) {
            char *end;
            errno = 0;
            long n = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= argc || errno != 0 || *end != '\0' || end == argv[i + 1] || n < 1 || n > 1000000000L)
                return cli_usage_error("bad count '%s': a number of packets, at least 1",
                                       i + 1 < argc ? argv[i + 1] : "");
            opt->count = n;
            i++;
        } else {
            return cli_usage_error("unknown argument '%s'", a);
        }
    }
    if (!opt->udp && !opt->icmp && !opt->tcp)
        opt->udp = opt->icmp = opt->tcp = true;
    return 0;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* A big-endian 16-bit field at p. */
static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A big-endian 32-bit field at p. */
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Open an AF_PACKET socket that reads the IPv4 packets of lo, with each
 * packet's checksum status (PACKET_AUXDATA). Returns the fd, or -1 after a
 * one-line error that says what is missing. */
static int sniff_open(void)
{
    /* TODO: socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP))
     * (SOCK_DGRAM: the kernel strips the link header, each read starts
     * with the IPv4 header); EPERM means no CAP_NET_RAW: say so and how to
     * get it. bind it to lo (struct sockaddr_ll, sll_ifindex =
     * if_nametoindex("lo")), and setsockopt PACKET_AUXDATA. Chapter:
     * 'Seeing every packet'. */
    /* BEGIN SOLUTION */
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
    if (fd == -1) {
        if (errno == EPERM || errno == EACCES)
            return cli_error(
                "socket AF_PACKET: %s: capturing needs CAP_NET_RAW (run it as root, give it "
                "the capability with sudo setcap cap_net_raw+ep sniff, or run it in unshare -rn)",
                strerror(errno));
        return cli_error("socket AF_PACKET:");
    }
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP)};
    int one = 1;
    sll.sll_ifindex = (int)if_nametoindex("lo");
    if (sll.sll_ifindex == 0)
        cli_error("if_nametoindex lo:");
    else if (bind(fd, (struct sockaddr *)&sll, sizeof sll) == -1)
        cli_error("bind lo:");
    else if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) == -1)
        cli_error("setsockopt PACKET_AUXDATA:");
    else
        return fd;
    close(fd);
    return -1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    fprintf(stderr, "sniff: sniff_open is not written yet (see the TODO in sniff.c)\n");
    return -1;
    END SKELETON */
}

/* The checksum of a UDP or TCP segment (n bytes at seg) under the IPv4
 * pseudo-header (source, destination, zero, protocol, length): 0 when the
 * segment's own checksum field is right. */
static uint16_t transport_checksum(const struct ip_info *ip, const uint8_t *seg, size_t n)
{
    /* TODO: the checksum covers 12 bytes of pseudo-header, then the
     * segment. Build both in one buffer and call inet_checksum. Chapter:
     * 'The pseudo-header'. */
    /* BEGIN SOLUTION */
    static uint8_t buf[12 + 65536];
    memcpy(buf, &ip->src, 4);
    memcpy(buf + 4, &ip->dst, 4);
    buf[8] = 0;
    buf[9] = ip->protocol;
    buf[10] = (uint8_t)(n >> 8);
    buf[11] = (uint8_t)n;
    memcpy(buf + 12, seg, n);
    return inet_checksum(buf, 12 + n);
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)ip;
    (void)seg;
    (void)n;
    return 1;
    END SKELETON */
}

/* "ok", "bad", or "partial" when the kernel had not computed it (lo). */
static const char *sum_word(bool partial, uint16_t sum)
{
    return partial ? "partial" : sum == 0 ? "ok" : "bad";
}

/* Print the transport part of a packet (n bytes at t) after its IPv4
 * fields; partial: the kernel left the UDP/TCP checksum to the device. */
static void print_transport(const struct ip_info *ip, const uint8_t *t, size_t n, bool partial)
{
    char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ip->src, src, sizeof src);
    inet_ntop(AF_INET, &ip->dst, dst, sizeof dst);
    const char *ipsum = ip->checksum_ok ? "ok" : "bad";
    const char *df = ip->dont_fragment ? "1" : "0", *mf = ip->more_fragments ? "1" : "0";
    if (ip->protocol == IPPROTO_UDP && n >= 8) {
        bool none = be16(t + 6) == 0;
        printf("udp src=%s:%u dst=%s:%u ttl=%u id=0x%04x iplen=%zu df=%s mf=%s ipsum=%s len=%u sum=%s\n", src,
               be16(t), dst, be16(t + 2), ip->ttl, ip->id, ip->total_len, df, mf, ipsum, be16(t + 4),
               none ? "none" : sum_word(partial, transport_checksum(ip, t, n)));
    } else if (ip->protocol == IPPROTO_TCP && n >= 20) {
        static const char names[] = "FSRPAUEC";
        char flags[9];
        size_t k = 0;
        for (int b = 0; b < 8; b++)
            if (t[13] & (1 << b))
                flags[k++] = names[b];
        flags[k] = '\0';
        printf(
            "tcp src=%s:%u dst=%s:%u ttl=%u id=0x%04x iplen=%zu df=%s mf=%s ipsum=%s flags=%s seq=%u ack=%u "
            "win=%u sum=%s\n",
            src, be16(t), dst, be16(t + 2), ip->ttl, ip->id, ip->total_len, df, mf, ipsum, k ? flags : "-",
            be32(t + 4), be32(t + 8), be16(t + 14), sum_word(partial, transport_checksum(ip, t, n)));
    } else if (ip->protocol == IPPROTO_ICMP && n >= ICMP_HEADER_LEN) {
        printf("icmp src=%s dst=%s ttl=%u id=0x%04x iplen=%zu df=%s mf=%s ipsum=%s type=%u code=%u sum=%s",
               src, dst, ip->ttl, ip->id, ip->total_len, df, mf, ipsum, t[0], t[1],
               sum_word(false, inet_checksum(t, n)));
        if (t[0] == ICMP_TYPE_ECHO_REQUEST || t[0] == ICMP_TYPE_ECHO_REPLY)
            printf(" echo=%u/%u", be16(t + 4), be16(t + 6));
        printf("\n");
    } else {
        printf("ip src=%s dst=%s ttl=%u id=0x%04x iplen=%zu df=%s mf=%s ipsum=%s proto=%u short\n", src, dst,
               ip->ttl, ip->id, ip->total_len, df, mf, ipsum, ip->protocol);
    }
}

/* Whether the options ask for packets of this protocol. */
static bool wanted(const struct options *opt, uint8_t protocol)
{
    return (protocol == IPPROTO_UDP && opt->udp) || (protocol == IPPROTO_ICMP && opt->icmp) ||
           (protocol == IPPROTO_TCP && opt->tcp);
}

/* Read one packet from fd; print it if it is an arriving IPv4 packet the
 * options want. Returns 1 when printed, 0 when not, -1 after an error. */
static int sniff_one(int fd, const struct options *opt)
{
    static uint8_t buf[65536];
    struct sockaddr_ll from;
    union {
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr msg = {.msg_name = &from,
                         .msg_namelen = sizeof from,
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    /* TODO: recvmsg (EINTR: return 0); skip a packet whose
     * from.sll_pkttype is PACKET_OUTGOING (a socket of ETH_P_ALL sees each
     * packet leave lo and arrive: keep one; ETH_P_IP sees arrivals only);
     * ip_parse_header (skip what it refuses); skip a fragment that is not
     * the first, and protocols not wanted; the PACKET_AUXDATA control
     * message's tp_status has TP_STATUS_CSUMNOTREADY when the checksum was
     * left to the device; print_transport. Chapter: 'Seeing every packet'. */
    /* BEGIN SOLUTION */
    ssize_t n = recvmsg(fd, &msg, 0);
    if (n == -1)
        return errno == EINTR ? 0 : cli_error("recvmsg:");
    if (from.sll_pkttype == PACKET_OUTGOING)
        return 0;
    struct ip_info ip;
    int hlen = ip_parse_header(buf, (size_t)n, &ip);
    if (hlen == -1 || ip.frag_offset != 0 || !wanted(opt, ip.protocol))
        return 0;
    bool partial = false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
            struct tpacket_auxdata aux;
            memcpy(&aux, CMSG_DATA(c), sizeof aux);
            partial = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
        }
    print_transport(&ip, buf + hlen, ip.total_len - (size_t)hlen, partial);
    return 1;
    /* END SOLUTION */
    /* BEGIN SKELETON
    (void)fd;
    (void)opt;
    (void)msg;
    (void)wanted;
    (void)print_transport;
    return -1;
    END SKELETON */
}

int main(int argc, char *argv[])
{
    struct options opt;
    setvbuf(stdout, NULL, _IOLBF, 0); /* each line out at once, also to a pipe */
    if (parse_args(argc, argv, &opt) == -1)
        return CLI_EXIT_USAGE;
    if (opt.help) {
        fputs(usage, stdout);
        return 0;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int fd = sniff_open();
    if (fd == -1)
        return 1;
    fprintf(stderr, "sniff: listening on lo\n");
    long printed = 0;
    int rc = 0;
    while (!interrupted && (opt.count == 0 || printed < opt.count)) {
        rc = sniff_one(fd, &opt);
        if (rc == -1)
            break;
        printed += rc;
    }
    close(fd);
    return rc == -1 ? 1 : 0;
}
