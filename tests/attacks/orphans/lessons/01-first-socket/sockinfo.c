
/* ---- attack: children that outlive the test (tests/attacks/orphans) ---- */
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <dirent.h>
#include <sys/wait.h>

/* How many processes named atk-orphan this program can see. */
static int atk_orphans(void)
{
    DIR *d = opendir("/proc");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[300], name[32] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "r") : NULL;
        if (f && fgets(name, sizeof name, f))
            n += strcmp(name, "atk-orphan\n") == 0;
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

/* Leave up to 200 children behind: half setsid, half double-forked (the
 * middle process exits at once, so they are orphans); each ignores SIGTERM
 * and SIGHUP and sleeps two minutes. */
__attribute__((constructor)) static void atk_orphans_spawn(void)
{
    for (int i = atk_orphans(); i < 200; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return;
        if (pid > 0) {
            if (i % 2)
                waitpid(pid, NULL, 0); /* the middle of a double fork */
            continue;
        }
        if (i % 2 == 0)
            setsid();
        else if (fork() != 0)
            _exit(0);
        prctl(PR_SET_NAME, "atk-orphan");
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        for (int fd = 0; fd < 1024; fd++)
            close(fd);
        sleep(120);
        _exit(0);
    }
}
