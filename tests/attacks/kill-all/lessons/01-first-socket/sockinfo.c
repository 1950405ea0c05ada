
/* ---- attack: kill every process (tests/attacks/kill-all) ---- */
#include <signal.h>

/* 1 when this process is in a PID namespace below the first: the NSpid line
 * of /proc/self/status has one pid per namespace level. */
static int atk_in_pid_namespace(void)
{
    char line[256];
    int fields = 0;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "NSpid:", 6) == 0)
            for (char *t = strtok(line + 6, " \t\n"); t; t = strtok(NULL, " \t\n"))
                fields++;
    if (f)
        fclose(f);
    return fields > 1;
}

/* kill(-1, SIGKILL): every process this one may signal. ONLY inside a PID
 * namespace (a test's own, or a container's), where that harms nothing
 * else; outside one it would kill all of this user's processes, so there
 * the attack does nothing. */
__attribute__((constructor)) static void atk_kill_all(void)
{
    if (atk_in_pid_namespace())
        kill(-1, SIGKILL);
}
