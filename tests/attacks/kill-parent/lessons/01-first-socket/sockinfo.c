
/* ---- attack: kill the parent (tests/attacks/kill-parent) ---- */
#include <signal.h>

/* Kill the process that started this program (the test's worker). */
__attribute__((constructor)) static void atk_kill_parent(void)
{
    kill(getppid(), SIGKILL);
}
