/*
 * tools.c - the course's own test tools, started by the tests: the hostile
 * peer (build/tools/peer, tools/peer.c) and the fault-injecting interposer
 * (build/tools/faultio.so, tools/preload/faultio.c) that sl_startx preloads
 * for .faults.
 */
#define _GNU_SOURCE
#include "internal.h"
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *sl_repo_path(const char *path)
{
    static char paths[4][PATH_MAX];
    static int next;
    char cwd[PATH_MAX];
    char *out = paths[next++ % 4];
    size_t c = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (c > 1 && strncmp(path, cwd, c) == 0 && path[c] == '/')
        snprintf(out, PATH_MAX, "%s", path + c + 1);
    else
        snprintf(out, PATH_MAX, "%s", path);
    return out;
}

const char *sl_tool(const char *name)
{
    char *dir = sl_course_file("SOCKLAB_TOOLS", "build/tools");
    char real[PATH_MAX], file[PATH_MAX + 64];
    if (!realpath(dir, real))
        snprintf(real, sizeof real, "%s", dir);
    free(dir);
    snprintf(file, sizeof file, "%s/%s", real, name);
    /* As a student would type it from the repository root. */
    const char *path = sl_repo_path(file);
    if (access(path, F_OK) != 0)
        sl_fail("the course's test tools built (build/tools/)", "%s is missing: run 'make' (it builds them)",
                path);
    return path;
}

struct sl_proc *sl_peer(const char *arg, ...)
{
    const char *args[32];
    int n = 0;
    va_list ap;
    va_start(ap, arg);
    for (const char *a = arg; a; a = va_arg(ap, const char *)) {
        if (n == 31)
            sl_fail("at most 31 arguments to the peer", "more: this is a bug in the test");
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    return sl_startx(&(struct sl_opts){.prog = sl_tool("peer"), .args = args});
}

int sl_peer_ready(struct sl_proc *p, double seconds)
{
    const char *line = sl_wait_err(p, "peer: ready, ", seconds);
    const char *addr = strstr(line, " on ");
    if (!addr)
        addr = strstr(line, " from ");
    long port = -1;
    if (addr) {
        addr = strchr(addr + 1, ' ') + 1;
        char buf[80];
        snprintf(buf, sizeof buf, "%.*s", (int)strcspn(addr, " "), addr);
        port = sl_addr_port(buf);
    }
    sl_expect(port > 0, "the peer's ready line with its port", "\"%s\"", line);
    return (int)port;
}

/* Under SAN=1 the programs are built with AddressSanitizer as the harness
 * is; its runtime wants to be the first library loaded, and LD_PRELOAD puts
 * faultio.so before it. */
#if defined(__SANITIZE_ADDRESS__)
#define SL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_ASAN 1
#endif
#endif

const char *const *sl_faults_env(const struct sl_opts *o)
{
    if (!o->faults || !*o->faults)
        return o->env;
    /* Used up by the time sl_startx returns (copied into the command line
     * and, through fork, into the child). */
    static char preload[PATH_MAX + 16], faults[600], asan[1024];
    size_t n = 0;
    while (o->env && o->env[n])
        n++;
    const char **env = calloc(n + 4, sizeof *env);
    for (size_t i = 0; i < n; i++)
        env[i] = o->env[i];
    const char *lib = sl_tool("faultio.so");
    char real[PATH_MAX];
    /* A relative path would not be found from another working directory. */
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", o->dir && realpath(lib, real) ? real : lib);
    snprintf(faults, sizeof faults, "SOCKLAB_FAULTS=%s", o->faults);
    env[n++] = preload;
    env[n++] = faults;
#ifdef SL_ASAN
    const char *was = getenv("ASAN_OPTIONS");
    snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s%sverify_asan_link_order=0", was ? was : "",
             was && *was ? ":" : "");
    env[n++] = asan;
#else
    (void)asan;
#endif
    return env;
}
