/*
 * The plugin host's sandbox (core/plugin/sandbox.h).  Each test forks a
 * child that enters the sandbox with a fresh scratch folder under
 * $top_builddir/tests/out, tries things and sends what happened back
 * through a pipe; the parent asserts, and looks at the files and sockets
 * itself.  Every behaviour runs in both modes: with Landlock (when the
 * kernel has it) and with the seccomp fallback forced (no_landlock).  The
 * child never calls cmocka: it records, reports and _exits.
 *
 * Refusals the filter makes fail with EACCES (ENOSYS for clone3, openat2
 * and io_uring); where the kernel would answer a different errno for the
 * same call, the tests insist on EACCES, so a missing rule cannot pass
 * unnoticed.  Calls that would harm the machine if a rule were missing
 * (mount, ptrace, kill) are made so that they fail harmlessly then.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugin/loader.h"
#include "plugin/sandbox.h"
#include "test_util.h"

extern char **environ;

/* A child that hangs (a refusal turned into a wait) is killed after this. */
#define CHILD_TIMEOUT_S 60
#define MAX_ATTEMPTS 40

/* One call the child made: its result and errno. */
typedef struct attempt {
    char what[40];
    long long rc; /* < 0: failed */
    int err;
} attempt_t;

/* What the child sends back: how entering went, then its attempts. */
typedef struct child_report {
    int entered; /* bl_sandbox_enter's return; 1 until it returned */
    char message[200];
    bl_sandbox_report_t report;
    char text[128]; /* free text a test needs (a namespace link) */
    int n;
    attempt_t attempts[MAX_ATTEMPTS];
} child_report_t;

typedef struct sandbox_mode {
    const char *name;
    int no_landlock;
} sandbox_mode_t;

static const sandbox_mode_t modes[] = {{"landlock", 0}, {"fallback", 1}};
enum { N_MODES = sizeof modes / sizeof modes[0] };

typedef struct fixture {
    char *dir;      /* first member: tu_fixture_new makes it */
    int kernel_abi; /* Landlock ABI of the running kernel, 0 without */
} fixture_t;

/* One run of a child in the sandbox: its folders and what it does. */
typedef struct sandbox_case sandbox_case_t;
typedef void (*child_body_fn)(const sandbox_case_t *k, child_report_t *c);
struct sandbox_case {
    const sandbox_mode_t *mode;
    char root[4096];    /* the case's folder, holding the two below */
    char scratch[4096]; /* where the child may write */
    char outside[4096]; /* beside scratch: where it may not */
    uint64_t memory_limit;
    uint64_t file_size_limit;
    child_body_fn body;
    const void *arg; /* test data, borrowed */
};

/* ---------------------------------------------------------------- child side */

/* Record what a call returned; call it right after the call, errno intact. */
static void note(child_report_t *c, const char *what, long long rc) {
    int e = errno;
    if (c->n >= MAX_ATTEMPTS)
        return;
    attempt_t *a = &c->attempts[c->n++];
    snprintf(a->what, sizeof a->what, "%s", what);
    a->rc = rc;
    a->err = rc < 0 ? e : 0;
}

/* Record a call that returns an error number (pthread, posix_spawn). */
static void note_err(child_report_t *c, const char *what, int err) {
    errno = err;
    note(c, what, err != 0 ? -1 : 0);
}

static void send_report(int fd, const child_report_t *c) {
    const char *p = (const char *)c;
    size_t left = sizeof *c;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w <= 0)
            return;
        p += w, left -= (size_t)w;
    }
}

/* Enter the sandbox, report, run the case's body, report again. */
static void sandbox_child(const sandbox_case_t *k, child_report_t *c, int fd) {
    bl_sandbox_opts_t opts = {.scratch_dir = k->scratch,
                              .memory_limit = k->memory_limit,
                              .file_size_limit = k->file_size_limit,
                              .no_landlock = k->mode->no_landlock};
    bl_error_t err;
    bl_error_clear(&err);
    c->entered = bl_sandbox_enter(&opts, &c->report, &err);
    snprintf(c->message, sizeof c->message, "%.190s", err.message);
    send_report(fd, c); /* before the body, which may abort */
    if (c->entered == 0 && k->body != NULL)
        k->body(k, c);
}

typedef void (*child_fn)(const void *ctx, child_report_t *c, int fd);

static void run_sandbox_child(const void *ctx, child_report_t *c, int fd) {
    sandbox_child(ctx, c, fd);
}

/* ---------------------------------------------------------------- parent side */

/* Fork a child running fn(ctx); its last complete report goes to *out
 * (entered stays 1 when it sent none) and its wait status to *status. */
static void run_child(child_fn fn, const void *ctx, child_report_t *out, int *status) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        alarm(CHILD_TIMEOUT_S);
        static child_report_t c; /* static: the memory test has little room on the stack */
        memset(&c, 0, sizeof c);
        c.entered = 1;
        fn(ctx, &c, fds[1]);
        send_report(fds[1], &c);
        _exit(0);
    }
    close(fds[1]);
    memset(out, 0, sizeof *out);
    out->entered = 1;
    child_report_t got;
    for (;;) {
        size_t have = 0;
        while (have < sizeof got) {
            ssize_t r = read(fds[0], (char *)&got + have, sizeof got - have);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            have += (size_t)r;
        }
        if (have < sizeof got)
            break;
        *out = got;
    }
    close(fds[0]);
    while (waitpid(pid, status, 0) < 0)
        assert_int_equal(errno, EINTR);
}

/* Make a case in a fresh folder of the fixture: case.XXXXXX/{scratch,outside}. */
static void case_init(sandbox_case_t *k, const fixture_t *fx, const sandbox_mode_t *mode,
                      child_body_fn body, const void *arg) {
    memset(k, 0, sizeof *k);
    k->mode = mode;
    k->body = body;
    k->arg = arg;
    tu_path_in(k->root, sizeof k->root, fx->dir, "case.XXXXXX");
    assert_non_null(mkdtemp(k->root));
    tu_path_in(k->scratch, sizeof k->scratch, k->root, "scratch");
    tu_path_in(k->outside, sizeof k->outside, k->root, "outside");
    assert_int_equal(mkdir(k->scratch, 0755), 0);
    assert_int_equal(mkdir(k->outside, 0755), 0);
}

/* Run the case's child in the sandbox; fail unless it entered and exited
 * normally (want_signal 0) or was killed by want_signal. */
static void run_case(const sandbox_case_t *k, child_report_t *c, int want_signal) {
    int status = 0;
    run_child(run_sandbox_child, k, c, &status);
    if (c->entered != 0)
        fail_msg("%s mode: the child did not enter the sandbox (rc %d): %s", k->mode->name,
                 c->entered, c->message);
    if (want_signal == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        fail_msg("%s mode: the child did not exit normally (status 0x%x)", k->mode->name, status);
    if (want_signal != 0 && !(WIFSIGNALED(status) && WTERMSIG(status) == want_signal))
        fail_msg("%s mode: the child was not killed by signal %d (status 0x%x)", k->mode->name,
                 want_signal, status);
}

static const attempt_t *find_attempt(const sandbox_mode_t *m, const child_report_t *c,
                                     const char *what) {
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->attempts[i].what, what) == 0)
            return &c->attempts[i];
    fail_msg("%s mode: the child did not report \"%s\"", m->name, what);
    return NULL;
}

static void expect_ok(const sandbox_mode_t *m, const child_report_t *c, const char *what) {
    const attempt_t *a = find_attempt(m, c, what);
    if (a->rc < 0)
        fail_msg("%s mode: %s failed (%s), expected to work", m->name, what, strerror(a->err));
}

/* Expect a failure with errno err (0: any errno). */
static void expect_refused(const sandbox_mode_t *m, const child_report_t *c, const char *what,
                           int err) {
    const attempt_t *a = find_attempt(m, c, what);
    if (a->rc >= 0)
        fail_msg("%s mode: %s worked (rc %lld), expected a refusal", m->name, what, a->rc);
    if (err != 0 && a->err != err)
        fail_msg("%s mode: %s failed with %s, expected %s", m->name, what, strerror(a->err),
                 strerror(err));
}

/* Landlock in force in this case: asked for, and the kernel has it. */
static int landlock_on(const fixture_t *fx, const sandbox_mode_t *m) {
    return !m->no_landlock && fx->kernel_abi > 0;
}

static int exists(const char *dir, const char *name) {
    char path[4096];
    struct stat st;
    return lstat(tu_path_in(path, sizeof path, dir, name), &st) == 0;
}

/* The whole of a small file, or "" when it cannot be read. */
static const char *slurp(const char *dir, const char *name) {
    static char text[256];
    char path[4096];
    text[0] = '\0';
    FILE *fp = fopen(tu_path_in(path, sizeof path, dir, name), "r");
    if (fp == NULL)
        return text;
    size_t n = fread(text, 1, sizeof text - 1, fp);
    text[n] = '\0';
    fclose(fp);
    return text;
}

static int setup(void **state) {
    fixture_t *fx = tu_fixture_new(sizeof *fx, "sandbox");
    if (fx == NULL)
        return -1;
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U /* ..._VERSION */);
    fx->kernel_abi = abi > 0 ? (int)abi : 0;
    if (fx->kernel_abi == 0)
        print_message("kernel has no Landlock: its mode runs as the fallback\n");
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

/* ---------------------------------------------------------------- report */

static void body_report(const sandbox_case_t *k, child_report_t *c) {
    struct rlimit rl;
    ssize_t n = readlink("/proc/self/ns/net", c->text, sizeof c->text - 1);
    note(c, "readlink ns/net", n);
    note(c, "getrlimit core", getrlimit(RLIMIT_CORE, &rl) == 0 ? (long long)rl.rlim_max : -1);
    note(c, "getrlimit fsize", getrlimit(RLIMIT_FSIZE, &rl) == 0 ? (long long)rl.rlim_max : -1);
    note(c, "no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    note(c, "getuid", getuid()); /* the same, also inside a user namespace */
}

static void test_sandbox_report_filled(void **state) {
    const fixture_t *fx = *state;
    char own_ns[128] = "";
    assert_true(readlink("/proc/self/ns/net", own_ns, sizeof own_ns - 1) > 0);
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_report, NULL);
        run_case(&k, &c, 0);
        const bl_sandbox_report_t *r = &c.report;
        print_message("%s mode: %s\n", m->name, r->summary);
        assert_int_equal(r->seccomp, 1);
        assert_int_equal(r->landlock_abi, m->no_landlock ? 0 : fx->kernel_abi);
        assert_non_null(strstr(r->summary, "seccomp"));
        assert_non_null(strstr(r->summary, "fsize=1 GiB core=0"));
        if (landlock_on(fx, m))
            assert_non_null(strstr(r->summary, k.scratch));
        else
            assert_non_null(strstr(r->summary, "scratch read-only"));
        if (m->no_landlock)
            assert_non_null(strstr(r->summary, "disabled by option"));
        /* a private namespace is one the parent is not in */
        expect_ok(m, &c, "readlink ns/net");
        assert_int_equal(r->netns, strcmp(c.text, own_ns) != 0);
        assert_non_null(strstr(r->summary, r->netns ? "private network" : "shared network"));
        assert_int_equal(find_attempt(m, &c, "getrlimit core")->rc, 0);
        assert_int_equal(find_attempt(m, &c, "getrlimit fsize")->rc, BL_SANDBOX_DEFAULT_FILE_SIZE);
        assert_int_equal(find_attempt(m, &c, "no_new_privs")->rc, 1);
        assert_int_equal(find_attempt(m, &c, "getuid")->rc, getuid());
    }
}

/* ---------------------------------------------------------------- refusals of the API */

static void bad_options_child(const void *ctx, child_report_t *c, int fd) {
    const char *missing = ctx;
    bl_error_t err;
    bl_error_clear(&err);
    note(c, "enter NULL opts", bl_sandbox_enter(NULL, NULL, &err));
    bl_sandbox_opts_t opts = {.scratch_dir = NULL};
    bl_error_clear(&err);
    note(c, "enter no scratch", bl_sandbox_enter(&opts, &c->report, &err));
    opts.scratch_dir = missing;
    bl_error_clear(&err);
    note(c, "enter missing scratch", bl_sandbox_enter(&opts, &c->report, &err));
    snprintf(c->message, sizeof c->message, "%.190s", err.message);
    /* nothing was applied: the child is as free as before */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    note(c, "socket after refusal", s);
    close(s);
}

static void test_sandbox_refuses_bad_options(void **state) {
    const fixture_t *fx = *state;
    const sandbox_mode_t *m = &modes[0];
    char missing[4096];
    tu_path_in(missing, sizeof missing, fx->dir, "no-such-folder");
    child_report_t c;
    int status;
    run_child(bad_options_child, missing, &c, &status);
    assert_true(WIFEXITED(status));
    assert_int_equal(find_attempt(m, &c, "enter NULL opts")->rc, BL_EINVAL);
    assert_int_equal(find_attempt(m, &c, "enter no scratch")->rc, BL_EINVAL);
    assert_int_equal(find_attempt(m, &c, "enter missing scratch")->rc, BL_EINVAL);
    assert_non_null(strstr(c.message, missing));
    assert_int_equal(c.report.seccomp, 0);
    expect_ok(m, &c, "socket after refusal");
}

static void *wait_on_pipe(void *arg) {
    char b;
    ssize_t r = read(*(int *)arg, &b, 1);
    (void)r;
    return NULL;
}

static void threads_child(const void *ctx, child_report_t *c, int fd) {
    const sandbox_case_t *k = ctx;
    int p[2];
    pthread_t t;
    if (pipe(p) != 0 || pthread_create(&t, NULL, wait_on_pipe, &p[0]) != 0)
        return;
    bl_sandbox_opts_t opts = {.scratch_dir = k->scratch};
    bl_error_t err;
    bl_error_clear(&err);
    note(c, "enter with two threads", bl_sandbox_enter(&opts, &c->report, &err));
    snprintf(c->message, sizeof c->message, "%.190s", err.message);
    ssize_t w = write(p[1], "x", 1);
    (void)w;
    pthread_join(t, NULL);
}

static void test_sandbox_refuses_threaded_process(void **state) {
    const fixture_t *fx = *state;
    sandbox_case_t k;
    child_report_t c;
    int status;
    case_init(&k, fx, &modes[0], NULL, NULL);
    run_child(threads_child, &k, &c, &status);
    assert_true(WIFEXITED(status));
    assert_int_equal(find_attempt(&modes[0], &c, "enter with two threads")->rc, BL_ESTATE);
    assert_non_null(strstr(c.message, "2 threads"));
}

/* ---------------------------------------------------------------- files */

static void body_files(const sandbox_case_t *k, child_report_t *c) {
    const int *log_fd = k->arg;
    char p[4096], q[4096];
    const char *o = k->outside, *s = k->scratch;
    int fd;
    FILE *fp;

    /* outside scratch: nothing may be created, changed or removed */
    fd = open(tu_path_in(p, sizeof p, o, "new.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    note(c, "create outside", fd);
    fp = fopen(tu_path_in(p, sizeof p, o, "new2.txt"), "w");
    note(c, "fopen outside", fp != NULL ? 0 : -1);
    note(c, "mkdir outside", mkdir(tu_path_in(p, sizeof p, o, "newdir"), 0755));
    note(c, "symlink outside", symlink("victim.txt", tu_path_in(p, sizeof p, o, "sym")));
    tu_path_in(p, sizeof p, o, "victim.txt");
    note(c, "open victim rdwr", open(p, O_RDWR));
    note(c, "open victim append", open(p, O_WRONLY | O_APPEND));
    note(c, "truncate victim", truncate(p, 0));
    note(c, "chmod victim", chmod(p, 0666));
    note(c, "rename victim", rename(p, tu_path_in(q, sizeof q, o, "renamed.txt")));
    note(c, "link victim into scratch", link(p, tu_path_in(q, sizeof q, s, "hard.txt")));
    note(c, "unlink victim", unlink(p));
    /* reads stay free */
    char buf[16];
    fd = open(p, O_RDONLY);
    note(c, "read victim", fd >= 0 ? read(fd, buf, sizeof buf) : -1);

    /* inside scratch: Landlock allows it, the fallback does not */
    fd = open(tu_path_in(p, sizeof p, s, "new.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    note(c, "create in scratch", fd >= 0 ? write(fd, "hello", 5) : -1);
    note(c, "mkdir in scratch", mkdir(tu_path_in(q, sizeof q, s, "sub"), 0755));
    note(c, "rename in scratch", rename(p, tu_path_in(q, sizeof q, s, "sub/moved.txt")));
    fd = open(tu_path_in(p, sizeof p, s, "tmp.txt"), O_WRONLY | O_CREAT, 0644);
    note(c, "create tmp in scratch", fd);
    note(c, "unlink in scratch", unlink(p));
    note(c, "chmod in scratch", chmod(q, 0600)); /* metadata: refused everywhere */
    note(c, "open /dev/null", open("/dev/null", O_WRONLY));
    fp = fopen("/dev/null", "w"); /* O_TRUNC */
    note(c, "fopen /dev/null", fp != NULL ? 0 : -1);

    /* descriptors opened before entering keep working */
    note(c, "write open fd", write(*log_fd, "logged\n", 7));
}

static void test_sandbox_writes_only_in_scratch(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        const int on = landlock_on(fx, m);
        sandbox_case_t k;
        child_report_t c;
        char p[4096];
        case_init(&k, fx, m, body_files, NULL);
        tu_write_file(tu_path_in(p, sizeof p, k.outside, "victim.txt"), "original");
        chmod(p, 0644);
        int log_fd = open(tu_path_in(p, sizeof p, k.outside, "log.txt"), O_WRONLY | O_CREAT, 0644);
        assert_true(log_fd >= 0);
        k.arg = &log_fd;
        run_case(&k, &c, 0);
        close(log_fd);

        expect_refused(m, &c, "create outside", EACCES);
        expect_refused(m, &c, "fopen outside", EACCES);
        expect_refused(m, &c, "mkdir outside", EACCES);
        expect_refused(m, &c, "symlink outside", EACCES);
        expect_refused(m, &c, "open victim rdwr", EACCES);
        expect_refused(m, &c, "open victim append", EACCES);
        expect_refused(m, &c, "truncate victim", EACCES);
        expect_refused(m, &c, "chmod victim", EACCES);
        expect_refused(m, &c, "rename victim", 0); /* Landlock may say EXDEV */
        expect_refused(m, &c, "link victim into scratch", 0);
        expect_refused(m, &c, "unlink victim", EACCES);
        expect_ok(m, &c, "read victim");
        assert_int_equal(find_attempt(m, &c, "read victim")->rc, 8);
        expect_refused(m, &c, "chmod in scratch", EACCES);
        expect_ok(m, &c, "write open fd");
        if (on) {
            expect_ok(m, &c, "create in scratch");
            expect_ok(m, &c, "mkdir in scratch");
            expect_ok(m, &c, "rename in scratch");
            expect_ok(m, &c, "create tmp in scratch");
            expect_ok(m, &c, "unlink in scratch");
            expect_ok(m, &c, "open /dev/null");
            expect_ok(m, &c, "fopen /dev/null");
        } else {
            expect_refused(m, &c, "create in scratch", EACCES);
            expect_refused(m, &c, "mkdir in scratch", EACCES);
            expect_refused(m, &c, "create tmp in scratch", EACCES);
            expect_refused(m, &c, "open /dev/null", EACCES);
        }

        /* what the files say, from outside */
        assert_false(exists(k.outside, "new.txt"));
        assert_false(exists(k.outside, "new2.txt"));
        assert_false(exists(k.outside, "newdir"));
        assert_false(exists(k.outside, "sym"));
        assert_false(exists(k.outside, "renamed.txt"));
        assert_false(exists(k.scratch, "hard.txt"));
        assert_string_equal(slurp(k.outside, "victim.txt"), "original");
        struct stat st;
        assert_int_equal(stat(tu_path_in(p, sizeof p, k.outside, "victim.txt"), &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_string_equal(slurp(k.outside, "log.txt"), "logged\n");
        assert_false(exists(k.scratch, "tmp.txt"));
        assert_false(exists(k.scratch, "new.txt"));
        if (on)
            assert_string_equal(slurp(k.scratch, "sub/moved.txt"), "hello");
        else
            assert_false(exists(k.scratch, "sub"));
    }
}

/* ---------------------------------------------------------------- network */

static void body_network(const sandbox_case_t *k, child_report_t *c) {
    const int *listener = k->arg;
    close(*listener); /* the host child would not hold it either */
    note(c, "socket inet", socket(AF_INET, SOCK_STREAM, 0));
    note(c, "socket inet6", socket(AF_INET6, SOCK_DGRAM, 0));
    note(c, "socket unix", socket(AF_UNIX, SOCK_STREAM, 0));
    note(c, "socket netlink", socket(AF_NETLINK, SOCK_RAW, 0));
    int sv[2];
    note(c, "socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));

    /* the connection the parent listens for */
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = (in_port_t)listener[1],
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    note(c, "connect to listener",
         s >= 0 ? connect(s, (const struct sockaddr *)&addr, sizeof addr) : -1);
}

static void test_sandbox_no_network(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        assert_true(l >= 0);
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof addr;
        assert_int_equal(bind(l, (struct sockaddr *)&addr, sizeof addr), 0);
        assert_int_equal(listen(l, 8), 0);
        assert_int_equal(getsockname(l, (struct sockaddr *)&addr, &len), 0);
        int listener[2] = {l, addr.sin_port};
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_network, listener);
        run_case(&k, &c, 0);

        expect_refused(m, &c, "socket inet", EACCES);
        expect_refused(m, &c, "socket inet6", EACCES);
        expect_refused(m, &c, "socket unix", EACCES);
        expect_refused(m, &c, "socket netlink", EACCES);
        expect_refused(m, &c, "socketpair", EACCES);
        expect_refused(m, &c, "connect to listener", 0);
        /* a connection would wait in the backlog now that the child is gone */
        int got = accept(l, NULL, NULL);
        int e = errno;
        if (got >= 0)
            close(got);
        close(l);
        assert_int_equal(got, -1);
        assert_true(e == EAGAIN || e == EWOULDBLOCK);
    }
}

/* The control socket: the child receives a memfd from the parent, maps it,
 * and sends one of its own back. */
static int send_fd(int sock, int fd) {
    char data = 'F';
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    return (int)sendmsg(sock, &msg, 0);
}

static int recv_fd(int sock) {
    char data;
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (recvmsg(sock, &msg, 0) != 1)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

static int memfd_with(const char *text) {
    int fd = memfd_create("sandbox-test", MFD_CLOEXEC);
    if (fd >= 0 && write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void body_control_socket(const sandbox_case_t *k, child_report_t *c) {
    const int *sv = k->arg;
    close(sv[0]);
    int fd = recv_fd(sv[1]);
    note(c, "recvmsg SCM_RIGHTS", fd);
    const char *map = fd >= 0 ? mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    note(c, "mmap received memfd",
         map != MAP_FAILED && memcmp(map, "from parent", 11) == 0 ? 0 : -1);
    int mine = memfd_with("from child");
    note(c, "memfd_create", mine);
    note(c, "sendmsg SCM_RIGHTS", mine >= 0 ? send_fd(sv[1], mine) : -1);
}

static void test_sandbox_control_socket_works(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        int given = memfd_with("from parent");
        assert_true(given >= 0);
        assert_int_equal(send_fd(sv[0], given), 1);
        close(given);
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_control_socket, sv);
        run_case(&k, &c, 0);
        close(sv[1]);
        expect_ok(m, &c, "recvmsg SCM_RIGHTS");
        expect_ok(m, &c, "mmap received memfd");
        expect_ok(m, &c, "sendmsg SCM_RIGHTS");
        int back = recv_fd(sv[0]);
        close(sv[0]);
        assert_true(back >= 0);
        char text[16] = "";
        assert_int_equal(pread(back, text, sizeof text - 1, 0), 10);
        close(back);
        assert_string_equal(text, "from child");
    }
}

/* ---------------------------------------------------------------- processes */

static void body_processes(const sandbox_case_t *k, child_report_t *c) {
    char cmd[4200], marker[4096];
    pid_t pid;

    pid = fork();
    if (pid == 0)
        _exit(0);
    note(c, "fork", pid);
#ifdef SYS_fork
    pid = (pid_t)syscall(SYS_fork);
    if (pid == 0)
        _exit(0);
    note(c, "raw fork", pid);
#endif
    pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    note(c, "raw clone", pid);
    uint64_t args[11] = {0}; /* struct clone_args: exit_signal is the fifth field */
    args[4] = SIGCHLD;
    pid = (pid_t)syscall(SYS_clone3, args, sizeof args);
    if (pid == 0)
        _exit(0);
    note(c, "clone3", pid);

    char *const true_argv[] = {"true", NULL};
    note(c, "execve", execve("/bin/true", true_argv, environ));

    snprintf(cmd, sizeof cmd, "touch '%s'", tu_path_in(marker, sizeof marker, k->scratch, "m1"));
    int st = system(cmd);
    note(c, "system", st == 0 ? 0 : -1);
    snprintf(cmd, sizeof cmd, "touch '%s'", tu_path_in(marker, sizeof marker, k->scratch, "m2"));
    char *const sh_argv[] = {"sh", "-c", cmd, NULL};
    note_err(c, "posix_spawn", posix_spawn(&pid, "/bin/sh", NULL, NULL, sh_argv, environ));
    snprintf(cmd, sizeof cmd, "touch '%s'", tu_path_in(marker, sizeof marker, k->scratch, "m3"));
    FILE *fp = popen(cmd, "r");
    note(c, "popen", fp != NULL ? 0 : -1);
}

static void test_sandbox_no_new_processes(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_processes, NULL);
        run_case(&k, &c, 0);
        expect_refused(m, &c, "fork", EACCES);
#ifdef SYS_fork
        expect_refused(m, &c, "raw fork", EACCES);
#endif
        expect_refused(m, &c, "raw clone", EACCES);
        expect_refused(m, &c, "clone3", ENOSYS);
        expect_refused(m, &c, "execve", EACCES);
        expect_refused(m, &c, "system", 0);
        expect_refused(m, &c, "posix_spawn", EACCES);
        expect_refused(m, &c, "popen", 0);
        /* scratch is where a shell could have written, with Landlock */
        assert_false(exists(k.scratch, "m1"));
        assert_false(exists(k.scratch, "m2"));
        assert_false(exists(k.scratch, "m3"));
    }
}

static int thread_ran;

static void *set_flag(void *arg) {
    thread_ran = 42;
    return arg;
}

static void body_threads_libraries(const sandbox_case_t *k, child_report_t *c) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, set_flag, NULL);
    note_err(c, "pthread_create", rc);
    if (rc == 0)
        pthread_join(t, NULL);
    note(c, "thread ran", thread_ran == 42 ? 0 : -1);

    void *m = dlopen("libm.so.6", RTLD_NOW);
    note(c, "dlopen libm", m != NULL ? 0 : -1);
    double (*cosine)(double) = m != NULL ? (double (*)(double))dlsym(m, "cos") : NULL;
    note(c, "cos from libm", cosine != NULL && cosine(0.0) == 1.0 ? 0 : -1);
    /* one the test program has not loaded yet: read and mapped from disk now */
    note(c, "dlopen libanl", dlopen("libanl.so.1", RTLD_NOW) != NULL ? 0 : -1);

    char *big = malloc(64u << 20);
    if (big != NULL)
        memset(big, 1, 64u << 20);
    note(c, "malloc 64 MiB", big != NULL ? 0 : -1);
    free(big);
    struct rusage ru;
    note(c, "getrusage", getrusage(RUSAGE_SELF, &ru));
    int fd = memfd_with("mapped");
    void *map = fd >= 0 ? mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    note(c, "mmap memfd", map != MAP_FAILED ? 0 : -1);
}

static void test_sandbox_threads_and_libraries_work(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_threads_libraries, NULL);
        run_case(&k, &c, 0);
        expect_ok(m, &c, "pthread_create");
        expect_ok(m, &c, "thread ran");
        expect_ok(m, &c, "dlopen libm");
        expect_ok(m, &c, "cos from libm");
        expect_ok(m, &c, "dlopen libanl");
        expect_ok(m, &c, "malloc 64 MiB");
        expect_ok(m, &c, "getrusage");
        expect_ok(m, &c, "mmap memfd");
    }
}

/* The reference plugins, loaded through the real loader inside the sandbox. */
static const struct {
    const char *name, *path;
} real_plugins[] = {
    {"load dual_energy", "plugins/detector/dual_energy/.libs/dual_energy.so"},
    {"load sqlite store", "plugins/store/sqlite/.libs/sqlite.so"}, /* pulls in libsqlite3 */
};
enum { N_REAL_PLUGINS = sizeof real_plugins / sizeof real_plugins[0] };

static void body_real_plugins(const sandbox_case_t *k, child_report_t *c) {
    char path[4096];
    for (int i = 0; i < N_REAL_PLUGINS; i++) {
        bl_plugin_handle_t h;
        bl_error_t err;
        bl_error_clear(&err);
        tu_builddir_path(path, sizeof path, real_plugins[i].path);
        int rc = bl_plugin_load(&h, path, 0, &err);
        errno = 0;
        note(c, real_plugins[i].name, rc);
        if (rc == 0)
            bl_plugin_unload(&h);
        else
            snprintf(c->message, sizeof c->message, "%.190s", err.message);
    }
}

static void test_sandbox_loads_real_plugins(void **state) {
    const fixture_t *fx = *state;
    char path[4096];
    for (int i = 0; i < N_REAL_PLUGINS; i++)
        if (access(tu_builddir_path(path, sizeof path, real_plugins[i].path), R_OK) != 0)
            skip(); /* `make` builds them */
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_real_plugins, NULL);
        run_case(&k, &c, 0);
        for (int j = 0; j < N_REAL_PLUGINS; j++)
            if (find_attempt(m, &c, real_plugins[j].name)->rc != 0)
                fail_msg("%s mode: %s did not load: %s", m->name, real_plugins[j].path, c.message);
    }
}

/* ---------------------------------------------------------------- other processes */

static int usr1_seen;

static void on_usr1(int sig) { usr1_seen = sig; }

static void body_signals(const sandbox_case_t *k, child_report_t *c) {
    pid_t parent = getppid();
    note(c, "kill parent", kill(parent, SIGTERM));
    note(c, "kill self 0", kill(getpid(), 0));
    signal(SIGUSR1, on_usr1);
    note(c, "raise", raise(SIGUSR1));
    note(c, "handler ran", usr1_seen == SIGUSR1 ? 0 : -1);
    /* attaching to oneself is EPERM from the kernel: EACCES can only come from the filter */
    note(c, "ptrace", ptrace(PTRACE_ATTACH, getpid(), NULL, NULL));
    char mine[8], theirs[8] = "";
    struct iovec local = {.iov_base = mine, .iov_len = sizeof mine};
    struct iovec remote = {.iov_base = theirs, .iov_len = sizeof theirs};
    note(c, "process_vm_readv", process_vm_readv(parent, &local, 1, &remote, 1, 0));
    note(c, "pidfd_open", syscall(SYS_pidfd_open, parent, 0));
}

static volatile sig_atomic_t term_seen;

static void on_term(int sig) { term_seen = sig; }

static void test_sandbox_signals_stay_inside(void **state) {
    const fixture_t *fx = *state;
    struct sigaction sa = {.sa_handler = on_term}, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGTERM, &sa, &old), 0); /* should the rule be missing */
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_signals, NULL);
        run_case(&k, &c, 0);
        expect_refused(m, &c, "kill parent", EACCES);
        expect_ok(m, &c, "kill self 0");
        expect_ok(m, &c, "raise");
        expect_ok(m, &c, "handler ran");
        expect_refused(m, &c, "ptrace", EACCES);
        expect_refused(m, &c, "process_vm_readv", EACCES);
        expect_refused(m, &c, "pidfd_open", EACCES);
    }
    sigaction(SIGTERM, &old, NULL);
    assert_int_equal(term_seen, 0);
}

static void body_abort(const sandbox_case_t *k, child_report_t *c) { abort(); }

static void test_sandbox_abort_kills_only_the_child(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, &modes[i], body_abort, NULL);
        run_case(&k, &c, SIGABRT); /* and here we are, alive */
    }
}

/* ---------------------------------------------------------------- host administration */

static void body_admin(const sandbox_case_t *k, child_report_t *c) {
    note(c, "unshare", unshare(CLONE_NEWNS));
    /* a mount point that does not exist: ENOENT, should the rule be missing */
    note(c, "mount", syscall(SYS_mount, "none", "/nonexistent-borderlab", "tmpfs", 0UL, NULL));
    char params[256] = {0}; /* struct io_uring_params */
    note(c, "io_uring_setup", syscall(SYS_io_uring_setup, 1, params));
    note(c, "bpf", syscall(SYS_bpf, -1, NULL, 0));
    note(c, "personality", syscall(SYS_personality, 0xffffffffUL));
    struct rlimit rl = {0, 0};
    note(c, "setrlimit", setrlimit(RLIMIT_CORE, &rl));
    note(c, "getrlimit", getrlimit(RLIMIT_NOFILE, &rl));
    /* high bits the kernel drops must not hide the command from the filter; fd -1 so that
     * a missing rule gives EBADF, not a keystroke */
    note(c, "ioctl TIOCSTI", syscall(SYS_ioctl, -1, 0xffffffff00000000UL | TIOCSTI, "x"));
    long flags = 0;
    note(c, "ioctl FS_IOC_SETFLAGS", syscall(SYS_ioctl, -1, FS_IOC_SETFLAGS, &flags));
    uint64_t how[3] = {O_RDONLY, 0, 0}; /* struct open_how */
    long fd = syscall(SYS_openat2, AT_FDCWD, "/proc/self/status", how, sizeof how);
    note(c, "openat2 read", fd);
}

static void test_sandbox_admin_calls_refused(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_admin, NULL);
        run_case(&k, &c, 0);
        expect_refused(m, &c, "unshare", EACCES);
        expect_refused(m, &c, "mount", EACCES);
        expect_refused(m, &c, "io_uring_setup", ENOSYS);
        expect_refused(m, &c, "bpf", EACCES);
        expect_refused(m, &c, "personality", EACCES);
        expect_refused(m, &c, "setrlimit", EACCES);
        expect_ok(m, &c, "getrlimit");
        expect_refused(m, &c, "ioctl TIOCSTI", EACCES);
        expect_refused(m, &c, "ioctl FS_IOC_SETFLAGS", EACCES);
        if (landlock_on(fx, m))
            expect_ok(m, &c, "openat2 read"); /* Landlock sees the path */
        else
            expect_refused(m, &c, "openat2 read", ENOSYS); /* libc falls back to openat */
    }
}

/* ---------------------------------------------------------------- file size */

enum { FSIZE_CAP = 4096 };

static void body_file_size(const sandbox_case_t *k, child_report_t *c) {
    const int *log_fd = k->arg;
    static char block[2 * FSIZE_CAP];
    memset(block, 'x', sizeof block);
    note(c, "write up to the cap", write(*log_fd, block, sizeof block));
    note(c, "write past the cap", write(*log_fd, block, 1)); /* EFBIG, and no SIGXFSZ */
}

static void test_sandbox_file_size_limit(void **state) {
    const fixture_t *fx = *state;
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        char p[4096];
        case_init(&k, fx, m, body_file_size, NULL);
        int log_fd = open(tu_path_in(p, sizeof p, k.outside, "log.txt"), O_WRONLY | O_CREAT, 0644);
        assert_true(log_fd >= 0);
        k.arg = &log_fd;
        k.file_size_limit = FSIZE_CAP;
        run_case(&k, &c, 0); /* exited normally: not killed by SIGXFSZ */
        close(log_fd);
        assert_int_equal(find_attempt(m, &c, "write up to the cap")->rc, FSIZE_CAP);
        expect_refused(m, &c, "write past the cap", EFBIG);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_size, FSIZE_CAP);
        assert_non_null(strstr(c.report.summary, "fsize=4 KiB"));
    }
}

/* ---------------------------------------------------------------- memory */

/* The address space this process has mapped, in bytes (0 when unknown). */
static uint64_t mapped_bytes(void) {
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kib = 0;
    while (fp != NULL && fgets(line, sizeof line, fp) != NULL)
        if (sscanf(line, "VmSize: %llu kB", &kib) == 1)
            break;
    if (fp != NULL)
        fclose(fp);
    return (uint64_t)kib << 10;
}

static void body_memory(const sandbox_case_t *k, child_report_t *c) {
    const uint64_t *limit = k->arg;
    void *p = malloc((size_t)*limit);
    note(c, "malloc above the cap", p != NULL ? 0 : -1);
    free(p);
    p = malloc(16u << 20);
    note(c, "malloc 16 MiB", p != NULL ? 0 : -1);
    free(p);
}

static void test_sandbox_memory_limit(void **state) {
#if defined(__SANITIZE_ADDRESS__)
    skip(); /* AddressSanitizer's shadow memory alone exceeds any sensible cap */
#endif
    const fixture_t *fx = *state;
    /* room for 64 MiB more than the child inherits, so the cap is what stops the big malloc */
    const uint64_t mib = UINT64_C(1) << 20;
    uint64_t limit = (mapped_bytes() / mib + 64) * mib;
    char want[64];
    snprintf(want, sizeof want, "as=%llu MiB", (unsigned long long)(limit / mib));
    for (int i = 0; i < N_MODES; i++) {
        const sandbox_mode_t *m = &modes[i];
        sandbox_case_t k;
        child_report_t c;
        case_init(&k, fx, m, body_memory, &limit);
        k.memory_limit = limit;
        run_case(&k, &c, 0);
        expect_refused(m, &c, "malloc above the cap", 0);
        expect_ok(m, &c, "malloc 16 MiB");
        if (strstr(c.report.summary, want) == NULL)
            fail_msg("%s mode: summary \"%s\" lacks \"%s\"", m->name, c.report.summary, want);
    }
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sandbox_report_filled),
        cmocka_unit_test(test_sandbox_refuses_bad_options),
        cmocka_unit_test(test_sandbox_refuses_threaded_process),
        cmocka_unit_test(test_sandbox_writes_only_in_scratch),
        cmocka_unit_test(test_sandbox_no_network),
        cmocka_unit_test(test_sandbox_control_socket_works),
        cmocka_unit_test(test_sandbox_no_new_processes),
        cmocka_unit_test(test_sandbox_threads_and_libraries_work),
        cmocka_unit_test(test_sandbox_loads_real_plugins),
        cmocka_unit_test(test_sandbox_signals_stay_inside),
        cmocka_unit_test(test_sandbox_abort_kills_only_the_child),
        cmocka_unit_test(test_sandbox_admin_calls_refused),
        cmocka_unit_test(test_sandbox_file_size_limit),
        cmocka_unit_test(test_sandbox_memory_limit),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, setup, teardown);
}
