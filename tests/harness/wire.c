/*
 * wire.c - the test's own packets: a capture of its loopback, shown when
 * the test fails.
 *
 * In the sandbox each test has a network namespace of its own, so every
 * packet on its loopback is the test's. Before any program starts, the
 * worker opens an AF_PACKET socket on that loopback with a ring the kernel
 * fills (PACKET_RX_RING, TPACKET_V2: no copy, no system call per packet).
 * The I/O loop (io.c) empties the ring on every round into a ring of the
 * last WIRE_KEEP packets (the first WIRE_SNAP bytes of each): memory is
 * bounded whatever a program sends. When the test fails, the report ends
 * with the last packets in readable lines,
 *
 *   wire: 0.012 127.0.0.1:41234 > 127.0.0.1:39001 [P.] len 5 "hello"
 *
 * and a pcap of the packets kept, for Wireshark (classic libpcap format),
 * named after the test in the report's logs folder ($SOCKLAB_WIRE_DIR; by
 * default build/report/logs). Without the sandbox the loopback is the
 * machine's, shared with everything else: nothing is captured, and the
 * report says so in one line; unless the test holds this machine's
 * loopback alone (sl_host_loopback: grade --host-loopback, in a throwaway
 * container), which is then captured as the sandbox's.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RING_BLOCK (64u << 10) /* the kernel's ring: 8 blocks of 64 KiB, */
#define RING_BLOCKS 8u
#define RING_FRAME 512u /* in frames of 512 bytes: 1024 packets between two rounds */
#define RING_FRAMES (RING_BLOCK / RING_FRAME * RING_BLOCKS)
#define WIRE_KEEP 512 /* packets kept for the report and the pcap */
#define WIRE_SNAP 256 /* bytes kept of each */
#define WIRE_SHOW 12  /* packets shown in the report */

struct packet {
    uint32_t sec, nsec; /* CLOCK_REALTIME, as the kernel stamps it */
    uint32_t len;       /* on the wire */
    uint32_t caplen;    /* kept, at most WIRE_SNAP */
    unsigned char data[WIRE_SNAP];
};

static struct {
    int fd;                  /* the AF_PACKET socket; -1 when not capturing */
    unsigned char *ring;     /* the kernel's ring, mapped */
    unsigned frame;          /* the next frame the kernel fills */
    struct packet *kept;     /* the last WIRE_KEEP packets, a ring */
    unsigned long long n;    /* packets seen; kept[n % WIRE_KEEP] is the next slot */
    unsigned long long lost; /* packets the kernel could not put in a full ring */
    struct timespec t0;      /* when the capture began */
    pid_t owner;             /* the worker: only it gives frames back to the kernel */
    int dirfd;               /* where the pcap goes (opened before the files turned read-only) */
    char dir_shown[512];     /* that folder, as the report names it */
    char why_not[256];       /* why nothing is captured ("" while capturing) */
} wire = {.fd = -1, .dirfd = -1};

/* ---- starting ------------------------------------------------------------ */

/* The folder for pcaps: $SOCKLAB_WIRE_DIR (grade sets it), else
 * build/report/logs of the working directory, the repository's root (made
 * if build/ is there). Its fd, or -1; what to call it in *shown. */
static int open_dir(char *shown, size_t len)
{
    const char *dir = getenv("SOCKLAB_WIRE_DIR");
    if (!dir || !*dir) {
        if (access("build", W_OK) == 0) {
            mkdir("build/report", 0755);
            mkdir("build/report/logs", 0755);
        }
        dir = "build/report/logs";
    }
    const char *show = getenv("SOCKLAB_WIRE_SHOWN");
    char real[PATH_MAX];
    snprintf(shown, len, "%s", show && *show ? show : sl_repo_path(realpath(dir, real) ? real : dir));
    /* The pcap's own error says so when there is no such folder. */
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

void sl_wire_prepare(void)
{
    if (!sl_sandboxed()) {
        snprintf(wire.why_not, sizeof wire.why_not,
                 "no capture was made: without the sandbox, the test shared this machine's loopback");
        return;
    }
    wire.dirfd = open_dir(wire.dir_shown, sizeof wire.dir_shown);
}

/* Open the capture on lo; NULL, or the step that failed (errno set). */
static const char *capture_open(void)
{
    wire.fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (wire.fd < 0)
        return "socket(AF_PACKET)";
    int v = TPACKET_V2;
    struct tpacket_req req = {.tp_block_size = RING_BLOCK,
                              .tp_block_nr = RING_BLOCKS,
                              .tp_frame_size = RING_FRAME,
                              .tp_frame_nr = RING_FRAMES};
    if (setsockopt(wire.fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) != 0 ||
        setsockopt(wire.fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0)
        return "PACKET_RX_RING";
    wire.ring = mmap(NULL, (size_t)RING_BLOCK * RING_BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, wire.fd, 0);
    if (wire.ring == MAP_FAILED)
        return "mmap";
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex("lo")};
    if (ll.sll_ifindex == 0 || bind(wire.fd, (struct sockaddr *)&ll, sizeof ll) != 0)
        return "bind to lo";
    wire.kept = calloc(WIRE_KEEP, sizeof *wire.kept);
    if (!wire.kept)
        return "malloc";
    return NULL;
}

void sl_wire_start(bool own_netns)
{
    if (wire.why_not[0])
        return;
    if (!own_netns) {
        snprintf(wire.why_not, sizeof wire.why_not,
                 "no capture was made: the test had no network namespace of its own");
        return;
    }
    const char *failed = capture_open();
    if (failed) {
        snprintf(wire.why_not, sizeof wire.why_not, "no capture was made: %s: %s", failed, strerror(errno));
        if (wire.ring && wire.ring != MAP_FAILED)
            munmap(wire.ring, (size_t)RING_BLOCK * RING_BLOCKS);
        wire.ring = NULL;
        if (wire.fd >= 0)
            close(wire.fd);
        wire.fd = -1;
        return;
    }
    clock_gettime(CLOCK_REALTIME, &wire.t0);
    wire.owner = getpid();
}

void sl_wire_take_loopback(void)
{
    if (wire.fd >= 0)
        return;
    wire.why_not[0] = '\0';
    if (wire.dirfd < 0)
        wire.dirfd = open_dir(wire.dir_shown, sizeof wire.dir_shown);
    sl_wire_start(true);
}

int sl_wire_fd(void)
{
    return wire.fd;
}

/* ---- the ring ------------------------------------------------------------ */

void sl_wire_drain(void)
{
    if (wire.fd < 0)
        return;
    /* A child of the worker (sl_report_of) reads the ring, and leaves its
     * frames for the worker to read in order. */
    bool mine = getpid() == wire.owner;
    for (;;) {
        struct tpacket2_hdr *h = (struct tpacket2_hdr *)(wire.ring + (size_t)wire.frame * RING_FRAME);
        if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
            return;
        const struct sockaddr_ll *ll = (const void *)((const char *)h + TPACKET_ALIGN(sizeof *h));
        /* On lo each packet passes twice, going out and coming in: keep one. */
        if (ll->sll_pkttype != PACKET_OUTGOING) {
            struct packet *p = &wire.kept[wire.n++ % WIRE_KEEP];
            p->sec = h->tp_sec;
            p->nsec = h->tp_nsec;
            p->len = h->tp_len;
            p->caplen = h->tp_snaplen < WIRE_SNAP ? h->tp_snaplen : WIRE_SNAP;
            memcpy(p->data, (const char *)h + h->tp_mac, p->caplen);
        }
        if (mine && (h->tp_status & TP_STATUS_LOSING)) {
            struct tpacket_stats st;
            socklen_t len = sizeof st;
            if (getsockopt(wire.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
                wire.lost += st.tp_drops;
        }
        if (mine)
            __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        wire.frame = (wire.frame + 1) % RING_FRAMES;
    }
}

/* ---- packets as lines ------------------------------------------------------ */

/* "127.0.0.1:41234", "[::1]:41234" (port < 0: the address alone). */
static void endpoint(char *buf, size_t len, int family, const void *addr, int port)
{
    char a[INET6_ADDRSTRLEN] = "?";
    inet_ntop(family, addr, a, sizeof a);
    if (port < 0)
        snprintf(buf, len, "%s", a);
    else
        snprintf(buf, len, family == AF_INET6 ? "[%s]:%d" : "%s:%d", a, port);
}

/* The first bytes of a payload as a quoted excerpt into buf. */
static void excerpt(char *buf, size_t len, const unsigned char *d, size_t n, size_t full)
{
    size_t k = 0;
    buf[k++] = ' ';
    buf[k++] = '"';
    for (size_t i = 0; i < n && i < 24 && k + 6 < len; i++) {
        unsigned char c = d[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\\') {
            buf[k++] = '\\';
            buf[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
        } else if (c >= 32 && c < 127) {
            buf[k++] = (char)c;
        } else {
            k += (size_t)snprintf(buf + k, len - k, "\\x%02x", c);
        }
    }
    snprintf(buf + k, len - k, "\"%s", full > 24 ? "..." : "");
}

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* TCP's flags as tcpdump writes them: [S], [S.], [P.], [F.], [R]. */
static void tcp_flags(char *buf, unsigned f)
{
    int k = 0;
    if (f & 0x02)
        buf[k++] = 'S';
    if (f & 0x01)
        buf[k++] = 'F';
    if (f & 0x04)
        buf[k++] = 'R';
    if (f & 0x08)
        buf[k++] = 'P';
    if (f & 0x20)
        buf[k++] = 'U';
    if (f & 0x10)
        buf[k++] = '.';
    buf[k] = '\0';
}

/* The transport part of a packet: TCP, UDP or ICMP (v4 or v6) from src to
 * dst, l4 its header (cap bytes of it kept, l4len on the wire). */
static void describe_l4(char *out, size_t len, int family, int proto, const void *src, const void *dst,
                        const unsigned char *l4, size_t cap, size_t l4len)
{
    char s[64], d[64], x[160] = "";
    if ((proto == IPPROTO_TCP && cap >= 20) || (proto == IPPROTO_UDP && cap >= 8)) {
        endpoint(s, sizeof s, family, src, be16(l4));
        endpoint(d, sizeof d, family, dst, be16(l4 + 2));
        size_t hdr = proto == IPPROTO_TCP ? (size_t)(l4[12] >> 4) * 4 : 8;
        size_t payload = l4len > hdr ? l4len - hdr : 0;
        if (payload)
            excerpt(x, sizeof x, l4 + hdr, cap > hdr ? cap - hdr : 0, payload);
        if (proto == IPPROTO_UDP) {
            snprintf(out, len, "%s > %s UDP len %zu%s", s, d, payload, x);
            return;
        }
        char f[8];
        tcp_flags(f, l4[13]);
        snprintf(out, len, "%s > %s [%s] len %zu%s", s, d, f, payload, x);
        return;
    }
    endpoint(s, sizeof s, family, src, -1);
    endpoint(d, sizeof d, family, dst, -1);
    bool icmp =
        (family == AF_INET && proto == IPPROTO_ICMP) || (family == AF_INET6 && proto == IPPROTO_ICMPV6);
    if (!icmp || cap < 8) {
        snprintf(out, len, "%s > %s protocol %d, %zu bytes", s, d, proto, l4len);
        return;
    }
    int type = l4[0], code = l4[1];
    bool unreach = family == AF_INET ? type == 3 && code == 3 : type == 1 && code == 4;
    const char *what = unreach                                         ? "port unreachable"
                       : (family == AF_INET ? type == 8 : type == 128) ? "echo request"
                       : (family == AF_INET ? type == 0 : type == 129) ? "echo reply"
                       : (family == AF_INET ? type == 3 : type == 1)   ? "destination unreachable"
                                                                       : NULL;
    char inner[200] = "";
    const unsigned char *in = l4 + 8;
    size_t incap = cap - 8;
    if (unreach && family == AF_INET && incap >= 28 && in[9] == IPPROTO_UDP) {
        size_t ihl = (size_t)(in[0] & 15) * 4;
        char is[64], id[64];
        if (incap >= ihl + 8) {
            endpoint(is, sizeof is, AF_INET, in + 12, be16(in + ihl));
            endpoint(id, sizeof id, AF_INET, in + 16, be16(in + ihl + 2));
            snprintf(inner, sizeof inner, " (for UDP %s > %s)", is, id);
        }
    } else if (unreach && family == AF_INET6 && incap >= 48 && in[6] == IPPROTO_UDP) {
        char is[64], id[64];
        endpoint(is, sizeof is, AF_INET6, in + 8, be16(in + 40));
        endpoint(id, sizeof id, AF_INET6, in + 24, be16(in + 42));
        snprintf(inner, sizeof inner, " (for UDP %s > %s)", is, id);
    }
    if (what)
        snprintf(out, len, "%s > %s ICMP%s %s%s", s, d, family == AF_INET6 ? "v6" : "", what, inner);
    else
        snprintf(out, len, "%s > %s ICMP%s type %d code %d", s, d, family == AF_INET6 ? "v6" : "", type,
                 code);
}

/* One packet as a line: "0.012 127.0.0.1:41234 > 127.0.0.1:39001 [P.] len 5 \"hello\"". */
static void describe(char *out, size_t len, const struct packet *p)
{
    double t = (double)((long long)p->sec - wire.t0.tv_sec) + ((long)p->nsec - wire.t0.tv_nsec) / 1e9;
    int k = snprintf(out, len, "%.3f ", t);
    out += k;
    len -= (size_t)k;
    const unsigned char *d = p->data + 14;
    size_t cap = p->caplen > 14 ? p->caplen - 14 : 0, wlen = p->len > 14 ? p->len - 14 : 0;
    uint16_t type = p->caplen >= 14 ? be16(p->data + 12) : 0;
    if (type == ETH_P_IP && cap >= 20) {
        size_t ihl = (size_t)(d[0] & 15) * 4, total = be16(d + 2);
        if (cap >= ihl)
            return describe_l4(out, len, AF_INET, d[9], d + 12, d + 16, d + ihl, cap - ihl,
                               (total < wlen ? total : wlen) - ihl);
    } else if (type == ETH_P_IPV6 && cap >= 40) {
        return describe_l4(out, len, AF_INET6, d[6], d + 8, d + 24, d + 40, cap - 40, be16(d + 4));
    }
    snprintf(out, len, "ethertype 0x%04x, %u bytes", type, p->len);
}

/* ---- the pcap ---------------------------------------------------------------- */

/* Write the kept packets, oldest first, as a classic pcap file to name in
 * the pcap folder; 0, or -1 with errno set. */
static int write_pcap_fd(int fd, unsigned long long first);
static int write_pcap(const char *name, unsigned long long first)
{
    if (wire.dirfd < 0) {
        errno = ENOENT;
        return -1;
    }
    int fd = openat(wire.dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    return write_pcap_fd(fd, first);
}

/* Write the kept packets from number first on to fd, and close it; 0, or
 * -1 with errno set. */
static int write_pcap_fd(int fd, unsigned long long first)
{
    struct sl_buf b = {0};
    uint32_t ghdr[6] = {0xa1b2c3d4, 2 | (4u << 16), 0, 0, 65535, 1 /* Ethernet */};
    sl_buf_append(&b, (const char *)ghdr, sizeof ghdr);
    for (unsigned long long i = first; i < wire.n; i++) {
        const struct packet *p = &wire.kept[i % WIRE_KEEP];
        uint32_t rec[4] = {p->sec, p->nsec / 1000, p->caplen, p->len};
        sl_buf_append(&b, (const char *)rec, sizeof rec);
        sl_buf_append(&b, (const char *)p->data, p->caplen);
    }
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = write(fd, b.data + off, b.len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    int saved = errno;
    close(fd);
    free(b.data);
    errno = saved;
    return off == b.len ? 0 : -1;
}

/* "03-bind-and-ports-reuseaddr_lets_rebind.pcap": the test program's name
 * and the test's, in letters, digits, '-' and '_' only. */
static void pcap_name(char *buf, size_t len)
{
    char exe[PATH_MAX] = "test";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 4] = '\0';
    const char *test = criterion_current_test ? criterion_current_test->name : "test";
    snprintf(buf, len, "%s-%s.pcap", basename(exe), test);
    for (char *c = buf; *c && strcmp(c, ".pcap") != 0; c++)
        if (!(*c == '-' || *c == '_' || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
              (*c >= 'A' && *c <= 'Z')))
            *c = '_';
}

static void add_line(struct sl_buf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct sl_buf *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = sl_xvasprintf(fmt, ap);
    va_end(ap);
    sl_buf_append(m, "wire: ", 6);
    sl_buf_append(m, s, strlen(s));
    sl_buf_append(m, "\n", 1);
    free(s);
}

void sl_wire_report(struct sl_buf *m)
{
    if (wire.fd < 0) {
        if (wire.why_not[0])
            add_line(m, "%s", wire.why_not);
        return;
    }
    sl_wire_drain();
    if (wire.n == 0) /* not a network test, or nothing got that far: nothing to show */
        return;
    unsigned long long first = wire.n > WIRE_KEEP ? wire.n - WIRE_KEEP : 0;
    unsigned long long shown = wire.n - first < WIRE_SHOW ? wire.n - first : WIRE_SHOW;
    add_line(m,
             "the last %llu of %llu packets on the test's loopback%s (seconds since the test began):", shown,
             wire.n + wire.lost, wire.lost ? ", some lost in a flood" : "");
    for (unsigned long long i = wire.n - shown; i < wire.n; i++) {
        char line[400];
        describe(line, sizeof line, &wire.kept[i % WIRE_KEEP]);
        add_line(m, "%s", line);
    }
    char name[300];
    pcap_name(name, sizeof name);
    if (write_pcap(name, first) == 0)
        add_line(m, "pcap of the last %llu packets: %s/%s (Wireshark, or tshark -r FILE)", wire.n - first,
                 wire.dir_shown, name);
    else
        add_line(m, "could not save the pcap %s/%s: %s", wire.dir_shown, name, strerror(errno));
}

/* ---- the capture, for a test that reads it ----------------------------------- */

int sl_wire_save(const char *path)
{
    if (wire.fd < 0)
        sl_skip("no capture of the test's loopback here: %s",
                wire.why_not[0] ? wire.why_not : "it needs the sandbox");
    sl_wire_drain();
    unsigned long long first = wire.n > WIRE_KEEP ? wire.n - WIRE_KEEP : 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || write_pcap_fd(fd, first) != 0)
        sl_fail("to save the capture of the test's loopback", "%s: %s", path, strerror(errno));
    sl_step("saved the %llu packets seen on the test's loopback so far to %s", wire.n - first, path);
    return (int)(wire.n - first);
}
