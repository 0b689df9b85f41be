/*
 * The sandbox a plugin host child enters before it dlopens an untrusted
 * vendor library: writes only in one scratch folder, no network, no new
 * processes, no reaching other processes, capped resources.  sandbox.c
 * explains the layers, what happens when one is missing and what is left.
 *
 * Steps of bl_sandbox_enter, in this order (the code uses the same numbers):
 *   1. check the options and that the process has a single thread
 *   2. no new privileges (setuid bits and file capabilities stop working)
 *   3. a fresh network namespace (optional: skipped when refused)
 *   4. Landlock: writes only beneath scratch_dir (optional: when missing, the
 *      seccomp filter refuses every file write instead)
 *   5. build the seccomp filter (network, processes, other processes, host
 *      administration, the file writes Landlock does not cover)
 *   6. resource limits (address space, file size, no core dumps)
 *   7. load the seccomp filter: from here on the process is confined
 */
#ifndef BL_SANDBOX_H
#define BL_SANDBOX_H

#include <stdint.h>

#include "base/error.h"

/* RLIMIT_FSIZE when bl_sandbox_opts_t.file_size_limit is 0: 1 GiB, far above
 * any model file or log a plugin should write, far below a full disk. */
#define BL_SANDBOX_DEFAULT_FILE_SIZE (UINT64_C(1) << 30)

typedef struct bl_sandbox_opts {
    const char *scratch_dir;  /* the one folder the child may create/write/delete files in (must
                                 exist; borrowed for the call) */
    uint64_t memory_limit;    /* bytes of address space (RLIMIT_AS); 0 = no cap */
    uint64_t file_size_limit; /* RLIMIT_FSIZE bytes; 0 = BL_SANDBOX_DEFAULT_FILE_SIZE */
    int no_landlock;      /* testing: behave as if the kernel had no Landlock (seccomp fallback) */
    const char *writable; /* more folders it may write in, colon-separated (a store's database
                             folder, say); NULL or "" for none.  Landlock only: without it
                             nothing is writable.  A folder that cannot be opened is skipped
                             and named in the summary. */
} bl_sandbox_opts_t;

typedef struct bl_sandbox_report {
    int seccomp;       /* 1 when the seccomp filter is installed */
    int landlock_abi;  /* Landlock ABI version used, 0 when not available (fallback used) */
    int netns;         /* 1 when the process entered a fresh network namespace */
    char summary[256]; /* one line for logs and results, e.g. "seccomp, landlock v3 (writes only
                          in /x), private network namespace, rlimits as=2 GiB fsize=1 GiB core=0" */
} bl_sandbox_report_t;

/*
 * Enter the sandbox for the rest of this process's life (irreversible).
 * Call it in the plugin host child, after its file descriptors are set up
 * (descriptors already open keep working, whatever they point to) and
 * before it dlopens the vendor library, while the process has one thread
 * (Landlock and the network namespace apply to the calling thread only).
 *
 * What the process can do afterwards: read and map any file it could read
 * before, run threads, allocate up to memory_limit, write to descriptors it
 * already holds, exchange messages and descriptors over sockets it already
 * holds, and (with Landlock) create, write and delete files beneath
 * scratch_dir and write to /dev/null.  Without Landlock (kernel too old or
 * opts->no_landlock) no file can be opened for writing at all, scratch_dir
 * included.  Refused calls fail with EACCES (ENOSYS for clone3, openat2 when
 * Landlock is missing, and io_uring, so libc falls back or the caller gives
 * up); nothing is killed.  Some calls are refused even where Landlock would
 * allow them: chmod, chown, utimes and extended attributes (Landlock does
 * not cover metadata), setrlimit (so the caps stay), ptrace and signals to
 * other processes.
 *
 * opts and its strings are borrowed for the call.  report (may be NULL) is
 * filled with what was set up, also when a layer was missing; err (may be
 * NULL) gets the reason of a failure.
 *
 * Returns 0, or
 *   BL_EINVAL  opts or opts->scratch_dir missing, or scratch_dir is not a
 *              folder this process can open;
 *   BL_ESTATE  the process has more than one thread;
 *   BL_ENOMEM  the seccomp filter could not be built;
 *   BL_EIO     the kernel refused a mandatory layer (no-new-privileges, a
 *              resource limit, the seccomp filter).
 * After a failure the process may be partly confined and must not load the
 * vendor library: report the error and exit.
 */
int bl_sandbox_enter(const bl_sandbox_opts_t *opts, bl_sandbox_report_t *report, bl_error_t *err);

#endif
