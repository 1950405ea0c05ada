/*
 * watchdog.c - grade's parent half: it continues a grader that a program
 * stopped, kills one past its deadline and whatever it left running, and
 * says plainly when no report was written.
 */
#define _GNU_SOURCE
#include "grade.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t alarm_rang;

static void on_alarm(int sig)
{
    (void)sig;
    alarm_rang = 1;
}

/* Split into a watchdog (this process, which returns only to exit) and the
 * grader (the child, which returns). The watchdog continues a grader that a
 * program stopped, kills one that passes deadline seconds, kills whatever it
 * left running, and says plainly when no report was written. Returns in the
 * child; in the watchdog, exits with the grader's status (1 if it did not end
 * by itself). */
void watchdog(double deadline, const char *report)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t child = fork();
    if (child < 0) {
        perror("grade: fork");
        exit(1);
    }
    if (child == 0) {
        prctl(PR_SET_CHILD_SUBREAPER, 1); /* the orphans of the programs under test are ours to kill */
        return;
    }
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: waitid returns */
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)deadline);
    int rc = 1;
    bool stops_said = false, expired = false;
    for (;;) {
        siginfo_t si = {0};
        if (waitid(P_PID, (id_t)child, &si, WEXITED | WSTOPPED) != 0) {
            if (errno == EINTR && alarm_rang) {
                kill(child, SIGKILL);
                expired = true;
                fprintf(stderr,
                        "grade: grading did not end within %.0f s (a program under test stuck it?); it was "
                        "stopped, and no report was written\n",
                        deadline);
                alarm_rang = 0;
                continue;
            }
            if (errno == EINTR)
                continue;
            break;
        }
        if (si.si_code == CLD_STOPPED || si.si_code == CLD_TRAPPED) {
            if (!stops_said)
                fprintf(stderr, "grade: something stopped the grader (SIG%s); it was continued\n",
                        sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status) : "?");
            stops_said = true;
            kill(child, SIGCONT);
            continue;
        }
        if (si.si_code == CLD_EXITED)
            rc = si.si_status;
        else if (!expired)
            fprintf(
                stderr,
                "grade: the grader was killed by SIG%s (by a program under test?): no report was written\n",
                sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status) : "?");
        if (si.si_code != CLD_EXITED && report) { /* no stale report may stand for this run */
            char why[PATH_MAX + 100];
            if (dirs_report_is_ours(report, why, sizeof why) && dirs_remove_tree(report) == 0)
                fprintf(stderr, "grade: the previous report in %s was removed\n", report);
        }
        break;
    }
    alarm(0);
    proc_kill_descendants(); /* what the grader left running, and their orphans */
    dirs_remove_tree(dirs_stage);
    if (*dirs_new_report && dirs_remove_tree(dirs_new_report) != 0)
        rc = rc ? rc : 1;
    exit(rc ? rc : 0);
}
