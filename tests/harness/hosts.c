/*
 * hosts.c - the names the tests resolve from /etc/hosts (tests/hosts.txt):
 * in a private /etc/hosts in the sandbox, or in the real one where root put
 * them (Gradescope's run_autograder), never written into a student's.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_HOSTS 16
#define HOSTS_LINE 1100 /* a name may be 1024 characters long */

/* The table: its lines, each "ADDRESS NAME [ALIAS...]" with single spaces. */
static char table[MAX_HOSTS][HOSTS_LINE];
static int ntable = -1; /* -1: not read yet */
static int table_errno;

/* Where the table is: $SOCKLAB_HOSTS, else tests/hosts.txt beside the
 * build/tests/ directory this test program is in. A new string. */
static char *hosts_path(void)
{
    return sl_course_file("SOCKLAB_HOSTS", "tests/hosts.txt");
}

/* One line of a hosts file, comment dropped and fields joined by single
 * spaces, into out; 0 if it holds an address and a name, else -1. */
static int hosts_normalize(const char *line, char *out, size_t len)
{
    char copy[HOSTS_LINE];
    snprintf(copy, sizeof copy, "%s", line);
    copy[strcspn(copy, "#\r\n")] = '\0';
    size_t used = 0;
    int fields = 0;
    out[0] = '\0';
    for (char *save, *f = strtok_r(copy, " \t", &save); f; f = strtok_r(NULL, " \t", &save)) {
        int n = snprintf(out + used, len - used, "%s%s", fields ? " " : "", f);
        if (n < 0 || (size_t)n >= len - used)
            return -1;
        used += (size_t)n;
        fields++;
    }
    return fields >= 2 ? 0 : -1;
}

/* Read the table into table[]; -1 (errno set) if it cannot be opened. */
static int hosts_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    ntable = 0;
    char line[HOSTS_LINE];
    while (fgets(line, sizeof line, f) && ntable < MAX_HOSTS)
        if (hosts_normalize(line, table[ntable], sizeof table[ntable]) == 0)
            ntable++;
    fclose(f);
    return 0;
}

void sl_hosts_preload(void)
{
    if (ntable >= 0)
        return;
    char *path = hosts_path();
    if (hosts_read(path) != 0)
        table_errno = errno; /* reported by the first test that needs the table */
    free(path);
}

/* Whether the normalized hosts line names one of the table's names. */
static bool names_a_table_name(const char *line)
{
    const char *names = strchr(line, ' ');
    for (int i = 0; names && i < ntable; i++)
        for (const char *t = strchr(table[i], ' '); t; t = strchr(t + 1, ' ')) {
            size_t n = strcspn(t + 1, " ");
            for (const char *m = names; m; m = strchr(m + 1, ' '))
                if (strncmp(m + 1, t + 1, n) == 0 && (m[1 + n] == ' ' || m[1 + n] == '\0'))
                    return true;
        }
    return false;
}

/* Whether the real /etc/hosts holds exactly the table's lines for the
 * table's names, in order, and is root's and not writable by us (nor so by
 * the programs under test, which run as we do). If not, says why in why. */
static bool real_hosts_match(char *why, size_t len)
{
    struct stat st;
    FILE *f = fopen("/etc/hosts", "r");
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(why, len, "cannot be read (%s)", strerror(errno));
        if (f)
            fclose(f);
        return false;
    }
    if (st.st_uid != 0 || (st.st_mode & 0022) || access("/etc/hosts", W_OK) == 0) {
        snprintf(why, len, "%s",
                 st.st_uid != 0 || (st.st_mode & 0022)
                     ? "is not root's alone"
                     : "is writable by the programs under test (they run as root here)");
        fclose(f);
        return false;
    }
    char line[HOSTS_LINE], norm[HOSTS_LINE];
    int seen = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        if (hosts_normalize(line, norm, sizeof norm) != 0 || !names_a_table_name(norm))
            continue;
        if (seen >= ntable || strcmp(norm, table[seen]) != 0) {
            snprintf(why, len, "has '%s' where tests/hosts.txt says '%s'", norm,
                     seen < ntable ? table[seen] : "nothing more");
            ok = false;
        }
        seen++;
    }
    fclose(f);
    if (ok && seen < ntable) {
        snprintf(why, len, "does not have the line '%s'", table[seen]);
        ok = false;
    }
    return ok;
}

void sl_hosts_table(void)
{
    if (ntable < 0) {
        sl_hosts_preload();
        if (ntable < 0)
            sl_fail("the table of the tests' names, tests/hosts.txt", "%s", strerror(table_errno));
    }
    if (sl_sandboxed()) {
        struct sl_buf content = {0};
        const char *local = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n";
        sl_buf_append(&content, local, strlen(local));
        for (int i = 0; i < ntable; i++) {
            sl_buf_append(&content, table[i], strlen(table[i]));
            sl_buf_append(&content, "\n", 1);
        }
        sl_private_hosts(content.data);
        free(content.data);
        return;
    }
    char why[HOSTS_LINE * 2 + 64];
    if (!real_hosts_match(why, sizeof why))
        sl_skip(
            "this test needs the names of tests/hosts.txt in /etc/hosts, which needs the sandbox (a private "
            "/etc/hosts): %s. Without it the test runs only where /etc/hosts already holds exactly those "
            "lines (Gradescope's autograder puts them there); the grader never changes yours, and here "
            "it %s",
            sl_sandbox_note(), why);
    sl_step("resolves the names of tests/hosts.txt from this machine's /etc/hosts, which holds exactly "
            "them (no sandbox here)");
}
