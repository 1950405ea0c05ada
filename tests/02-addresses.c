/*
 * 02-addresses.c - graded tests of lesson 02: resolve and the address module.
 *
 * resolve HOST is checked against the real peer, `getent ahosts HOST`: both
 * call getaddrinfo with the same hints, so they must list the same
 * (address, socket type) pairs in the same order, and the same canonical
 * name on the first line. resolve --parse checks parse_endpoint and
 * format_sockaddr from the outside: family, address, port, the port's bytes
 * in network byte order, and the socket address formatted back.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <locale.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* ---- helpers --------------------------------------------------------------- */

#define MAX_ROWS 32

/* One line of `getent ahosts` (or resolve) output: address, type, name. */
struct row {
    char addr[128];
    char type[16];
    char canon[256];
};

/* Split ahosts-style text into rows; returns how many (at most MAX_ROWS). */
static int parse_rows(const char *text, struct row *rows)
{
    int n = 0;
    char line[512];
    for (const char *s = text; n < MAX_ROWS && sl_next_line(&s, line, sizeof line);) {
        struct row r = {0};
        if (sscanf(line, "%127s %15s %255s", r.addr, r.type, r.canon) >= 2)
            rows[n++] = r;
    }
    return n;
}

/* The rows as one line, "127.0.0.1 STREAM localhost; 127.0.0.1 DGRAM; ...",
 * written into buf. */
static const char *rows_text(const struct row *rows, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s %s%s%s", i ? "; " : "", rows[i].addr,
                                 rows[i].type, rows[i].canon[0] ? " " : "", rows[i].canon);
    return n ? buf : "(no lines)";
}

/* Run `getent ahosts host` and `resolve host`, and check that they agree:
 * same (address, type) pairs in the same order, same canonical name on the
 * first line. When getent finds nothing (and may_fail), resolve must fail
 * too, with a one-line error and exit 1. */
static void expect_agrees_with_getent(const char *host, bool may_fail)
{
    struct row want[MAX_ROWS], got[MAX_ROWS];
    char wbuf[2048], gbuf[2048], expected[2200];
    struct sl_proc *g = sl_run("getent", "ahosts", host, NULL);
    int gst = sl_wait_exit(g, 5);
    struct sl_proc *r = sl_run("resolve", host, NULL);
    if (!may_fail)
        sl_expect(WIFEXITED(gst) && WEXITSTATUS(gst) == 0, "getent ahosts to find the name", "it did not: %s",
                  sl_err(g));
    if (!WIFEXITED(gst) || WEXITSTATUS(gst) != 0) {
        sl_step("getent ahosts %s found nothing here, so resolve must fail too", host);
        sl_expect_exit(r, 1);
        sl_expect_one_line_error(r);
        sl_expect_contains(sl_err(r), host, "resolve's error");
        return;
    }
    sl_expect_exit(r, 0);
    int nw = parse_rows(sl_out(g), want), ng = parse_rows(sl_out(r), got);
    rows_text(want, nw, wbuf, sizeof wbuf);
    rows_text(got, ng, gbuf, sizeof gbuf);
    sl_step("getent ahosts %s printed: %s", host, wbuf);
    snprintf(expected, sizeof expected, "the lines getent ahosts %s prints: %s", host, wbuf);
    if (ng != nw)
        sl_fail(expected, "%d line%s instead of %d: %s", ng, ng == 1 ? "" : "s", nw, gbuf);
    for (int i = 0; i < nw; i++)
        if (strcmp(want[i].addr, got[i].addr) != 0 || strcmp(want[i].type, got[i].type) != 0)
            sl_fail(expected, "line %d is \"%s %s\" instead of \"%s %s\": %s", i + 1, got[i].addr,
                    got[i].type, want[i].addr, want[i].type, gbuf);
    if (nw > 0 && strcmp(want[0].canon, got[0].canon) != 0)
        sl_fail(expected, "the canonical name on line 1 is \"%s\" instead of \"%s\"", got[0].canon,
                want[0].canon);
}

/* Fail unless text has a line "KEY VALUE" (KEY the first word, VALUE the
 * rest after the spaces); what names the text. */
static void expect_field(const char *text, const char *key, const char *value, const char *what)
{
    char got[512], want[600];
    snprintf(want, sizeof want, "%s to have the line \"%-8s %s\"", what, key, value);
    if (!sl_line_value(text, key, got, sizeof got))
        sl_fail(want, "no line starting with \"%s\" in: %s", key, *text ? text : "(nothing)");
    if (strcmp(got, value) != 0)
        sl_fail(want, "\"%s %s\"", key, got);
}

/* Run resolve --parse endpoint, expect exit 0, and return its output. */
static const char *parse_ok(const char *endpoint)
{
    struct sl_proc *p = sl_run("resolve", "--parse", endpoint, NULL);
    sl_expect_exit(p, 0);
    return sl_out(p);
}

/* Run resolve with args (NULL-terminated), expect exit `code` with a one-line
 * error on stderr that contains `needle`. */
static void expect_error(int code, const char *needle, char *const args[])
{
    struct sl_proc *p = sl_startv("resolve", args);
    sl_close_stdin(p);
    sl_expect_error(p, code, needle);
}

/* gai_strerror's text for code as resolve prints it: in the C locale (the
 * test runner may have set another one). */
static const char *gai_text(int code)
{
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    const char *text = gai_strerror(code); /* a static string in "C" */
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    return text;
}

/* ---- the tests --------------------------------------------------------------- */

GRADED(help, 1, "resolve --help prints the usage on stdout and exits 0",
       "Handle --help (and -h) in parse_args: print the usage text to stdout, exit 0. "
       "See the chapter, section 'The exercise'.")
{
    struct sl_proc *p = sl_run("resolve", "--help", NULL);
    sl_expect_exit(p, 0);
    sl_expect_contains(sl_out(p), "usage: resolve", "resolve's output");
    sl_expect_contains(sl_out(p), "--parse", "resolve's output");
}

GRADED(usage_errors, 2, "unknown options and wrong argument counts: one line, exit 2",
       "parse_args: an argument starting with '-' that is not an option, no HOST, or more "
       "than HOST SERVICE is a usage error: one line on stderr naming it, exit 2. "
       "See the chapter, section 'The exercise'.")
{
    expect_error(2, "--bogus", (char *[]){"resolve", "--bogus", NULL});
    expect_error(2, "resolve", (char *[]){"resolve", NULL});
    expect_error(2, "resolve", (char *[]){"resolve", "localhost", "80", "extra", NULL});
    expect_error(2, "resolve", (char *[]){"resolve", "--parse", NULL});
}

GRADED(numeric_ipv4, 2, "resolve 127.0.0.1 lists what getent ahosts 127.0.0.1 lists",
       "Call getaddrinfo with the hints getent uses (AF_UNSPEC, AI_V4MAPPED | AI_ADDRCONFIG "
       "| AI_CANONNAME, no socket type) and print EVERY result, in order. Compare by hand: "
       "diff <(resolve 127.0.0.1) <(getent ahosts 127.0.0.1). Chapter: 'The result loop'.")
{
    expect_agrees_with_getent("127.0.0.1", false);
}

GRADED(numeric_ipv6, 2, "resolve ::1 lists what getent ahosts ::1 lists",
       "An IPv6 literal goes through the same getaddrinfo call; print it with getnameinfo "
       "(NI_NUMERICHOST), not by hand. Compare: diff <(resolve ::1) <(getent ahosts ::1). "
       "Chapter: 'IPv4 and IPv6'.")
{
    expect_agrees_with_getent("::1", true);
}

GRADED(localhost, 2, "resolve localhost lists what getent ahosts localhost lists",
       "A name can have several addresses and each comes back once per socket type: loop "
       "over ai_next until NULL, and print ai_canonname (set on the first result only). "
       "Chapter: 'The result loop'.")
{
    expect_agrees_with_getent("localhost", false);
}

GRADED(hosts_file, 3, "names from /etc/hosts (tests/hosts.txt) resolve exactly as getent says",
       "Every address of a name must be printed, IPv4 and IPv6, in getaddrinfo's order, and "
       "an alias's first line carries the canonical name. Chapter: 'getaddrinfo'.")
{
    sl_hosts_table(); /* tests/hosts.txt: socklab-test.example, socklab-alias */
    struct sl_proc *g = sl_run("getent", "ahosts", "socklab-test.example", NULL);
    int st = sl_wait_exit(g, 5);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        sl_skip("getent does not see the private /etc/hosts here (is nscd caching hosts?), "
                "so there is nothing to compare with");
    expect_agrees_with_getent("socklab-test.example", false);
    expect_agrees_with_getent("socklab-alias", false);
    struct sl_proc *r = sl_run("resolve", "socklab-alias", NULL);
    sl_expect_exit(r, 0);
    char line[256];
    const char *first = sl_find_line(sl_out(r), "192.0.2.10", line, sizeof line);
    sl_expect(first && strstr(first, "socklab-test.example"),
              "the first line of resolve socklab-alias to end in its canonical name "
              "socklab-test.example",
              "%s", first ? first : sl_out(r));
}

GRADED(service_port, 2, "resolve HOST SERVICE prints ADDR:PORT, [IPv6]:PORT for IPv6",
       "With a SERVICE, print each result with format_sockaddr: getnameinfo with "
       "NI_NUMERICHOST | NI_NUMERICSERV, brackets around an IPv6 address. Chapter: "
       "'From sockaddr back to text'.")
{
    struct row want[MAX_ROWS], got[MAX_ROWS];
    struct sl_proc *g = sl_run("getent", "ahosts", "127.0.0.1", NULL);
    sl_expect_exit(g, 0);
    int nw = parse_rows(sl_out(g), want);
    struct sl_proc *r = sl_run("resolve", "127.0.0.1", "8080", NULL);
    sl_expect_exit(r, 0);
    int ng = parse_rows(sl_out(r), got);
    sl_expect(ng == nw, "one line per getaddrinfo result, as many as getent ahosts 127.0.0.1 prints",
              "%d lines instead of %d: %s", ng, nw, sl_out(r));
    for (int i = 0; i < ng; i++)
        sl_expect(strcmp(got[i].addr, "127.0.0.1:8080") == 0, "every line to start with 127.0.0.1:8080",
                  "line %d starts with \"%s\"", i + 1, got[i].addr);
    g = sl_run("getent", "ahosts", "::1", NULL);
    int st = sl_wait_exit(g, 5);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return; /* no IPv6 here: numeric_ipv6 checks that resolve fails too */
    r = sl_run("resolve", "::1", "8080", NULL);
    sl_expect_exit(r, 0);
    ng = parse_rows(sl_out(r), got);
    sl_expect(ng > 0, "resolve ::1 8080 to print lines", "nothing");
    for (int i = 0; i < ng; i++)
        sl_expect(strcmp(got[i].addr, "[::1]:8080") == 0,
                  "every line of resolve ::1 8080 to start with [::1]:8080", "line %d starts with \"%s\"",
                  i + 1, got[i].addr);
}

GRADED(bad_service, 2, "a bad port is a usage error (exit 2), an unknown service a lookup error (exit 1)",
       "A SERVICE that starts with a digit must be a port 0-65535 (getaddrinfo itself would "
       "turn 65616 into 80); check it with parse_port (strtol + range). An unknown service "
       "name is getaddrinfo's error: report it with gai_strerror. Chapter: 'Ports are numbers'.")
{
    expect_error(2, "65536", (char *[]){"resolve", "localhost", "65536", NULL});
    expect_error(2, "65616", (char *[]){"resolve", "localhost", "65616", NULL});
    expect_error(2, "8o", (char *[]){"resolve", "localhost", "8o", NULL});
    expect_error(1, gai_text(EAI_SERVICE), (char *[]){"resolve", "localhost", "no-such-service", NULL});
}

GRADED(unresolvable, 2, "a name that does not resolve: one line with gai_strerror's reason, exit 1",
       "getaddrinfo returns an error code, not -1 with errno: print it with gai_strerror "
       "(strerror(errno) only for EAI_SYSTEM), name the host, exit 1. Chapter: 'getaddrinfo'.")
{
    static const int codes[] = {EAI_NONAME, EAI_AGAIN, EAI_FAIL, EAI_NODATA, EAI_ADDRFAMILY};
    /* .invalid never resolves (RFC 2606); the final dot stops the resolver
     * from trying it under the search domains of resolv.conf. */
    struct sl_proc *p = sl_start("resolve", "nosuch.invalid.", NULL);
    sl_close_stdin(p);
    sl_wait_exit(p, 20); /* a resolver without a network may take its time */
    sl_expect_exit(p, 1);
    sl_expect_one_line_error(p);
    const char *err = sl_err(p);
    sl_expect_contains(err, "nosuch.invalid", "resolve's error");
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strstr(err, gai_text(codes[i])))
            return;
    sl_fail("the error to end in a gai_strerror text such as \"Name or service not known\"", "%s", err);
}

GRADED(parse_ipv4, 2, "resolve --parse 192.0.2.1:8080: family, address, port and its bytes",
       "parse_endpoint: inet_pton into sin_addr, htons into sin_port; the port line is "
       "ntohs(sin_port), the bytes line the two bytes of sin_port as stored (1f 90). "
       "Chapter: 'Byte order'.")
{
    const char *out = parse_ok("192.0.2.1:8080");
    expect_field(out, "family", "AF_INET", "resolve --parse's output");
    expect_field(out, "address", "192.0.2.1", "resolve --parse's output");
    expect_field(out, "port", "8080", "resolve --parse's output");
    expect_field(out, "bytes", "1f 90", "resolve --parse's output");
    expect_field(out, "sockaddr", "192.0.2.1:8080", "resolve --parse's output");
}

GRADED(parse_ipv6, 2, "resolve --parse [2001:db8:0:0::1]:443 gives AF_INET6 and [2001:db8::1]:443",
       "Inside brackets: an IPv6 literal for inet_pton(AF_INET6); the address printed back "
       "by getnameinfo is in its shortest form. Chapter: 'Writing an endpoint down'.")
{
    const char *out = parse_ok("[2001:db8:0:0::1]:443");
    expect_field(out, "family", "AF_INET6", "resolve --parse's output");
    expect_field(out, "address", "2001:db8::1", "resolve --parse's output");
    expect_field(out, "port", "443", "resolve --parse's output");
    expect_field(out, "bytes", "01 bb", "resolve --parse's output");
    expect_field(out, "sockaddr", "[2001:db8::1]:443", "resolve --parse's output");
    out = parse_ok("[::1]:8080");
    expect_field(out, "port", "8080", "resolve --parse [::1]:8080's output");
    expect_field(out, "sockaddr", "[::1]:8080", "resolve --parse [::1]:8080's output");
}

GRADED(parse_name, 2, "resolve --parse localhost:8080 resolves the name to each TCP address",
       "A host that is not a literal is a name: keep it, then getaddrinfo it (SOCK_STREAM, "
       "AI_NUMERICSERV) and print one sockaddr line per result. Chapter: 'The exercise'.")
{
    struct row want[MAX_ROWS];
    struct sl_proc *g = sl_run("getent", "ahosts", "localhost", NULL);
    sl_expect_exit(g, 0);
    int nw = parse_rows(sl_out(g), want);
    const char *out = parse_ok("localhost:8080");
    expect_field(out, "family", "AF_UNSPEC", "resolve --parse's output");
    expect_field(out, "name", "localhost", "resolve --parse's output");
    expect_field(out, "port", "8080", "resolve --parse's output");
    expect_field(out, "bytes", "1f 90", "resolve --parse's output");
    int streams = 0;
    for (int i = 0; i < nw; i++) {
        if (strcmp(want[i].type, "STREAM") != 0)
            continue;
        char expect[200];
        snprintf(expect, sizeof expect, strchr(want[i].addr, ':') ? "sockaddr [%s]:8080" : "sockaddr %s:8080",
                 want[i].addr);
        sl_expect_contains(out, expect, "resolve --parse localhost:8080's output");
        streams++;
    }
    sl_expect(sl_count_lines(out, "sockaddr ") == streams,
              "one sockaddr line per TCP address of localhost (as getent ahosts lists them)",
              "%d sockaddr lines instead of %d: %s", sl_count_lines(out, "sockaddr "), streams, out);
}

GRADED(port_bounds, 1, "ports 0 and 65535 are accepted, 65536 and beyond are not",
       "parse_port: strtol, then check 0 <= port <= 65535 (and that strtol did not overflow). "
       "Chapter: 'Ports are numbers'.")
{
    const char *out = parse_ok("127.0.0.1:0");
    expect_field(out, "port", "0", "resolve --parse 127.0.0.1:0's output");
    out = parse_ok("[::1]:65535");
    expect_field(out, "bytes", "ff ff", "resolve --parse [::1]:65535's output");
    expect_error(2, "127.0.0.1:65536", (char *[]){"resolve", "--parse", "127.0.0.1:65536", NULL});
    expect_error(2, "127.0.0.1:99999999999999999999",
                 (char *[]){"resolve", "--parse", "127.0.0.1:99999999999999999999", NULL});
}

GRADED(bad_endpoints, 3, "malformed endpoints: one line naming the endpoint, exit 2",
       "parse_endpoint must refuse: a missing or stray bracket, an IPv6 address without "
       "brackets, a missing host or port, a port that is not digits, a bad IPv4 address, a "
       "host name with other characters. Chapter: 'Writing an endpoint down'.")
{
    static const char *const bad[] = {
        "[::1:8080",     /* no closing bracket */
        "[::1]8080",     /* no ':' after the bracket */
        "::1:8080",      /* IPv6 without brackets: which colon is the port's? */
        "[1.2.3.4]:80",  /* brackets hold IPv6 only */
        "x]:80",         /* a stray bracket */
        "localhost",     /* no port */
        "localhost:",    /* empty port */
        ":80",           /* no host */
        "127.0.0.1:-1",  /* a sign */
        "127.0.0.1:80x", /* junk after the port */
        "1.2.3.256:80",  /* not an IPv4 address */
        "bad host:80",   /* not a host name */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(2, bad[i], (char *[]){"resolve", "--parse", (char *)bad[i], NULL});
}
