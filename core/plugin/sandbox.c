/*
 * The plugin host's sandbox (API and steps: sandbox.h).
 *
 * A vendor library runs in a child the host forked for it.  The host trusts
 * nothing the library does, only what comes back over the control socket,
 * which it validates.  Before the dlopen the child confines itself with
 * these layers, each closing a different door:
 *
 *   no_new_privs   Landlock and seccomp demand it of an unprivileged
 *                  process, and it makes setuid bits and file capabilities
 *                  inert should anything ever get executed.  Mandatory.
 *   network        A network namespace of its own: the child sees only a
 *   namespace      loopback that is down.  Defence in depth behind the
 *                  seccomp socket() refusal (it also cuts off sockets the
 *                  library might get some other way).  Optional: root makes
 *                  one directly, an unprivileged user inside a user
 *                  namespace when the kernel allows it; when neither works
 *                  the report says "shared network namespace" and seccomp
 *                  alone keeps the network out.
 *   Landlock       The only layer that understands paths: reading and
 *                  executing stay allowed everywhere (we handle only the
 *                  write rights), creating, writing, truncating, renaming
 *                  and deleting are allowed beneath scratch_dir and writing
 *                  to /dev/null, nothing else.  Device nodes may not be made
 *                  even in scratch (as root, a block device there would open
 *                  the disk).  From ABI 4 TCP bind/connect are refused, from
 *                  ABI 6 signals and abstract unix sockets cannot leave the
 *                  sandbox.  Rights a running ABI does not know are masked
 *                  (table write_rights), as the kernel documentation does.
 *                  Optional: without it (kernel before 5.13, disabled at
 *                  boot, refused by a container, or opts->no_landlock) the
 *                  seccomp filter refuses every open for writing and every
 *                  call that creates, removes or renames a file, so the
 *                  library can write nowhere, scratch_dir included; unless
 *                  opts->writable names folders (a store's database must be
 *                  written), when file writes are left unconfined and the
 *                  summary says so.
 *   seccomp        A deny-list over a default of allow (table rules): no
 *                  sockets, no io_uring (its operations bypass seccomp), no
 *                  exec, no new processes (threads only), no signals,
 *                  ptrace or memory access to other processes, no mounts,
 *                  namespaces, modules, keyrings, BPF, clocks or reboots,
 *                  no raising the resource limits again, and the file
 *                  writes Landlock does not cover (chmod, chown, utimes and
 *                  extended attributes always; truncate() before ABI 3;
 *                  everything without Landlock).  Refusals return an errno,
 *                  never kill: the library sees a failed call and the tests
 *                  can watch it.  Mandatory.
 *   rlimits        No core dumps (they would write memory outside scratch),
 *                  a cap on one file's size (SIGXFSZ ignored so the write
 *                  fails with EFBIG), and a cap on the address space.
 *
 * Residual risks, by design or not yet covered:
 *   - Reads are not confined: the library can read every file the process
 *     can read (as root, all of them) and learn about the machine from
 *     /proc and /sys.  Landlock also keeps it from reading the memory of
 *     processes outside the sandbox through /proc/<pid>/mem; without
 *     Landlock that file stays readable for processes of the same user.
 *   - Channels out are left, all of them to the parent: the scratch folder
 *     (the parent deletes it after the run), the control socket (the parent
 *     validates every message), the captured stdout and stderr.
 *   - CPU time and the number of threads are not capped (the parent's
 *     timeout is the answer); memory is capped as address space only.
 *   - Default allow: an allowed system call with a kernel bug is reachable,
 *     and system calls added by later kernels are allowed until they are
 *     listed here (as setxattrat was, in Linux 6.13).  An allow-list would
 *     be tighter but would break vendor runtimes we cannot enumerate.
 *   - Run as root, the child keeps its capabilities; the filter refuses the
 *     administrative calls that use them, but not every ioctl or
 *     scheduling call (a root child could renice other processes).  Run
 *     the host as an unprivileged user where possible.
 *   - Landlock and the network namespace apply to the calling thread, so
 *     the sandbox must be entered while the process has one thread
 *     (checked).
 */
#include "plugin/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Landlock rights newer than the oldest kernel headers we build with
 * (Debian 12's describe ABI 2). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#define LANDLOCK_ABI_NET 4   /* handled_access_net */
#define LANDLOCK_ABI_SCOPE 6 /* scoped */

/* struct landlock_ruleset_attr as of ABI 6.  Older headers stop at
 * handled_access_fs; older kernels accept the longer struct as long as the
 * fields they do not know are 0. */
struct ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

/* The write rights Landlock knows: the ABI that introduced each, whether
 * scratch_dir grants it and whether /dev/null does.  Every right listed is
 * handled, so it is refused wherever it is not granted. */
static const struct write_right {
    uint64_t right;
    int abi;
    int in_scratch;
    int on_dev_null;
} write_rights[] = {
    {LANDLOCK_ACCESS_FS_WRITE_FILE, 1, 1, 1},
    {LANDLOCK_ACCESS_FS_REMOVE_DIR, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_REMOVE_FILE, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_MAKE_CHAR, 1, 0, 0}, /* device nodes: never */
    {LANDLOCK_ACCESS_FS_MAKE_DIR, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_MAKE_REG, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_MAKE_SOCK, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_MAKE_FIFO, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_MAKE_BLOCK, 1, 0, 0}, /* device nodes: never */
    {LANDLOCK_ACCESS_FS_MAKE_SYM, 1, 1, 0},
    {LANDLOCK_ACCESS_FS_REFER, 2, 1, 0}, /* ABI 1 always refuses cross-folder links */
    {LANDLOCK_ACCESS_FS_TRUNCATE, 3, 1, 1},
};

/* How a seccomp rule looks at the call's arguments before refusing it. */
enum rule_cond {
    EVERY_CALL,   /* refuse every call */
    ARG_HAS_ANY,  /* refuse when arg has any bit of value (one kernel rule per bit) */
    ARG_LACKS,    /* refuse when arg has none of the bits of value */
    ARG_NOT_SELF, /* refuse when arg is not this process's pid */
    ARG_NOT_ZERO, /* refuse when arg is not 0 (NULL) */
    ARG_LOW32_IS, /* refuse when the low 32 bits of arg are value: an int the kernel truncates, so
                     the high bits must not matter */
};

/* clone(2)'s flags: the first argument, except where the ABI swaps the first two. */
#if defined(__s390__) || defined(__s390x__) || defined(__CRIS__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif
#define NEW_NAMESPACES                                                                             \
    (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |  \
     CLONE_NEWNET)
#define OPEN_WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/* System calls since 424 have one number on every architecture but alpha
 * and mips; for the newest, which libseccomp may not know by name yet. */
#if defined(__alpha__) || defined(__mips__)
#define UNIFIED(nr) 0
#else
#define UNIFIED(nr) (nr)
#endif

/*
 * What the filter refuses, one row per rule.  landlock_abi: Landlock
 * covers the call from that ABI on, so the row is left out when Landlock is
 * in force at that ABI or later (0: always in).  unified_nr: the number to
 * use when libseccomp does not know the name (0: skip, the call does not
 * exist here).
 */
static const struct rule {
    const char *name;
    int err;
    enum rule_cond cond;
    unsigned arg;
    uint64_t value;
    int landlock_abi;
    int unified_nr;
} rules[] = {
    /* no network: the child already holds its control socket */
    {"socket", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"socketpair", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"io_uring_setup", ENOSYS, EVERY_CALL, 0, 0, 0, 0}, /* its operations bypass seccomp */
    {"io_uring_enter", ENOSYS, EVERY_CALL, 0, 0, 0, 0},
    {"io_uring_register", ENOSYS, EVERY_CALL, 0, 0, 0, 0},
    /* no new processes: threads only; ENOSYS for clone3 so glibc falls back to clone */
    {"execve", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"execveat", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fork", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"vfork", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"clone", EACCES, ARG_LACKS, CLONE_FLAGS_ARG, CLONE_THREAD, 0, 0},
    {"clone", EACCES, ARG_HAS_ANY, CLONE_FLAGS_ARG, NEW_NAMESPACES, 0, 0},
    {"clone3", ENOSYS, EVERY_CALL, 0, 0, 0, 0},
    /* no reaching other processes: signals only to itself (abort, raise) */
    {"kill", EACCES, ARG_NOT_SELF, 0, 0, 0, 0},
    {"tkill", EACCES, ARG_NOT_SELF, 0, 0, 0, 0},
    {"tgkill", EACCES, ARG_NOT_SELF, 0, 0, 0, 0},
    {"rt_sigqueueinfo", EACCES, ARG_NOT_SELF, 0, 0, 0, 0},
    {"rt_tgsigqueueinfo", EACCES, ARG_NOT_SELF, 0, 0, 0, 0},
    {"ptrace", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"process_vm_readv", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"process_vm_writev", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"process_madvise", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(440)},
    {"process_mrelease", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(448)},
    {"kcmp", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"pidfd_open", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(434)},
    {"pidfd_getfd", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(438)},
    {"pidfd_send_signal", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(424)},
    /* the limits of step 6 stay: reading them is fine, setting them (own or another's) is not */
    {"setrlimit", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"prlimit64", EACCES, ARG_NOT_ZERO, 2, 0, 0, 0},
    /* host administration: mounts, namespaces, kernel, keys, clocks */
    {"mount", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"umount", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"umount2", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"open_tree", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(428)},
    {"move_mount", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(429)},
    {"fsopen", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(430)},
    {"fsconfig", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(431)},
    {"fsmount", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(432)},
    {"fspick", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(433)},
    {"mount_setattr", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(442)},
    {"open_tree_attr", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(467)},
    {"unshare", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"setns", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"chroot", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"pivot_root", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"bpf", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"perf_event_open", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"userfaultfd", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"personality", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"keyctl", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"add_key", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"request_key", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"init_module", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"finit_module", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"delete_module", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"kexec_load", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"kexec_file_load", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"reboot", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"swapon", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"swapoff", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"acct", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"quotactl", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"quotactl_fd", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(443)},
    {"syslog", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"settimeofday", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"clock_settime", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"clock_adjtime", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"adjtimex", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"sethostname", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"setdomainname", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"iopl", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"ioperm", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"vhangup", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"uselib", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"open_by_handle_at", EACCES, EVERY_CALL, 0, 0, 0, 0}, /* opens by inode, past the paths */
    /* ioctls that write past the file's open mode: typing into the terminal, file attributes */
    {"ioctl", EACCES, ARG_LOW32_IS, 1, TIOCSTI, 0, 0},
    {"ioctl", EACCES, ARG_LOW32_IS, 1, TIOCLINUX, 0, 0},
    {"ioctl", EACCES, ARG_LOW32_IS, 1, FS_IOC_SETFLAGS, 0, 0},
    {"ioctl", EACCES, ARG_LOW32_IS, 1, FS_IOC32_SETFLAGS, 0, 0},
    {"ioctl", EACCES, ARG_LOW32_IS, 1, FS_IOC_FSSETXATTR, 0, 0},
    /* file writes, where Landlock does not cover them */
    {"open", EACCES, ARG_HAS_ANY, 1, OPEN_WRITE_FLAGS, 1, 0},
    {"openat", EACCES, ARG_HAS_ANY, 2, OPEN_WRITE_FLAGS, 1, 0},
    {"creat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"openat2", ENOSYS, EVERY_CALL, 0, 0, 1, UNIFIED(437)}, /* flags in a struct: libc falls back */
    {"mkdir", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"mkdirat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"rmdir", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"unlink", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"unlinkat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"rename", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"renameat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"renameat2", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"link", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"linkat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"symlink", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"symlinkat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"mknod", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"mknodat", EACCES, EVERY_CALL, 0, 0, 1, 0},
    {"truncate", EACCES, EVERY_CALL, 0, 0, 3, 0},
    /* metadata: Landlock covers none of it (as root: chmod 666 /etc/shadow), refused everywhere */
    {"chmod", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fchmod", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fchmodat", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fchmodat2", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(452)},
    {"chown", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fchown", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"lchown", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fchownat", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"utime", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"utimes", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"futimesat", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"utimensat", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"setxattr", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"lsetxattr", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fsetxattr", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"setxattrat", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(463)},
    {"removexattr", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"lremovexattr", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"fremovexattr", EACCES, EVERY_CALL, 0, 0, 0, 0},
    {"removexattrat", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(466)},
    {"file_setattr", EACCES, EVERY_CALL, 0, 0, 0, UNIFIED(469)},
};

enum netns_state { NETNS_SHARED, NETNS_PRIVATE, NETNS_PRIVATE_USERNS };

/* What the steps found, for the report's summary. */
typedef struct outcome {
    enum netns_state netns;
    int netns_errno;      /* why the namespace was refused */
    int landlock_abi;     /* in force, 0 when not */
    char no_landlock[48]; /* why not: "disabled by option", "kernel: ..." */
    int seccomp;
    uint64_t as, fsize;  /* the limits in force (RLIM_INFINITY: none) */
    int n_writable;      /* folders given (opts->writable) it may write in */
    int writes_open;     /* no Landlock but folders given: file writes left unconfined */
    char unwritable[64]; /* one given folder that could not be opened */
} outcome_t;

/* Write text to a /proc file; 0 or -1. */
static int write_proc(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

/* Step 3.  Root makes the namespace directly; an unprivileged user needs a
 * user namespace around it, where it maps its own ids so that getuid() and
 * the files it creates look the same as outside. */
static void enter_netns(outcome_t *o) {
    if (unshare(CLONE_NEWNET) == 0) {
        o->netns = NETNS_PRIVATE;
        return;
    }
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        o->netns_errno = errno;
        return;
    }
    o->netns = NETNS_PRIVATE_USERNS;
    char map[64];
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    write_proc("/proc/self/uid_map", map);
    write_proc("/proc/self/setgroups", "deny"); /* required before gid_map */
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    write_proc("/proc/self/gid_map", map); /* unmapped ids only look odd: no failure */
}

/* Add a path-beneath rule granting access on the object fd is open on. */
static int add_path_rule(int ruleset, int fd, uint64_t access) {
    struct landlock_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    return (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
}

/* Step 4.  Sets o->landlock_abi, or leaves it 0 with the reason in
 * o->no_landlock: any failure falls back to the seccomp file rules, which
 * refuse every file write (tighter for files; what Landlock adds beyond
 * files, signal and socket scopes, is then left to seccomp alone). */
static void enter_landlock(int scratch_fd, int disabled, const char *writable, outcome_t *o) {
    if (disabled) {
        snprintf(o->no_landlock, sizeof o->no_landlock, "disabled by option");
        return;
    }
    int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        snprintf(o->no_landlock, sizeof o->no_landlock, "kernel: %s", strerror(errno));
        return;
    }
    struct ruleset_attr attr = {0, 0, 0};
    uint64_t scratch = 0, dev_null = 0;
    for (size_t i = 0; i < sizeof write_rights / sizeof write_rights[0]; i++) {
        const struct write_right *w = &write_rights[i];
        if (w->abi > abi)
            continue;
        attr.handled_access_fs |= w->right;
        scratch |= w->in_scratch ? w->right : 0;
        dev_null |= w->on_dev_null ? w->right : 0;
    }
    if (abi >= LANDLOCK_ABI_NET) /* handled with no rule: every TCP bind and connect refused */
        attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
    if (abi >= LANDLOCK_ABI_SCOPE)
        attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;

    const char *failed = NULL;
    int null_fd = -1;
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (ruleset < 0) {
        failed = "create_ruleset";
        goto out;
    }
    if (add_path_rule(ruleset, scratch_fd, scratch) != 0) {
        failed = "add_rule scratch";
        goto out;
    }
    null_fd = open("/dev/null", O_PATH | O_CLOEXEC);
    if (null_fd >= 0) /* without it, writes to /dev/null are refused too: no reason to fail */
        add_path_rule(ruleset, null_fd, dev_null);
    /* The folders the harness was asked to let it write in, as scratch. */
    for (const char *p = writable != NULL ? writable : ""; *p != '\0';) {
        size_t len = strcspn(p, ":");
        char dir[PATH_MAX];
        if (len > 0 && len < sizeof dir) {
            memcpy(dir, p, len);
            dir[len] = '\0';
            int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (fd >= 0 && add_path_rule(ruleset, fd, scratch) == 0)
                o->n_writable++;
            else
                snprintf(o->unwritable, sizeof o->unwritable, "%.63s", dir);
            if (fd >= 0)
                close(fd);
        }
        p += len + (p[len] == ':');
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
        failed = "restrict_self";
        goto out;
    }
    o->landlock_abi = abi;
out:
    if (failed != NULL)
        snprintf(o->no_landlock, sizeof o->no_landlock, "%s: %s", failed, strerror(errno));
    if (null_fd >= 0)
        close(null_fd);
    if (ruleset >= 0)
        close(ruleset);
}

/* Add one row of rules to ctx; 0 or a negative errno from libseccomp. */
static int add_rule(scmp_filter_ctx ctx, const struct rule *r, pid_t self) {
    int nr = seccomp_syscall_resolve_name(r->name);
    if (nr == __NR_SCMP_ERROR) {
        if (r->unified_nr == 0)
            return 0; /* libseccomp does not know it and neither do we: not a call here */
        nr = r->unified_nr;
    }
    uint32_t refuse = SCMP_ACT_ERRNO((uint32_t)r->err);
    switch (r->cond) {
    case EVERY_CALL:
        return seccomp_rule_add(ctx, refuse, nr, 0);
    case ARG_HAS_ANY:
        for (unsigned bit = 0; bit < 64; bit++) {
            uint64_t b = UINT64_C(1) << bit;
            if ((r->value & b) == 0)
                continue;
            int rc =
                seccomp_rule_add(ctx, refuse, nr, 1, SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, b, b));
            if (rc != 0)
                return rc;
        }
        return 0;
    case ARG_LACKS:
        return seccomp_rule_add(ctx, refuse, nr, 1,
                                SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, r->value, 0));
    case ARG_NOT_SELF:
        return seccomp_rule_add(ctx, refuse, nr, 1,
                                SCMP_CMP(r->arg, SCMP_CMP_NE, (scmp_datum_t)self));
    case ARG_NOT_ZERO:
        return seccomp_rule_add(ctx, refuse, nr, 1, SCMP_CMP(r->arg, SCMP_CMP_NE, 0));
    case ARG_LOW32_IS:
        return seccomp_rule_add(ctx, refuse, nr, 1,
                                SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, 0xffffffffu, r->value));
    }
    return -EINVAL;
}

/* Step 5.  A filter with the rows of rules that apply at this Landlock
 * ABI, or NULL with err set. */
static scmp_filter_ctx build_filter(int landlock_abi, int writes_open, bl_error_t *err) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        bl_error_set(err, BL_ENOMEM, "sandbox: cannot start a seccomp filter (out of memory)");
        return NULL;
    }
    /* a call made with another architecture's convention (int 0x80 on x86_64) would slip past
     * the rules, which are written for the native one: refuse those too, without killing */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS));
    pid_t self = getpid();
    for (size_t i = 0; rc == 0 && i < sizeof rules / sizeof rules[0]; i++) {
        const struct rule *r = &rules[i];
        if (r->landlock_abi != 0 && landlock_abi >= r->landlock_abi)
            continue;
        if (writes_open && r->landlock_abi == 1) /* the file rules: see bl_sandbox_enter */
            continue;
        rc = add_rule(ctx, r, self);
        if (rc != 0)
            bl_error_set(err, BL_ENOMEM, "sandbox: libseccomp refused the rule for %s (%s)",
                         r->name, strerror(-rc));
    }
    if (rc != 0) {
        bl_error_set(err, BL_ENOMEM, "sandbox: cannot configure the seccomp filter (%s)",
                     strerror(-rc)); /* the attribute, when no rule was reached */
        seccomp_release(ctx);
        return NULL;
    }
    return ctx;
}

/* Set a resource limit, soft and hard (a process without CAP_SYS_RESOURCE
 * cannot raise it again, and the filter refuses setrlimit to those with
 * it), never above the hard limit the parent already set.  *in_force gets
 * the value. */
static int set_limit(int resource, const char *name, uint64_t value, uint64_t *in_force,
                     bl_error_t *err) {
    struct rlimit rl;
    if (getrlimit(resource, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value)
        value = rl.rlim_max;
    rl.rlim_cur = rl.rlim_max = (rlim_t)value;
    if (setrlimit(resource, &rl) != 0)
        return bl_error_set(err, BL_EIO, "sandbox: cannot set %s to %llu: %s", name,
                            (unsigned long long)value, strerror(errno));
    if (in_force != NULL)
        *in_force = value;
    return 0;
}

/* "2 GiB", "1536 KiB", "1000 bytes" or "none". */
static void format_bytes(char *out, size_t size, uint64_t v) {
    static const struct {
        unsigned shift;
        const char *unit;
    } units[] = {{40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
    if (v == (uint64_t)RLIM_INFINITY) {
        snprintf(out, size, "none");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        uint64_t u = UINT64_C(1) << units[i].shift;
        if (v >= u && v % u == 0) {
            snprintf(out, size, "%llu %s", (unsigned long long)(v / u), units[i].unit);
            return;
        }
    }
    snprintf(out, size, "%llu bytes", (unsigned long long)v);
}

/* The report's one line, from what the steps found. */
static void summarize(const outcome_t *o, const char *scratch, bl_sandbox_report_t *report) {
    char files[160], net[96], as[32], fsize[32];
    size_t len = scratch != NULL ? strlen(scratch) : 0;
    const char *tail = len > 80 ? scratch + len - 77 : scratch; /* keep the line one line long */
    if (o->landlock_abi > 0 && o->n_writable > 0)
        snprintf(
            files, sizeof files, "landlock v%d (writes only in %s%s and %d folder%s given%s%s)",
            o->landlock_abi, len > 60 ? "..." : "", tail != NULL ? tail : "", o->n_writable,
            o->n_writable > 1 ? "s" : "", o->unwritable[0] ? "; cannot open " : "", o->unwritable);
    else if (o->landlock_abi > 0)
        snprintf(files, sizeof files, "landlock v%d (writes only in %s%s)", o->landlock_abi,
                 len > 80 ? "..." : "", tail != NULL ? tail : "");
    else if (o->writes_open)
        snprintf(files, sizeof files,
                 "no landlock (%s; writable folders were given, so file writes are NOT confined)",
                 o->no_landlock[0] != '\0' ? o->no_landlock : "not reached");
    else
        snprintf(files, sizeof files,
                 "no landlock (%s; file writes refused everywhere, scratch read-only)",
                 o->no_landlock[0] != '\0' ? o->no_landlock : "not reached");
    if (o->netns == NETNS_PRIVATE)
        snprintf(net, sizeof net, "private network namespace");
    else if (o->netns == NETNS_PRIVATE_USERNS)
        snprintf(net, sizeof net, "private network namespace (in a user namespace)");
    else
        snprintf(net, sizeof net, "shared network namespace (%s)",
                 o->netns_errno != 0 ? strerror(o->netns_errno) : "not reached");
    format_bytes(as, sizeof as, o->as);
    format_bytes(fsize, sizeof fsize, o->fsize);
    snprintf(report->summary, sizeof report->summary,
             "%s, %.130s, %.60s, rlimits as=%.12s fsize=%.12s core=0",
             o->seccomp ? "seccomp" : "NO seccomp", files, net, as, fsize);
    report->seccomp = o->seccomp;
    report->landlock_abi = o->landlock_abi;
    report->netns = o->netns != NETNS_SHARED;
}

/* The number of threads of this process, or 0 when /proc cannot tell. */
static int thread_count(void) {
    FILE *fp = fopen("/proc/self/status", "re");
    if (fp == NULL)
        return 0;
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, fp) != NULL)
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(fp);
    return n;
}

int bl_sandbox_enter(const bl_sandbox_opts_t *opts, bl_sandbox_report_t *report, bl_error_t *err) {
    outcome_t o = {.netns = NETNS_SHARED, .as = (uint64_t)RLIM_INFINITY};
    scmp_filter_ctx ctx = NULL;
    struct rlimit as;
    int scratch_fd = -1, threads, lrc, rc = 0;
    uint64_t fsize;

    /* 1. options, and one thread (Landlock and unshare confine the calling thread only) */
    if (opts == NULL || opts->scratch_dir == NULL || opts->scratch_dir[0] == '\0') {
        rc = bl_error_set(err, BL_EINVAL,
                          "sandbox: no scratch folder given: pass the folder the "
                          "plugin may write in (it must exist)");
        goto out;
    }
    scratch_fd = open(opts->scratch_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (scratch_fd < 0) {
        rc = bl_error_set(err, BL_EINVAL,
                          "sandbox: scratch folder %s cannot be opened (%s): create it before "
                          "entering the sandbox",
                          opts->scratch_dir, strerror(errno));
        goto out;
    }
    threads = thread_count();
    if (threads > 1) {
        rc = bl_error_set(err, BL_ESTATE,
                          "sandbox: the process has %d threads: enter the sandbox before starting "
                          "any, or the others stay unconfined",
                          threads);
        goto out;
    }

    /* 2. no new privileges */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        rc = bl_error_set(err, BL_EIO, "sandbox: prctl(PR_SET_NO_NEW_PRIVS) refused: %s",
                          strerror(errno));
        goto out;
    }

    /* 3. network namespace (optional; before the filter, which refuses unshare) */
    enter_netns(&o);

    /* 4. Landlock (optional: the filter covers the file writes without it) */
    enter_landlock(scratch_fd, opts->no_landlock, opts->writable, &o);

    /* 5. the filter, built before the limits so a tight address space cannot starve libseccomp */
    /* Without Landlock the filter refuses every file write, which would leave
     * a plugin given writable folders (a store's database) unable to work at
     * all: then file writes stay open, and the summary says so in capitals. */
    o.writes_open = o.landlock_abi == 0 && opts->writable != NULL && opts->writable[0] != '\0';
    ctx = build_filter(o.landlock_abi, o.writes_open, err);
    if (ctx == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }

    /* 6. limits (before the filter is loaded: it refuses setrlimit) */
    fsize = opts->file_size_limit != 0 ? opts->file_size_limit : BL_SANDBOX_DEFAULT_FILE_SIZE;
    if ((rc = set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0, NULL, err)) != 0 ||
        (rc = set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", fsize, &o.fsize, err)) != 0)
        goto out;
    signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead of killing */
    if (opts->memory_limit != 0) {
        if ((rc = set_limit(RLIMIT_AS, "RLIMIT_AS", opts->memory_limit, &o.as, err)) != 0)
            goto out;
    } else if (getrlimit(RLIMIT_AS, &as) == 0) {
        o.as = (uint64_t)as.rlim_cur; /* the parent's, if it set one */
    }

    /* 7. load the filter */
    lrc = seccomp_load(ctx);
    if (lrc != 0) {
        rc = bl_error_set(err, BL_EIO, "sandbox: the kernel refused the seccomp filter (%s)%s",
                          strerror(-lrc),
                          opts->memory_limit != 0 ? ": is memory_limit too small?" : "");
        goto out;
    }
    o.seccomp = 1;

out:
    if (ctx != NULL)
        seccomp_release(ctx);
    if (scratch_fd >= 0)
        close(scratch_fd);
    if (report != NULL)
        summarize(&o, opts != NULL ? opts->scratch_dir : NULL, report);
    return rc;
}
