/*
 * dirs.c - grade's own directories: the private copies of the test programs
 * (the stage), the new report made beside the report directory and moved
 * into place at the end, and what stands there when it is not grade's.
 */
#define _GNU_SOURCE
#include "grade.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The private directories of one run, made before anything runs: the test
 * programs' copies (stage) and the new report (fresh, moved into place at the
 * end). The watchdog removes what is left of them. */
char dirs_stage[PATH_MAX], dirs_new_report[PATH_MAX];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT)
        fprintf(stderr, "grade: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

/* rm -rf path, never following a link. Returns 0 when path is gone. */
int dirs_remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(sb.st_mode)) {
        chmod(path, 0700);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    } else {
        unlink(path);
    }
    return lstat(path, &sb) != 0 && errno == ENOENT ? 0 : -1;
}

/* Whether report is a report directory this grader wrote (or nothing yet):
 * results.json, junit.xml, classroom.json and logs/ of plain files, all of
 * them plain files. Anything else (a link, a pre-made results.json.tmp) is
 * not replaced; *why says what it is. */
bool dirs_report_is_ours(const char *report, char *why, size_t len)
{
    struct stat sb;
    if (lstat(report, &sb) != 0)
        return errno == ENOENT || (snprintf(why, len, "%s", strerror(errno)), false);
    if (!S_ISDIR(sb.st_mode)) {
        snprintf(why, len, "it is a %s, not the grader's directory",
                 S_ISLNK(sb.st_mode) ? "symbolic link" : "file");
        return false;
    }
    char logs[PATH_MAX];
    snprintf(logs, sizeof logs, "%s/logs", report);
    const char *dirs[] = {report, logs};
    for (int i = 0; i < 2; i++) {
        DIR *d = opendir(dirs[i]);
        if (!d) {
            if (i == 1 && errno == ENOENT)
                break;
            snprintf(why, len, "%s: %s", dirs[i], strerror(errno));
            return false;
        }
        int dfd = dirfd(d);
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            bool known = i == 1 || strcmp(e->d_name, "results.json") == 0 ||
                         strcmp(e->d_name, "junit.xml") == 0 || strcmp(e->d_name, "classroom.json") == 0;
            bool is_logs = i == 0 && strcmp(e->d_name, "logs") == 0;
            struct stat es;
            if (fstatat(dfd, e->d_name, &es, AT_SYMLINK_NOFOLLOW) != 0 ||
                (is_logs ? !S_ISDIR(es.st_mode) : !(known && S_ISREG(es.st_mode)))) {
                snprintf(why, len, "it holds %s/%s, which grade does not write", dirs[i], e->d_name);
                closedir(d);
                return false;
            }
        }
        closedir(d);
    }
    return true;
}

/* Make sure that what stands at report is a report grade wrote, or nothing:
 * anything else (a file a program planted, a symbolic link, a directory
 * named like grade's temporary files) is moved aside to REPORT.untrusted,
 * and grade says so, so that no forged report is left where the real one
 * goes. Returns 0, or -1 having said why. */
int dirs_report_clear_foreign(const char *report)
{
    char why[PATH_MAX + 100], aside[PATH_MAX];
    if (dirs_report_is_ours(report, why, sizeof why))
        return 0;
    snprintf(aside, sizeof aside, "%s.untrusted", report);
    if ((dirs_remove_tree(aside) != 0 && errno != ENOENT) || rename(report, aside) != 0) {
        fprintf(stderr, "grade: will not replace %s (%s), and cannot move it aside: %s\n", report, why,
                strerror(errno));
        return -1;
    }
    fprintf(stderr, "grade: %s was not grade's own (%s): moved it to %s\n", report, why, aside);
    return 0;
}

/* Move the new report (dirs_new_report) into place at report, and remove the one
 * it replaces. Returns 0, or -1 having said why. */
int dirs_commit_report(const char *report)
{
    if (dirs_report_clear_foreign(report) != 0)
        return -1;
    if (renameat2(AT_FDCWD, dirs_new_report, AT_FDCWD, report, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EEXIST) {
        fprintf(stderr, "grade: cannot move the report into %s: %s\n", report, strerror(errno));
        return -1;
    }
    if (renameat2(AT_FDCWD, dirs_new_report, AT_FDCWD, report, RENAME_EXCHANGE) != 0) {
        fprintf(stderr, "grade: cannot move the report into %s: %s\n", report, strerror(errno));
        return -1;
    }
    if (dirs_remove_tree(dirs_new_report) != 0) { /* now the previous report */
        fprintf(stderr, "grade: the report is in %s, but its previous copy %s could not be removed\n", report,
                dirs_new_report);
        return -1;
    }
    return 0;
}

/* Make a private directory "PARENT/.NAME.XXXXXX" next to path into out. */
int dirs_private(const char *path, const char *name, char *out, size_t len)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    char *slash = strrchr(copy, '/');
    const char *parent = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
    snprintf(out, len, "%s/.%s.XXXXXX", parent, name);
    return mkdtemp(out) ? 0 : -1;
}

/* The path of lesson's staged test program (in dirs_stage), into path. */
void dirs_staged_bin(const char *lesson, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dirs_stage, lesson);
}
