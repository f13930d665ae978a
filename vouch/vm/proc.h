/* SPDX-License-Identifier: MIT */
/* Child processes and files of a run: started, waited for with a
 * deadline, and always cleaned up. */
#ifndef VOUCH_PROC_H
#define VOUCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Starts argv[0] (looked up in PATH) with stdout/stderr to log_path
 * (appended) or inherited when NULL. Returns the pid or -errno. */
pid_t proc_spawn(char *const argv[], const char *log_path);
/* The same, and the child inherits the descriptors in keep (open in the
 * parent with O_CLOEXEC). Every child dies with the launcher
 * (PR_SET_PDEATHSIG), even on SIGKILL. */
pid_t proc_spawn_fds(char *const argv[], const char *log_path, const int *keep, size_t nkeep);
/* Like proc_spawn, for a program that starts programs of its own and
 * may leave them running when it is killed (swtpm_setup's swtpm, started
 * through a double fork): it runs as the first process of a pid
 * namespace of its own (in a user namespace of its own when the caller
 * may not make one otherwise), so that when it dies, with the launcher
 * or not, the kernel kills whatever it started. Where no namespace can
 * be made it runs as proc_spawn would run it. */
pid_t proc_spawn_contained(char *const argv[], const char *log_path);
/* Waits for pid until deadline_ms (CLOCK_MONOTONIC); kills it (SIGKILL)
 * when the deadline passes. Returns the wait status, or -ETIMEDOUT after
 * the kill. */
int proc_wait(pid_t pid, int64_t deadline_ms);
/* Runs argv to completion: 0 when it exited 0, else -1. */
int proc_run(char *const argv[], const char *log_path, int64_t deadline_ms);
void proc_kill(pid_t pid);
/* A system tool (mke2fs, veritysetup): /usr/sbin/NAME or /sbin/NAME when
 * there (a user's PATH often lacks them), else NAME for PATH to find. */
const char *proc_sbin(const char *name, char *buf, size_t cap);

/* A Unix stream socket at path: listening (backlog 1), or connected. */
int unix_socket(const char *path, bool listening);

/* snprintf that fails (MB_E_PATH) instead of truncating. */
int pathf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int file_read_all(const char *path, uint8_t **ret, size_t *ret_n, size_t max);
int file_write_all(const char *path, const void *p, size_t n);
int file_sha256(const char *path, uint8_t out[static 32]);
int dir_remove_tree(const char *path);

/* Run directories and their owners. A launch's run directory holds
 * RUN_OWNER_FILE, "PID STARTTIME PIDNS\n": the launcher's pid, its start
 * time (/proc/PID/stat, field 22), so that a pid taken again by another
 * process is not mistaken for the owner, and its pid namespace (the inode
 * of /proc/self/ns/pid), so that a pid of another namespace is not read
 * as one of this one. */
#define RUN_OWNER_FILE "owner.pid"
/* Writes this process as dir's owner (written aside, then renamed). */
int run_dir_claim(const char *dir);
/* Removes every directory named PREFIX plus six characters (mkdtemp's)
 * under parent that is this user's, has a well-formed owner file, and
 * whose owner is gone (no such process, a zombie, or a process started
 * at another time). A directory without an owner file, with one that
 * does not parse, whose owner is in another pid namespace, or whose
 * owner cannot be told to be gone is kept. Sets *ret_removed to how many
 * were removed; an error only when parent (or /proc) cannot be read. */
int run_dirs_sweep(const char *parent, const char *prefix, unsigned *ret_removed);
int copy_tree(const char *from, const char *to);
/* Moves (or else copies) dir/name to out/name when it exists: 0, or an
 * error. */
int file_keep(const char *dir, const char *out, const char *name);

#endif
