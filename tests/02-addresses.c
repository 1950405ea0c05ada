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

#include <ctype.h>
#include <linux/capability.h>
#include <locale.h>
#include <netdb.h>
#include <stdarg.h>
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

/* Run resolve with args to its end, faultio noting what it never gives
 * back (see sl_expect_no_leaks). */
static struct sl_proc *run_resolve(const char *const *args)
{
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = "resolve", .args = args, .faults = "leaks=1"});
    sl_close_stdin(p);
    sl_wait_exit(p, 10);
    return p;
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
    struct sl_proc *r = run_resolve(SL_ARGS(host));
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
    sl_expect_no_leaks(r);
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
    struct sl_proc *p = run_resolve(SL_ARGS("--parse", endpoint));
    sl_expect_exit(p, 0);
    sl_expect_no_leaks(p);
    return sl_out(p);
}

/* Fail unless err is one line as the chapter asks for every error: it
 * starts with "resolve: " and ends with a newline. */
static void expect_error_shape(const char *err)
{
    size_t len = strlen(err);
    sl_expect(strncmp(err, "resolve: ", 9) == 0,
              "the error line to start with \"resolve: \" (who is speaking)", "\"%s\"", err);
    sl_expect(len > 0 && err[len - 1] == '\n', "the error line to end with a newline",
              "\"%s\" (no newline at the end)", err);
}

/* Run resolve with args (NULL-terminated), expect exit `code` with a one-line
 * error on stderr, "resolve: ...\n", that contains `needle`. Returns it. */
static const char *expect_error(int code, const char *needle, char *const args[])
{
    struct sl_proc *p = sl_startv("resolve", args);
    sl_close_stdin(p);
    sl_expect_error(p, code, needle);
    expect_error_shape(sl_err(p));
    return sl_err(p);
}

/* Fail unless the reason in error line err mentions `word` (in any case)
 * when `has`, or does not mention it when !has; what says why. */
static void expect_reason(const char *err, const char *word, bool has, const char *what)
{
    if ((strcasestr(err, word) != NULL) != has)
        sl_fail(what, "\"%.*s\"", (int)strcspn(err, "\n"), err);
}

/* True if text contains word as a word of its own: no letter, digit, '-',
 * '.' or '_' right before or right after it. */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *s = text; (s = strstr(s, word)) != NULL; s++) {
        bool before = s > text && (isalnum((unsigned char)s[-1]) || strchr("-._", s[-1]));
        bool after = s[n] && (isalnum((unsigned char)s[n]) || strchr("-._", s[n]));
        if (!before && !after)
            return true;
    }
    return false;
}

/* Fail unless the error line err ends with `reason` (gai_strerror's text):
 * "resolve: getaddrinfo HOST: REASON". */
static void expect_ends_with(const char *err, const char *reason)
{
    size_t len = strcspn(err, "\n"), rlen = strlen(reason);
    char want[256];
    snprintf(want, sizeof want, "the error line to end with the reason, \"%s\"", reason);
    if (len < rlen || strncmp(err + len - rlen, reason, rlen) != 0)
        sl_fail(want, "\"%.*s\"", (int)len, err);
}

/* Fail if error line err ends with arg, the argument at fault, rather
 * than with the reason: "bad port '65536': out of range", not the reverse. */
static void expect_reason_last(const char *err, const char *arg)
{
    size_t len = strcspn(err, "\n"), alen = strlen(arg);
    char want[256];
    snprintf(want, sizeof want, "the error line to name '%s' first and end with the reason", arg);
    if (alen > 0 && len >= alen && strncmp(err + len - alen, arg, alen) == 0)
        sl_fail(want, "\"%.*s\"", (int)len, err);
}

/* Append printf-style text to the string in buf (size bytes in all). */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    if (used < size)
        vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* Check the sockaddr lines of `resolve --parse HOST:PORT` (its output out):
 * one per TCP address that `getent ahosts HOST` lists, in getent's order,
 * written ADDR:PORT or [ADDR]:PORT. */
static void expect_sockaddrs_like_getent(const char *host, const char *port, const char *out)
{
    struct row want[MAX_ROWS];
    char wbuf[2048], expected[2048] = "", got[2048] = "", line[512], what[2300];
    struct sl_proc *g = sl_run("getent", "ahosts", host, NULL);
    sl_expect_exit(g, 0);
    int nw = parse_rows(sl_out(g), want);
    sl_step("getent ahosts %s printed: %s", host, rows_text(want, nw, wbuf, sizeof wbuf));
    for (int i = 0; i < nw; i++)
        if (strcmp(want[i].type, "STREAM") == 0)
            append(expected, sizeof expected, strchr(want[i].addr, ':') ? "%s[%s]:%s" : "%s%s:%s",
                   *expected ? "; " : "", want[i].addr, port);
    for (const char *s = out; sl_next_line(&s, line, sizeof line);)
        if (strncmp(line, "sockaddr ", 9) == 0)
            append(got, sizeof got, "%s%s", *got ? "; " : "", line + 9);
    snprintf(what, sizeof what, "one sockaddr line per TCP address of %s, in getent ahosts' order: %s", host,
             expected);
    if (strcmp(got, expected) != 0)
        sl_fail(what, "%s", *got ? got : "(no sockaddr lines)");
}

/* Run `ip ARGS` with CAP_NET_ADMIN in this test's own network namespace
 * (created for this test alone: no other test and not the machine sees the
 * change). Skips if ip cannot (a kernel without IPv6, say): that is the
 * machine, not the program graded. */
static void ip_cmd(const char *const *args)
{
    struct sl_proc *p =
        sl_startx(&(struct sl_opts){.prog = "ip", .args = args, .keep_caps = 1ULL << CAP_NET_ADMIN});
    sl_close_stdin(p);
    int st = sl_wait_exit(p, 5);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        sl_skip("could not change the test's own network (%s): %s", sl_cmdline(p),
                *sl_err(p) ? sl_err(p) : "ip failed");
}

/* Leave this test's network one address family besides loopback: remove
 * the address `old` from lo (unless NULL), then add `cidr`, IPv4 or IPv6.
 * AI_ADDRCONFIG then leaves the other family out. Skips where getent does
 * not (a C library without AI_ADDRCONFIG), as there is nothing to compare. */
static void only_one_family(const char *cidr, const char *old)
{
    bool v6 = strchr(cidr, ':') != NULL;
    if (!sl_sandboxed())
        sl_skip("this test changes the addresses of its network, which needs the sandbox: %s",
                sl_sandbox_note());
    if (old)
        ip_cmd(SL_ARGS("addr", "del", old, "dev", "lo"));
    if (v6)
        ip_cmd(SL_ARGS("addr", "add", cidr, "dev", "lo", "nodad"));
    else
        ip_cmd(SL_ARGS("addr", "add", cidr, "dev", "lo"));
    sl_step("this test's own network now has %s on lo: %s, and of the other family only loopback", cidr,
            v6 ? "IPv6" : "IPv4");
    /* With one family, glibc narrows AF_UNSPEC to it: no ::1 when IPv4 is
     * alone; 127.0.0.1 only as ::ffff:127.0.0.1 (AI_V4MAPPED) when IPv6 is. */
    struct row rows[MAX_ROWS];
    struct sl_proc *g = sl_run("getent", "ahosts", v6 ? "127.0.0.1" : "::1", NULL);
    int st = sl_wait_exit(g, 5);
    bool found = WIFEXITED(st) && WEXITSTATUS(st) == 0 && parse_rows(sl_out(g), rows) > 0;
    if (found && (!v6 || strcmp(rows[0].addr, "127.0.0.1") == 0))
        sl_skip("getent ahosts %s still finds it with only %s configured: this C library does not apply "
                "AI_ADDRCONFIG so, and there is nothing to compare with",
                v6 ? "127.0.0.1" : "::1", v6 ? "IPv6" : "IPv4");
}

/* Run `resolve HOST SERVICE`: it must print at least one line, and every
 * line must start with `expect` (ADDR:PORT). */
static void expect_first_column(const char *host, const char *service, const char *expect)
{
    struct row got[MAX_ROWS];
    char what[200];
    struct sl_proc *r = sl_run("resolve", host, service, NULL);
    sl_expect_exit(r, 0);
    int ng = parse_rows(sl_out(r), got);
    snprintf(what, sizeof what, "resolve %s %s to print lines that start with %s", host, service, expect);
    sl_expect(ng > 0, what, "no line: %s", sl_out(r));
    for (int i = 0; i < ng; i++)
        sl_expect(strcmp(got[i].addr, expect) == 0, what, "line %d starts with \"%s\"", i + 1, got[i].addr);
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

/* Run resolve with args, a lookup of `host` that fails: it must exit 1
 * with one line on stderr, "resolve: ...", naming the host and ending with
 * gai_strerror's text. */
static const char *expect_lookup_error(const char *host, const char *const *args)
{
    static const int codes[] = {EAI_NONAME, EAI_AGAIN, EAI_FAIL, EAI_NODATA, EAI_ADDRFAMILY};
    struct sl_proc *p = sl_startx(&(struct sl_opts){.prog = "resolve", .args = args});
    sl_close_stdin(p);
    sl_wait_exit(p, 20); /* a resolver without a network may take its time */
    sl_expect_exit(p, 1);
    sl_expect_one_line_error(p);
    const char *err = sl_err(p);
    expect_error_shape(err);
    sl_expect_contains(err, host, "resolve's error");
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strstr(err, gai_text(codes[i]))) {
            expect_ends_with(err, gai_text(codes[i]));
            return err;
        }
    sl_fail("the error to end in a gai_strerror text such as \"Name or service not known\"", "%s", err);
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
       "than HOST SERVICE is a usage error: one line on stderr, \"resolve: \" then what is "
       "wrong (for no arguments: the missing HOST), exit 2. "
       "See the chapter, section 'The exercise'.")
{
    expect_error(2, "--bogus", (char *[]){"resolve", "--bogus", NULL});
    const char *err = expect_error(2, "resolve", (char *[]){"resolve", NULL});
    expect_reason(err, "host", true, "the error for no arguments at all to say that HOST is missing");
    expect_error(2, "resolve", (char *[]){"resolve", "localhost", "80", "extra", NULL});
    expect_error(2, "resolve", (char *[]){"resolve", "--parse", NULL});
}

GRADED(short_options, 2, "-h and -p do what --help and --parse do; -x is an unknown option",
       "--help states both spellings of each option: compare argv[1] with \"-h\" and \"--help\", "
       "\"-p\" and \"--parse\". Any other argument that starts with '-', even a single letter, is "
       "an unknown option (exit 2), not a HOST. Chapter: 'The exercise'.")
{
    static const char *const endpoints[] = {"192.0.2.1:8080", "[2001:db8::1]:443"};
    struct sl_proc *longer = sl_run("resolve", "--help", NULL);
    struct sl_proc *shorter = sl_run("resolve", "-h", NULL);
    sl_expect_exit(shorter, 0);
    sl_expect(strcmp(sl_out(shorter), sl_out(longer)) == 0 && *sl_out(shorter),
              "resolve -h to print the same usage as resolve --help", "%s",
              *sl_out(shorter) ? sl_out(shorter) : "(nothing on stdout)");
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
        longer = sl_run("resolve", "--parse", endpoints[i], NULL);
        shorter = sl_run("resolve", "-p", endpoints[i], NULL);
        int ls = sl_wait_exit(longer, 5), ss = sl_wait_exit(shorter, 5);
        char want[300];
        snprintf(want, sizeof want,
                 "resolve -p %s to exit and print as resolve --parse %s does (exit %d): %s", endpoints[i],
                 endpoints[i], WIFEXITED(ls) ? WEXITSTATUS(ls) : -1, sl_out(longer));
        sl_expect(ls == ss && strcmp(sl_out(longer), sl_out(shorter)) == 0, want, "exit %d: %s %s",
                  WIFEXITED(ss) ? WEXITSTATUS(ss) : -1, sl_out(shorter), sl_err(shorter));
    }
    expect_error(2, "-p", (char *[]){"resolve", "-p", NULL});
    expect_error(2, "-p", (char *[]){"resolve", "-p", "192.0.2.1:80", "[::1]:80", NULL});
    expect_error(2, "--parse", (char *[]){"resolve", "--parse", "192.0.2.1:80", "[::1]:80", NULL});
    expect_error(2, "-x", (char *[]){"resolve", "-x", NULL});
    expect_error(2, "-x", (char *[]){"resolve", "-x", "80", NULL});
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

GRADED(v4_mapped, 1, "resolve ::ffff:192.0.2.1 (IPv4-mapped IPv6) lists what getent ahosts lists",
       "An IPv4-mapped address is an IPv6 address: getaddrinfo returns it as AF_INET6, and "
       "getnameinfo prints it back as ::ffff:192.0.2.1. Do not special-case families. Compare: "
       "diff <(resolve ::ffff:192.0.2.1) <(getent ahosts ::ffff:192.0.2.1). Chapter: 'IPv4 and IPv6'.")
{
    expect_agrees_with_getent("::ffff:192.0.2.1", true);
}

GRADED(longest_address, 2,
       "the longest address text, fe80:ffff:...:ffff%4294967295 port 65535, is printed whole",
       "Size the buffers for the longest text: an IPv6 address is up to INET6_ADDRSTRLEN bytes "
       "with its '\\0', and a link-local one carries a zone (%4294967295, or an interface name of up "
       "to IF_NAMESIZE); ADDR_STRLEN holds [ADDR%ZONE]:65535. Chapter: 'From sockaddr back to text'.")
{
    static const char host[] = "fe80:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295";
    struct row want[MAX_ROWS], got[MAX_ROWS];
    char expect[sizeof want[0].addr + 16];
    expect_agrees_with_getent(host, true);
    struct sl_proc *g = sl_run("getent", "ahosts", host, NULL);
    int st = sl_wait_exit(g, 5);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return; /* no IPv6 here: resolve failed as getent did, above */
    int nw = parse_rows(sl_out(g), want);
    struct sl_proc *r = sl_run("resolve", host, "65535", NULL);
    sl_expect_exit(r, 0);
    int ng = parse_rows(sl_out(r), got);
    sl_expect(ng == nw, "one line per getaddrinfo result, as many as getent ahosts lists",
              "%d lines instead of %d: %s", ng, nw, sl_out(r));
    snprintf(expect, sizeof expect, "[%s]:65535", want[0].addr);
    for (int i = 0; i < ng; i++)
        sl_expect(strcmp(got[i].addr, expect) == 0,
                  "every line of resolve HOST 65535 to start with the address in "
                  "brackets and the port",
                  "line %d starts with \"%s\" instead of \"%s\"", i + 1, got[i].addr, expect);
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

GRADED(addrconfig, 3,
       "with only IPv4 or only IPv6 configured, resolve lists what getent lists: one family, IPv4 as "
       "::ffff:a.b.c.d",
       "AI_ADDRCONFIG: getaddrinfo returns IPv6 addresses only if the machine has an IPv6 address "
       "other than ::1, and IPv4 ones only if it has one other than 127.0.0.1; with IPv6 alone, "
       "AI_V4MAPPED gives an IPv4-only name as ::ffff:a.b.c.d. Use getent's hints exactly: AF_UNSPEC, "
       "AI_V4MAPPED | AI_ADDRCONFIG | AI_CANONNAME. Chapter: 'getaddrinfo'.")
{
    sl_hosts_table(); /* tests/hosts.txt: a one-letter name, one of 1024 characters, ... */
    only_one_family("192.0.2.1/32", NULL);
    expect_agrees_with_getent("socklab-test.example", false);
    expect_agrees_with_getent("::1", true);
    only_one_family("2001:db8::1/128", "192.0.2.1/32");
    expect_agrees_with_getent("socklab-test.example", false);
    expect_agrees_with_getent("socklab-alias", false);
    expect_agrees_with_getent("127.0.0.1", true);
}

GRADED(service_port, 2, "resolve HOST SERVICE prints ADDR:PORT, [IPv6]:PORT for IPv6, ports 0 to 65535",
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
    expect_first_column("127.0.0.1", "8080", "127.0.0.1:8080");
    expect_first_column("127.0.0.1", "0", "127.0.0.1:0");
    expect_first_column("127.0.0.1", "65535", "127.0.0.1:65535");
    g = sl_run("getent", "ahosts", "::1", NULL);
    int st = sl_wait_exit(g, 5);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return; /* no IPv6 here: numeric_ipv6 checks that resolve fails too */
    expect_first_column("::1", "8080", "[::1]:8080");
    expect_first_column("::1", "0", "[::1]:0");
    expect_first_column("::1", "65535", "[::1]:65535");
}

GRADED(bad_service, 3,
       "a bad port is a usage error (exit 2) that says why, an unknown service a lookup error (exit 1)",
       "A SERVICE that starts with a letter is a service name; anything else must be a port "
       "0-65535 (getaddrinfo itself would turn 65616 into 80 and \"\" into 0): check it with "
       "parse_port, and say which is wrong: out of range (errno ERANGE) or not a number (EINVAL). "
       "An unknown service name is getaddrinfo's error: end the line with gai_strerror's text. "
       "Chapter: 'Ports are numbers'.")
{
    static const char *const too_big[] = {"65536", "65616", "99999999999999999999"};
    static const char *const not_numbers[] = {"8o", "+", "-1", " 80", "", "99999999999999999999x"};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++) {
        const char *err =
            expect_error(2, too_big[i], (char *[]){"resolve", "localhost", (char *)too_big[i], NULL});
        expect_reason(err, "range", true, "the reason for a port over 65535 to say it is out of range");
        expect_reason_last(err, too_big[i]);
    }
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++) {
        char what[160];
        const char *err =
            expect_error(2, not_numbers[i], (char *[]){"resolve", "localhost", (char *)not_numbers[i], NULL});
        snprintf(what, sizeof what,
                 "the reason for port '%s' to say it is not a number (not \"out of range\")", not_numbers[i]);
        expect_reason(err, "range", false, what);
        expect_reason_last(err, not_numbers[i]);
    }
    const char *err =
        expect_error(1, gai_text(EAI_SERVICE), (char *[]){"resolve", "localhost", "no-such-service", NULL});
    expect_ends_with(err, gai_text(EAI_SERVICE));
    sl_expect(
        has_word(err, "localhost") && has_word(err, "no-such-service"),
        "the error to name the host and the service, each as typed (\"localhost\", \"no-such-service\")",
        "%.*s", (int)strcspn(err, "\n"), err);
}

GRADED(unresolvable, 2, "a name that does not resolve: one line with gai_strerror's reason, exit 1",
       "getaddrinfo returns an error code, not -1 with errno: print it with gai_strerror "
       "(strerror(errno) only for EAI_SYSTEM), name the host, exit 1. Chapter: 'getaddrinfo'.")
{
    /* .invalid never resolves (RFC 2606); the final dot stops the resolver
     * from trying it under the search domains of resolv.conf. */
    expect_lookup_error("nosuch.invalid", SL_ARGS("nosuch.invalid."));
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

GRADED(parse_ipv6, 3,
       "resolve --parse [2001:db8:0:0::1]:443 gives AF_INET6 and [2001:db8::1]:443; so do the "
       "IPv4-mapped and the longest IPv6 forms",
       "Inside brackets: an IPv6 literal for inet_pton(AF_INET6); the address printed back "
       "by getnameinfo is in its shortest form. The longest form, ffff:...:255.255.255.255, is "
       "INET6_ADDRSTRLEN - 1 characters. Chapter: 'Writing an endpoint down'.")
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
    out = parse_ok("[::ffff:192.0.2.1]:80");
    expect_field(out, "family", "AF_INET6", "resolve --parse [::ffff:192.0.2.1]:80's output");
    expect_field(out, "address", "::ffff:192.0.2.1", "resolve --parse [::ffff:192.0.2.1]:80's output");
    expect_field(out, "sockaddr", "[::ffff:192.0.2.1]:80", "resolve --parse [::ffff:192.0.2.1]:80's output");
    out = parse_ok("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535");
    expect_field(out, "address", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "its output");
    expect_field(out, "bytes", "ff ff", "its output");
    expect_field(out, "sockaddr", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", "its output");
}

GRADED(parse_name, 2, "resolve --parse localhost:8080 resolves the name to each TCP address",
       "A host that is not a literal is a name: keep it, then getaddrinfo it (SOCK_STREAM, "
       "AI_NUMERICSERV) and print one sockaddr line per result. Chapter: 'The exercise'.")
{
    const char *out = parse_ok("localhost:8080");
    expect_field(out, "family", "AF_UNSPEC", "resolve --parse's output");
    expect_field(out, "name", "localhost", "resolve --parse's output");
    expect_field(out, "port", "8080", "resolve --parse's output");
    expect_field(out, "bytes", "1f 90", "resolve --parse's output");
    expect_sockaddrs_like_getent("localhost", "8080", out);
}

GRADED(parse_hosts, 3,
       "resolve --parse NAME:PORT lists every TCP address of the name, IPv4 and IPv6, as "
       "getent does; names of 1 to 1024 characters",
       "Loop over every getaddrinfo result, with AI_ADDRCONFIG as the chapter says (a family "
       "this network does not have is left out). A host is any length from one character up to "
       "what ep->host holds (NI_MAXHOST - 1); longer is a usage error. Chapter: 'The exercise'.")
{
    char longest[1026], endpoint[1040];
    sl_hosts_table(); /* tests/hosts.txt: a one-letter name, one of 1024 characters, ... */
    const char *out = parse_ok("socklab-test.example:443");
    expect_field(out, "name", "socklab-test.example", "resolve --parse socklab-test.example:443's output");
    expect_sockaddrs_like_getent("socklab-test.example", "443", out);
    out = parse_ok("x:80");
    expect_field(out, "name", "x", "resolve --parse x:80's output");
    expect_sockaddrs_like_getent("x", "80", out);
    memset(longest, 'a', 1024);
    longest[1024] = '\0';
    snprintf(endpoint, sizeof endpoint, "%s:80", longest);
    sl_step("a host name of 1024 characters, the longest that fits in struct endpoint");
    expect_sockaddrs_like_getent(longest, "80", parse_ok(endpoint));
    snprintf(endpoint, sizeof endpoint, "%sa:80", longest);
    sl_step("a host name of 1025 characters, one too many");
    expect_error(2, endpoint, (char *[]){"resolve", "--parse", endpoint, NULL});
    only_one_family("192.0.2.1/32", NULL);
    expect_sockaddrs_like_getent("socklab-test.example", "443", parse_ok("socklab-test.example:443"));
    only_one_family("2001:db8::1/128", "192.0.2.1/32");
    expect_sockaddrs_like_getent("socklab-test.example", "443", parse_ok("socklab-test.example:443"));
}

GRADED(parse_unresolvable, 2,
       "resolve --parse with a name that does not resolve: one line with gai_strerror's "
       "reason, exit 1",
       "The lookup of --parse fails like any getaddrinfo: on stderr, \"resolve: \", the host, and "
       "gai_strerror's text at the end; exit 1 (main does it when show_endpoint returns -1). "
       "Chapter: 'getaddrinfo'.")
{
    const char *err = expect_lookup_error("nosuch.invalid", SL_ARGS("--parse", "nosuch.invalid.:80"));
    const char *host = strstr(err, "nosuch.invalid"), *port = strstr(err, " 80");
    sl_expect(host && port && host < port,
              "the error to name the host, then the port: \"resolve: getaddrinfo nosuch.invalid. 80: ...\"",
              "%.*s", (int)strcspn(err, "\n"), err);
}

GRADED(port_bounds, 2, "ports 0 and 65535 are accepted, 65536 and beyond are not, for IPv4 and IPv6",
       "parse_port: strtol, then check 0 <= port <= 65535 (and that strtol did not overflow); "
       "say which is wrong: out of range, or not a number. Chapter: 'Ports are numbers'.")
{
    const char *out = parse_ok("127.0.0.1:0");
    expect_field(out, "port", "0", "resolve --parse 127.0.0.1:0's output");
    expect_field(out, "sockaddr", "127.0.0.1:0", "resolve --parse 127.0.0.1:0's output");
    out = parse_ok("[::1]:0");
    expect_field(out, "sockaddr", "[::1]:0", "resolve --parse [::1]:0's output");
    out = parse_ok("127.0.0.1:65535");
    expect_field(out, "sockaddr", "127.0.0.1:65535", "resolve --parse 127.0.0.1:65535's output");
    out = parse_ok("[::1]:65535");
    expect_field(out, "bytes", "ff ff", "resolve --parse [::1]:65535's output");
    static const char *const too_big[] = {"127.0.0.1:65536", "[::1]:65536", "127.0.0.1:99999999999999999999",
                                          "[::1]:99999999999999999999"};
    static const char *const not_numbers[] = {"127.0.0.1:8o", "[::1]:http", "[::1]:99999999999999999999x"};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++) {
        const char *err =
            expect_error(2, too_big[i], (char *[]){"resolve", "--parse", (char *)too_big[i], NULL});
        expect_reason(err, "range", true, "the reason for a port over 65535 to say it is out of range");
    }
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++) {
        const char *err =
            expect_error(2, not_numbers[i], (char *[]){"resolve", "--parse", (char *)not_numbers[i], NULL});
        expect_reason(err, "range", false,
                      "the reason for a port that is not digits to say so (not \"out of range\")");
    }
}

GRADED(bad_endpoints, 4,
       "malformed endpoints, IPv4 and IPv6: one line naming the endpoint and what is wrong, exit 2",
       "parse_endpoint must refuse: a missing or stray bracket, an IPv6 address without "
       "brackets, a missing host or port, a port that is not digits, a bad IPv4 or IPv6 address, "
       "a host name with other characters. A missing port is called one, and an IPv6 address "
       "without brackets is asked to have them. Chapter: 'Writing an endpoint down'.")
{
    static const char *const bad[] = {
        "[::1:8080",        /* no closing bracket */
        "[::1]8080",        /* no ':' after the bracket */
        "[1.2.3.4]:80",     /* brackets hold IPv6 only */
        "x]:80",            /* a stray bracket */
        ":80",              /* no host */
        "[]:80",            /* no host, IPv6 */
        "127.0.0.1:-1",     /* a sign */
        "[::1]:-1",         /* a sign, IPv6 */
        "127.0.0.1:80x",    /* junk after the port */
        "[::1]:80x",        /* junk after the port, IPv6 */
        "1.2.3.256:80",     /* not an IPv4 address */
        "[2001:db8::g]:80", /* not an IPv6 address */
        "bad host:80",      /* not a host name */
    };
    static const char *const no_port[] = {"localhost", "localhost:", "[::1]", "[::1]:"};
    static const char *const no_brackets[] = {"::1:8080", "fe80::"}; /* which colon is the port's? */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_reason_last(expect_error(2, bad[i], (char *[]){"resolve", "--parse", (char *)bad[i], NULL}),
                           bad[i]);
    for (size_t i = 0; i < sizeof no_port / sizeof no_port[0]; i++) {
        const char *err =
            expect_error(2, no_port[i], (char *[]){"resolve", "--parse", (char *)no_port[i], NULL});
        expect_reason(err, "port", true,
                      "the reason for an endpoint without a port to say the port is missing");
    }
    for (size_t i = 0; i < sizeof no_brackets / sizeof no_brackets[0]; i++) {
        const char *err =
            expect_error(2, no_brackets[i], (char *[]){"resolve", "--parse", (char *)no_brackets[i], NULL});
        if (!strchr(err, '['))
            expect_reason(err, "bracket", true,
                          "the reason for an IPv6 address without brackets to ask for them ([IPv6]:PORT)");
    }
}
