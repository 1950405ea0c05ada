
/* ---- attack: stop grade (tests/attacks/sigstop-grade) ---- */
#include "attack.h" /* tests/attacks/attack.h, laid beside this file */
#include <signal.h>

/* Send SIGSTOP to grade: a grader without a watchdog waits forever. */
__attribute__((constructor)) static void atk_sigstop_grade(void)
{
    pid_t grade = atk_ancestor("grade");
    if (grade > 0)
        kill(grade, SIGSTOP);
}
