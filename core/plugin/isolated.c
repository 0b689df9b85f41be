/*
 * Isolated plugins, the parent's side: see isolated.h for what it promises
 * and host_protocol.h for the messages.
 *
 * One child per instance (or one per plugin in shared_child mode).  A call
 * takes the child's lock, sends one request, and waits for one reply until
 * the call's deadline; an end of file or an overrun ends the child (killed
 * when still there) and the cause comes from its wait status.  A proxy
 * whose child died starts a new one before its next call: LOAD, then
 * CREATE with the same configuration and the RNG state of the last call
 * that succeeded.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "plugin/isolated.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/datadir.h"
#include "base/paths.h"
#include "base/shm.h"
#include "plugin/host_protocol.h"
#include "plugin/loader.h"

extern char **environ;

#define OUT_REGION_FLAG ((uint64_t)1 << 63) /* output region ids: apart from base/shm.h's */
#define DEPOSIT_CHUNK 128                   /* deposit items per message */
#define REAP_GRACE_MS 2000                  /* a child that closed its socket gets this to exit */

typedef struct child {
    pid_t pid;
    int sock;
    int out_fd;
    unsigned char *out; /* read-only here */
    size_t out_size;
    uint64_t out_id;
    uint64_t *sent; /* region ids the child has mapped */
    size_t n_sent, cap_sent;
    char scratch[PATH_MAX];
    uint32_t n_instances;
    pthread_mutex_t lock;
} child_t;

struct bl_isolated {
    bl_plugin_t desc;
    bl_detector_ops_t detector;
    bl_risk_ops_t risk;
    bl_store_ops_t store;
    char id[128], name[128], vendor[128], version[64];
    char *path, *program;
    char dir[PATH_MAX / 2]; /* its folder: the log and the children's scratch folders */
    int log_fd;
    int kind;
    bl_isolation_opts_t opts;
    pthread_mutex_t lock; /* failures, stats, the shared child */
    bl_plugin_failure_t *failures;
    size_t n_failures, cap_failures;
    bl_isolation_stats_t stats;
    child_t *shared;
    unsigned next_scratch;
    char during[16];
    uint64_t item_base;
    bl_isolated_t *next; /* the registry */
};

typedef struct proxy {
    bl_isolated_t *iso;
    child_t *child; /* NULL when it must be (re)started */
    uint32_t index; /* instance slot in the child */
    bl_host_services_t *hs;
    size_t n_config;
    char **keys, **values;
    bool dead;         /* create failed or the plugin is invalid: nothing reaches the vendor */
    uint64_t failures; /* items of this instance failed or skipped */
    uint64_t ops;      /* store: operations so far (failure items) */
    void *staging;     /* inputs that are not shared memory, copied (base/shm.h) */
    size_t staging_size;
} proxy_t;

/* ------------------------------------------------------------------ registry */

/* Proxies are created through the ops table, which carries no context: the
 * instance's host services name the plugin by its descriptor's id pointer,
 * which is unique to each isolated plugin. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static bl_isolated_t *registry;

static bl_isolated_t *registry_find(const char *id) {
    pthread_mutex_lock(&registry_lock);
    bl_isolated_t *i = registry;
    while (i != NULL && i->id != id)
        i = i->next;
    pthread_mutex_unlock(&registry_lock);
    return i;
}

/* ------------------------------------------------------------------ names */

const char *bl_plugin_verb_name(uint32_t verb) {
    static const char *const names[] = {"?",       "create", "detect",   "score",
                                        "deposit", "move",   "retrieve", "dispose",
                                        "get",     "list",   "verify",   "sync"};
    return verb < sizeof names / sizeof *names ? names[verb] : "?";
}

const char *bl_failure_cause_name(uint32_t cause) {
    static const char *const names[] = {"?",     "signal", "exit",    "deadline", "memory",
                                        "error", "create", "skipped", "host"};
    return cause < sizeof names / sizeof *names ? names[cause] : "?";
}

const char *bl_failure_describe(const bl_plugin_failure_t *f, char *buf, size_t cap) {
    switch (f->cause) {
    case BL_FAILURE_SIGNAL:
        snprintf(buf, cap, "crash (signal %d, SIG%s)", f->detail,
                 sigabbrev_np(f->detail) ? sigabbrev_np(f->detail) : "?");
        break;
    case BL_FAILURE_EXIT:
        snprintf(buf, cap, "the plugin called exit(%d)", f->detail);
        break;
    case BL_FAILURE_DEADLINE:
        snprintf(buf, cap, "deadline: no answer in %.3g s, killed", f->seconds);
        break;
    case BL_FAILURE_MEMORY:
        snprintf(buf, cap, "memory cap reached (died of signal %d near the limit)", f->detail);
        break;
    case BL_FAILURE_ERROR:
        snprintf(buf, cap, "%s returned %d (%s)", bl_plugin_verb_name(f->verb), f->detail,
                 bl_error_name(f->detail));
        break;
    case BL_FAILURE_CREATE:
        snprintf(buf, cap, "create failed (%d, %s)", f->detail, bl_error_name(f->detail));
        break;
    case BL_FAILURE_SKIPPED:
        snprintf(buf, cap, "not run: the plugin was invalid");
        break;
    default:
        snprintf(buf, cap, "the plugin host failed (%d)", f->detail);
        break;
    }
    return buf;
}

void bl_isolation_defaults(bl_isolation_opts_t *o) {
    memset(o, 0, sizeof *o);
    o->timeout_s = 5.0;
    o->item_timeout_s = 0; /* by kind: bl_isolated_load */
    o->memory_limit = (uint64_t)4 << 30;
    o->max_failures = 10;
    o->log_limit = (size_t)64 << 10;
}

/* ------------------------------------------------------------------ time */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ failures */

static void mark_invalid_locked(bl_isolated_t *iso, const char *why) {
    if (!iso->stats.invalid && !iso->opts.strict) { /* a check goes on to its end */
        iso->stats.invalid = true;
        snprintf(iso->stats.invalid_reason, sizeof iso->stats.invalid_reason, "%s", why);
    }
}

static void record(bl_isolated_t *iso, uint32_t verb, uint64_t item,
                   const bl_plugin_failure_t *how) {
    pthread_mutex_lock(&iso->lock);
    if (iso->n_failures == iso->cap_failures) {
        size_t cap = iso->cap_failures ? 2 * iso->cap_failures : 16;
        bl_plugin_failure_t *grown = realloc(iso->failures, cap * sizeof *grown);
        if (grown != NULL) {
            iso->failures = grown;
            iso->cap_failures = cap;
        }
    }
    if (iso->n_failures < iso->cap_failures) {
        bl_plugin_failure_t *f = &iso->failures[iso->n_failures++];
        *f = *how;
        f->verb = verb;
        f->item = verb == BL_VERB_CREATE ? item : iso->item_base + item;
        memcpy(f->during, iso->during, sizeof f->during);
    }
    if (how->cause == BL_FAILURE_SKIPPED) {
        iso->stats.skipped += (uint64_t)how->detail;
    } else {
        iso->stats.failures++;
        if (how->cause == BL_FAILURE_CREATE) {
            char why[256], d[128];
            snprintf(why, sizeof why, "%s", bl_failure_describe(how, d, sizeof d));
            mark_invalid_locked(iso, why);
        } else if (iso->stats.failures >= iso->opts.max_failures) {
            char why[256];
            snprintf(why, sizeof why,
                     "%" PRIu64 " failures to process reached max_failures=%u: not run after that",
                     iso->stats.failures, iso->opts.max_failures);
            mark_invalid_locked(iso, why);
        }
    }
    pthread_mutex_unlock(&iso->lock);
}

static bool is_invalid(bl_isolated_t *iso) {
    pthread_mutex_lock(&iso->lock);
    bool v = iso->stats.invalid;
    pthread_mutex_unlock(&iso->lock);
    return v;
}

/* ------------------------------------------------------------------ children */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    (void)(flag == FTW_DP ? rmdir(path) : unlink(path));
    return 0;
}

static void remove_tree(const char *dir) {
    if (dir[0] != '\0')
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Wait for the child to end (killing it after a grace period, or at once
 * when kill_now) and say how it ended in *how. */
static void reap(child_t *c, bl_isolated_t *iso, bool kill_now, bl_plugin_failure_t *how) {
    int status = 0;
    pid_t got = 0;
    if (kill_now)
        kill(c->pid, SIGKILL);
    for (int waited = 0; !kill_now && waited < REAP_GRACE_MS; waited++) {
        got = waitpid(c->pid, &status, WNOHANG);
        if (got != 0)
            break;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    if (got == 0 || kill_now) {
        kill(c->pid, SIGKILL);
        while ((got = waitpid(c->pid, &status, 0)) < 0 && errno == EINTR)
            ;
        if (!kill_now && how != NULL) { /* closed its socket but would not end */
            how->cause = BL_FAILURE_HOST;
            how->detail = -1;
        }
    }
    if (how != NULL && !kill_now && got > 0 && how->cause != BL_FAILURE_HOST) {
        if (WIFSIGNALED(status)) {
            int sig = WTERMSIG(status);
            uint64_t cap_kb = iso->opts.memory_limit / 1024;
            how->cause = cap_kb > 0 && iso->stats.max_rss_kb >= cap_kb / 10 * 8 ? BL_FAILURE_MEMORY
                                                                                : BL_FAILURE_SIGNAL;
            how->detail = sig;
        } else {
            how->cause = BL_FAILURE_EXIT;
            how->detail = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
    }
    c->pid = 0;
}

static void child_free(child_t *c, bl_isolated_t *iso) {
    if (c == NULL)
        return;
    if (c->sock >= 0)
        close(c->sock);
    if (c->pid > 0)
        reap(c, iso, false, NULL);
    if (c->out != NULL)
        munmap(c->out, c->out_size);
    if (c->out_fd >= 0)
        close(c->out_fd);
    remove_tree(c->scratch);
    free(c->sent);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The child died or must die: reap it, and let callers see it is gone. */
static void child_lost(child_t *c, bl_isolated_t *iso, bool kill_now, bl_plugin_failure_t *how) {
    if (c->sock >= 0)
        close(c->sock);
    c->sock = -1;
    if (c->pid > 0)
        reap(c, iso, kill_now, how);
}

/* A descriptor number above the ones posix_spawn will dup onto. */
static int high_fd(int fd) {
    if (fd > 10)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 11);
    close(fd);
    return h;
}

/* An exchange: the request (+ payload) out, the reply in, within deadline_s.
 * 0 with *r filled, or -1 with *how set and the child gone. */
static int exchange(bl_isolated_t *iso, child_t *c, bl_host_request_t *q, const void *payload,
                    size_t len, const int *fds, double deadline_s, bl_host_reply_t *r,
                    void *rpayload, size_t rcap, bl_plugin_failure_t *how) {
    static __thread unsigned char buf[BL_HOST_MESSAGE_MAX];
    double t0 = now_s();
    memset(how, 0, sizeof *how);
    q->payload = (uint32_t)len;
    if (c->sock < 0) {
        how->cause = BL_FAILURE_HOST;
        return -1;
    }
    if (bl_host_send(c->sock, q, sizeof *q, payload, len, fds, q->n_regions) != 0) {
        how->seconds = now_s() - t0;
        child_lost(c, iso, false, how);
        return -1;
    }
    int ready = bl_host_spin(c->sock,
                             BL_HOST_SPIN_SECONDS < deadline_s ? BL_HOST_SPIN_SECONDS : deadline_s);
    for (;; ready = 0) {
        double left = t0 + deadline_s - now_s();
        struct pollfd p = {c->sock, POLLIN, 0};
        if (!ready) /* the reply is not there yet: sleep until it is, or the deadline */
            ready = left > 0 ? poll(&p, 1, (int)ceil(left * 1000.0)) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            how->seconds = now_s() - t0;
            child_lost(c, iso, true, how);
            how->cause = BL_FAILURE_DEADLINE;
            how->detail = (int32_t)ceil(deadline_s);
            return -1;
        }
        long got = bl_host_recv(c->sock, buf, sizeof buf, NULL, NULL);
        how->seconds = now_s() - t0;
        if (got <= 0) { /* end of file, or reset by a child that died: how did it end? */
            child_lost(c, iso, false, how);
            if (how->cause == 0)
                how->cause = BL_FAILURE_HOST;
            return -1;
        }
        if (got < (long)sizeof *r) { /* not a reply: whatever it is, it is done */
            child_lost(c, iso, true, how);
            how->cause = BL_FAILURE_HOST;
            how->detail = (int32_t)got;
            return -1;
        }
        memcpy(r, buf, sizeof *r);
        size_t plen = (size_t)got - sizeof *r;
        if (rpayload != NULL)
            memcpy(rpayload, buf + sizeof *r, plen < rcap ? plen : rcap);
        if (rpayload != NULL && plen < rcap)
            memset((unsigned char *)rpayload + plen, 0, rcap - plen);
        pthread_mutex_lock(&iso->lock);
        iso->stats.calls++;
        iso->stats.call_seconds += how->seconds;
        if (r->max_rss_kb > iso->stats.max_rss_kb)
            iso->stats.max_rss_kb = r->max_rss_kb;
        pthread_mutex_unlock(&iso->lock);
        return 0;
    }
}

/*
 * Children are started by one thread that lives as long as the process:
 * a child asks the kernel to kill it when its parent goes (so a hung
 * vendor library never outlives borderlab), and "parent" there means the
 * thread that started it, so a child started by a worker thread would die
 * with that worker.
 */
typedef struct spawn_job {
    const char *program;
    const posix_spawn_file_actions_t *actions;
    char *const *argv;
    pid_t pid;
    int error;
    bool done;
} spawn_job_t;

static pthread_once_t spawner_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t spawn_turn = PTHREAD_MUTEX_INITIALIZER; /* one request at a time */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t spawn_cond = PTHREAD_COND_INITIALIZER;
static spawn_job_t *spawn_pending;
static bool spawner_running;

static void *spawner(void *arg) {
    (void)arg;
    pthread_mutex_lock(&spawn_lock);
    for (;;) {
        while (spawn_pending == NULL)
            pthread_cond_wait(&spawn_cond, &spawn_lock);
        spawn_job_t *job = spawn_pending;
        pthread_mutex_unlock(&spawn_lock);
        job->error = posix_spawn(&job->pid, job->program, job->actions, NULL, job->argv, environ);
        pthread_mutex_lock(&spawn_lock);
        job->done = true;
        spawn_pending = NULL;
        pthread_cond_broadcast(&spawn_cond);
    }
    return NULL;
}

static void spawner_start(void) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    spawner_running = pthread_create(&t, &attr, spawner, NULL) == 0;
    pthread_attr_destroy(&attr);
}

/* posix_spawn through the spawner thread (directly when it could not start). */
static int spawn(pid_t *pid, const char *program, const posix_spawn_file_actions_t *actions,
                 char *const *argv) {
    pthread_once(&spawner_once, spawner_start);
    if (!spawner_running)
        return posix_spawn(pid, program, actions, NULL, argv, environ);
    spawn_job_t job = {program, actions, argv, 0, 0, false};
    pthread_mutex_lock(&spawn_turn);
    pthread_mutex_lock(&spawn_lock);
    spawn_pending = &job;
    pthread_cond_broadcast(&spawn_cond);
    while (!job.done)
        pthread_cond_wait(&spawn_cond, &spawn_lock);
    pthread_mutex_unlock(&spawn_lock);
    pthread_mutex_unlock(&spawn_turn);
    *pid = job.pid;
    return job.error;
}

/* Start a child and load the plugin in it; 0 or a BL_E code with err set. */
static int child_start(bl_isolated_t *iso, child_t **out, bl_host_loaded_t *loaded,
                       bl_error_t *err) {
    int sv[2] = {-1, -1}, rc = 0;
    child_t *c = calloc(1, sizeof *c);
    posix_spawn_file_actions_t fa;
    bool fa_made = false;
    *out = NULL;
    if (c == NULL)
        return bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", iso->path);
    c->sock = c->out_fd = -1;
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_lock(&iso->lock);
    unsigned seq = iso->next_scratch++;
    pthread_mutex_unlock(&iso->lock);
    snprintf(c->scratch, sizeof c->scratch, "%s/scratch.%u", iso->dir, seq);
    if (mkdir(c->scratch, 0700) != 0) {
        rc = bl_error_set(err, BL_EIO, "plugin %s: cannot make its scratch folder %s (%s)",
                          iso->path, c->scratch, strerror(errno));
        c->scratch[0] = '\0';
        goto out;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        rc = bl_error_set(err, BL_EIO, "plugin %s: cannot make a socket pair (%s)", iso->path,
                          strerror(errno));
        goto out;
    }
    sv[0] = high_fd(sv[0]);
    sv[1] = high_fd(sv[1]);
    char parent[32], memory[32];
    snprintf(parent, sizeof parent, "%ld", (long)getpid());
    snprintf(memory, sizeof memory, "%" PRIu64, iso->opts.memory_limit);
    char *argv[12] = {iso->program, "--parent", parent, "--scratch",
                      c->scratch,   "--memory", memory, NULL};
    size_t argc = 7;
    if (iso->opts.cpus[0] != '\0') {
        argv[argc++] = "--cpus";
        argv[argc++] = iso->opts.cpus;
    }
    if (iso->opts.writable[0] != '\0') {
        argv[argc++] = "--writable";
        argv[argc++] = iso->opts.writable;
    }
    argv[argc] = NULL;
    posix_spawn_file_actions_init(&fa);
    fa_made = true;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, iso->log_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, iso->log_fd, 2);
    posix_spawn_file_actions_adddup2(&fa, sv[1], BL_HOST_CONTROL_FD);
    posix_spawn_file_actions_addclosefrom_np(&fa, BL_HOST_CONTROL_FD + 1);
    int e = spawn(&c->pid, iso->program, &fa, argv);
    close(sv[1]);
    sv[1] = -1;
    if (e != 0) {
        c->pid = 0;
        rc = bl_error_set(err, BL_EPLUGIN,
                          "plugin %s: cannot start the plugin host %s (%s): reinstall borderlab, "
                          "or set BORDERLAB_PLUGIN_HOST to its path",
                          iso->path, iso->program, strerror(e));
        goto out;
    }
    c->sock = sv[0];
    sv[0] = -1;
    pthread_mutex_lock(&iso->lock);
    iso->stats.children++;
    pthread_mutex_unlock(&iso->lock);

    /* LOAD: the child runs the loader's checks on the file. */
    bl_host_request_t q;
    bl_host_reply_t r;
    bl_plugin_failure_t how;
    size_t plen = strlen(iso->path) + 1;
    unsigned char payload[PATH_MAX + 8];
    uint32_t kind = (uint32_t)iso->kind;
    if (plen > PATH_MAX) {
        rc = bl_error_set(err, BL_EINVAL, "plugin %s: path too long", iso->path);
        goto out;
    }
    memcpy(payload, &kind, sizeof kind);
    memcpy(payload + sizeof kind, iso->path, plen);
    memset(&q, 0, sizeof q);
    q.op = BL_HOST_LOAD;
    if (exchange(iso, c, &q, payload, sizeof kind + plen, NULL, iso->opts.timeout_s, &r, loaded,
                 sizeof *loaded, &how) != 0) {
        char d[160];
        rc = bl_error_set(err, BL_EPLUGIN,
                          "plugin %s: the plugin host ended while loading it: %s (its constructors "
                          "run at load; see its log)",
                          iso->path, bl_failure_describe(&how, d, sizeof d));
        goto out;
    }
    loaded->text[sizeof loaded->text - 1] = '\0';
    if (r.rc != 0) {
        rc = bl_error_set(err, r.rc, "%s", loaded->text[0] ? loaded->text : "plugin refused");
        goto out;
    }
    *out = c;
    c = NULL;
out:
    if (fa_made)
        posix_spawn_file_actions_destroy(&fa);
    if (sv[0] >= 0)
        close(sv[0]);
    child_free(c, iso);
    return rc;
}

/* Attach the regions in refs[] the child has not mapped yet to q (at most
 * BL_HOST_FDS_MAX); the fds go to fds[].  Returns how many were attached. */
static void attach(child_t *c, bl_host_request_t *q, int *fds, uint64_t id, int fd, size_t size,
                   bool writable) {
    for (size_t i = 0; i < c->n_sent; i++)
        if (c->sent[i] == id)
            return;
    for (uint32_t i = 0; i < q->n_regions; i++)
        if (q->regions[i].id == id)
            return;
    if (q->n_regions >= BL_HOST_FDS_MAX)
        return;
    q->regions[q->n_regions] = (bl_host_region_t){id, size, writable ? 1u : 0u, 0};
    fds[q->n_regions++] = fd;
}

/* After a successful exchange: the child has mapped what was attached. */
static void attached(child_t *c, const bl_host_request_t *q) {
    for (uint32_t i = 0; i < q->n_regions; i++) {
        if (c->n_sent == c->cap_sent) {
            size_t cap = c->cap_sent ? 2 * c->cap_sent : 16;
            uint64_t *grown = realloc(c->sent, cap * sizeof *grown);
            if (grown == NULL)
                return;
            c->sent = grown;
            c->cap_sent = cap;
        }
        c->sent[c->n_sent++] = q->regions[i].id;
    }
}

/* The child's output region, at least size bytes. */
static int ensure_out(child_t *c, size_t size) {
    static uint64_t next_out = 1;
    if (c->out != NULL && c->out_size >= size)
        return 0;
    size_t want = size < ((size_t)64 << 10) ? ((size_t)64 << 10) : size;
    int fd = memfd_create("borderlab-plugin-output", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)want) != 0) {
        if (fd >= 0)
            close(fd);
        return BL_ENOMEM;
    }
    void *m = mmap(NULL, want, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return BL_ENOMEM;
    }
    if (c->out != NULL)
        munmap(c->out, c->out_size);
    if (c->out_fd >= 0)
        close(c->out_fd);
    c->out = m;
    c->out_fd = fd;
    c->out_size = want;
    c->out_id = OUT_REGION_FLAG | __atomic_fetch_add(&next_out, 1, __ATOMIC_RELAXED);
    return 0;
}

/* ------------------------------------------------------------------ proxies */

/* A request of p's instance: op, the instance's RNG state and the clock. */
static void request_init(const proxy_t *p, uint32_t op, bl_host_request_t *q) {
    memset(q, 0, sizeof *q);
    q->op = op;
    q->instance = p->index;
    memcpy(q->rng, p->hs->rng.s, sizeof q->rng);
    q->clock = p->hs->clock != NULL ? *p->hs->clock : 0.0;
}

/* Send MAP requests for every region in ids[] the child has not mapped. */
static int map_all(proxy_t *p, const uint64_t *ids, const int *fds, const size_t *sizes, size_t n,
                   bl_plugin_failure_t *how) {
    child_t *c = p->child;
    bl_host_request_t q;
    int qfds[BL_HOST_FDS_MAX];
    memset(&q, 0, sizeof q);
    q.op = BL_HOST_MAP;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || q.n_regions == BL_HOST_FDS_MAX) {
            if (q.n_regions > 0) {
                bl_host_reply_t r;
                if (exchange(p->iso, c, &q, NULL, 0, qfds, p->iso->opts.timeout_s, &r, NULL, 0,
                             how) != 0)
                    return -1;
                attached(c, &q);
            }
            memset(&q, 0, sizeof q);
            q.op = BL_HOST_MAP;
        }
        if (i < n)
            attach(c, &q, qfds, ids[i], fds[i], sizes[i], false);
    }
    return 0;
}

/* A place for len bytes at src in shared memory: src itself when it is
 * shared, else a copy in the proxy's staging area at *staged (advanced). */
static int place(proxy_t *p, const void *src, size_t len, size_t *staged, bl_host_ptr_t *at,
                 uint64_t *ids, int *fds, size_t *sizes, size_t *n_ids) {
    bl_shm_ref_t ref;
    if (!bl_shm_find(src, len, &ref)) {
        if (*staged + len > p->staging_size)
            return BL_ENOMEM;
        memcpy((unsigned char *)p->staging + *staged, src, len);
        if (!bl_shm_find((unsigned char *)p->staging + *staged, len, &ref))
            return BL_ENOMEM;
        *staged += (len + 63) / 64 * 64;
    }
    at->region = ref.region;
    at->offset = ref.offset;
    size_t k = 0;
    while (k < *n_ids && ids[k] != ref.region)
        k++;
    if (k == *n_ids) {
        ids[k] = ref.region;
        fds[k] = ref.fd;
        sizes[k] = ref.region_size;
        (*n_ids)++;
    }
    return 0;
}

static int staging_reserve(proxy_t *p, size_t size) {
    if (size <= p->staging_size)
        return 0;
    void *s = bl_shm_alloc(size);
    bl_shm_ref_t ref;
    if (s == NULL || !bl_shm_find(s, size, &ref)) { /* not shareable: nothing to stage in */
        if (s != NULL)
            bl_shm_free(s);
        return BL_ENOMEM;
    }
    bl_shm_free(p->staging);
    p->staging = s;
    p->staging_size = size;
    return 0;
}

/* CREATE in p->child with p's configuration and RNG state.  0; -1 and *how
 * when the child failed; -2 and how->detail = the code when create failed. */
static int create_in_child(proxy_t *p, bl_plugin_failure_t *how) {
    static __thread unsigned char payload[BL_HOST_MESSAGE_MAX - sizeof(bl_host_request_t)];
    uint32_t n = (uint32_t)p->n_config;
    size_t len = sizeof n;
    memcpy(payload, &n, sizeof n);
    for (size_t i = 0; i < p->n_config; i++) {
        size_t a = strlen(p->keys[i]) + 1, b = strlen(p->values[i]) + 1;
        if (len + a + b > sizeof payload || i >= 64) {
            memset(how, 0, sizeof *how);
            how->cause = BL_FAILURE_CREATE;
            how->detail = BL_EINVAL;
            return -2;
        }
        memcpy(payload + len, p->keys[i], a);
        memcpy(payload + len + a, p->values[i], b);
        len += a + b;
    }
    bl_host_request_t q;
    bl_host_reply_t r;
    request_init(p, BL_HOST_CREATE, &q);
    if (exchange(p->iso, p->child, &q, payload, len, NULL, p->iso->opts.timeout_s, &r, NULL, 0,
                 how) != 0)
        return -1;
    if (r.rc != 0) {
        how->cause = BL_FAILURE_CREATE;
        how->detail = r.rc;
        return -2;
    }
    memcpy(p->hs->rng.s, r.rng, sizeof r.rng);
    return 0;
}

/* Make sure p has a live child with its instance in it (a fresh one after
 * a failure).  0, -1 (*how: the child failed), -2 (create failed). */
static int ensure_child(proxy_t *p, bl_plugin_failure_t *how) {
    bl_isolated_t *iso = p->iso;
    if (p->child != NULL && p->child->sock >= 0)
        return 0;
    memset(how, 0, sizeof *how);
    if (iso->opts.shared_child) {
        pthread_mutex_lock(&iso->lock);
        child_t *c = iso->shared;
        pthread_mutex_unlock(&iso->lock);
        if (c == NULL || c->sock < 0) {
            bl_host_loaded_t loaded;
            bl_error_t err;
            bl_error_clear(&err);
            child_t *fresh = NULL;
            if (child_start(iso, &fresh, &loaded, &err) != 0) {
                how->cause = BL_FAILURE_HOST;
                return -1;
            }
            pthread_mutex_lock(&iso->lock);
            if (iso->shared != NULL)
                child_free(iso->shared, iso);
            iso->shared = c = fresh;
            pthread_mutex_unlock(&iso->lock);
        }
        pthread_mutex_lock(&c->lock);
        p->child = c;
        p->index = c->n_instances++;
        int rc = create_in_child(p, how);
        pthread_mutex_unlock(&c->lock);
        return rc;
    }
    child_free(p->child, iso);
    p->child = NULL;
    bl_host_loaded_t loaded;
    bl_error_t err;
    bl_error_clear(&err);
    if (child_start(iso, &p->child, &loaded, &err) != 0) {
        how->cause = BL_FAILURE_HOST;
        return -1;
    }
    p->index = 0;
    return create_in_child(p, how);
}

/* Record a failure of item and, for a create failure, make p dead. */
static void fail_item(proxy_t *p, uint32_t verb, uint64_t item, const bl_plugin_failure_t *how) {
    record(p->iso, verb, item, how);
    p->failures++;
    if (how->cause == BL_FAILURE_CREATE)
        p->dead = true;
}

/* Items first..first+count-1 not run (the plugin is invalid): one record
 * for the range, its detail the count. */
static void skip_items(proxy_t *p, uint32_t verb, uint64_t first, uint64_t count) {
    bl_plugin_failure_t s;
    memset(&s, 0, sizeof s);
    s.cause = BL_FAILURE_SKIPPED;
    s.detail = (int32_t)(count < INT32_MAX ? count : INT32_MAX);
    record(p->iso, verb, first, &s);
    p->failures += count;
}

/* The scans of a batch not run, as ranges of consecutive ids. */
static void skip_scans(proxy_t *p, const bl_scan_t *scans, size_t n) {
    for (size_t k = 0; k < n;) {
        size_t j = k + 1;
        while (j < n && scans[j].id == scans[j - 1].id + 1 && j - k < INT32_MAX)
            j++;
        skip_items(p, BL_VERB_DETECT, scans[k].id, j - k);
        k = j;
    }
}

/* Release p's own memory (its child is the caller's business). */
static void proxy_free(proxy_t *p) {
    bl_shm_free(p->staging);
    for (size_t i = 0; i < p->n_config; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    free(p->keys);
    free(p->values);
    free(p);
}

/* ensure_child for a verb: 0, or -1 with *how (a failed create recorded and
 * p dead). */
static int ready_child(proxy_t *p, bl_plugin_failure_t *how) {
    int rc = ensure_child(p, how);
    if (rc == -2)
        fail_item(p, BL_VERB_CREATE, 0, how);
    return rc == 0 ? 0 : -1;
}

static int proxy_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    bl_host_services_t *hs = host != NULL ? host->ctx : NULL;
    bl_isolated_t *iso = hs != NULL ? registry_find(hs->plugin_id) : NULL;
    *instance = NULL;
    if (iso == NULL)
        return BL_ESTATE; /* host services not made for this handle's id */
    proxy_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return BL_ENOMEM;
    p->iso = iso;
    p->hs = hs;
    size_t n = config != NULL ? config->n : 0;
    p->keys = calloc(n + 1, sizeof *p->keys);
    p->values = calloc(n + 1, sizeof *p->values);
    if (p->keys == NULL || p->values == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        p->keys[i] = strdup(config->keys[i]);
        p->values[i] = strdup(config->values[i]);
        p->n_config = i + 1;
        if (p->keys[i] == NULL || p->values[i] == NULL)
            goto nomem;
    }
    if (is_invalid(iso)) {
        if (iso->opts.strict)
            goto refused;
        p->dead = true;
        *instance = p;
        return BL_OK;
    }
    bl_plugin_failure_t how;
    int rc = ensure_child(p, &how);
    if (rc != 0) {
        if (how.cause != BL_FAILURE_CREATE) {
            how.cause = how.cause ? how.cause : BL_FAILURE_HOST;
            bl_plugin_failure_t c = how;
            record(iso, BL_VERB_CREATE, 0, &c);
            pthread_mutex_lock(&iso->lock);
            char why[256], d[160];
            snprintf(why, sizeof why, "create: %s", bl_failure_describe(&c, d, sizeof d));
            mark_invalid_locked(iso, why);
            pthread_mutex_unlock(&iso->lock);
        } else {
            record(iso, BL_VERB_CREATE, 0, &how);
        }
        if (iso->opts.strict) {
            /* strict: the caller sees the code and has nothing to destroy */
            rc = how.cause == BL_FAILURE_CREATE ? how.detail : BL_EPLUGIN;
            if (!iso->opts.shared_child)
                child_free(p->child, iso);
            goto release;
        }
        p->dead = true;
    }
    *instance = p;
    return BL_OK;
refused:
    rc = BL_EPLUGIN;
    goto release;
nomem:
    rc = BL_ENOMEM;
release:
    proxy_free(p);
    return rc;
}

static void proxy_destroy(void *instance) {
    proxy_t *p = instance;
    if (p == NULL)
        return;
    child_t *c = p->child;
    if (c != NULL && c->sock >= 0) {
        bl_host_request_t q;
        bl_host_reply_t r;
        bl_plugin_failure_t how;
        memset(&q, 0, sizeof q);
        q.op = BL_HOST_DESTROY;
        q.instance = p->index;
        pthread_mutex_lock(&c->lock);
        /* A child that dies in destroy has nothing left to lose: no failure to process. */
        (void)exchange(p->iso, c, &q, NULL, 0, NULL, p->iso->opts.timeout_s, &r, NULL, 0, &how);
        pthread_mutex_unlock(&c->lock);
    }
    if (!p->iso->opts.shared_child)
        child_free(c, p->iso);
    proxy_free(p);
}

/* ------------------------------------------------------------------ detect */

/*
 * One DETECT exchange for scans[0..n-1]: 0 when the child answered
 * (*plugin_rc, *count as the plugin left it, and the first min(count, cap)
 * detections copied to dst), -1 when the child failed (*how).
 */
static int detect_once(proxy_t *p, const bl_scan_t *scans, size_t n, bl_detection_t *dst,
                       size_t cap, int *plugin_rc, uint64_t *count, bl_plugin_failure_t *how) {
    static __thread unsigned char payload[BL_HOST_MESSAGE_MAX - sizeof(bl_host_request_t)];
    enum { MAX_SCANS = (sizeof payload - sizeof(bl_host_detect_t)) / sizeof(bl_host_scan_t) };
    uint64_t ids[2 * MAX_SCANS + 2];
    int fds[2 * MAX_SCANS + 2];
    size_t sizes[2 * MAX_SCANS + 2], n_ids = 0, staged = 0, need = 0;
    if (ready_child(p, how) != 0)
        return -1;
    int rc;
    if (n > MAX_SCANS) {
        how->cause = BL_FAILURE_HOST;
        how->detail = BL_EINVAL;
        return -1;
    }
    /* Pixels that are not shared memory are copied into the staging area. */
    for (size_t k = 0; k < n; k++) {
        size_t plane = (size_t)scans[k].width * scans[k].height *
                       (scans[k].depth ? scans[k].depth : 1) * sizeof(float);
        bl_shm_ref_t ref;
        if (!bl_shm_find(scans[k].high, plane, &ref))
            need += (plane + 63) / 64 * 64;
        if (scans[k].low != NULL && !bl_shm_find(scans[k].low, plane, &ref))
            need += (plane + 63) / 64 * 64;
    }
    if (need > 0 && staging_reserve(p, need) != 0) {
        how->cause = BL_FAILURE_HOST;
        how->detail = BL_ENOMEM;
        return -1;
    }
    bl_host_detect_t a = {0, cap, (uint32_t)n, 0};
    bl_host_scan_t *hs = (bl_host_scan_t *)(payload + sizeof a);
    for (size_t k = 0; k < n; k++) {
        const bl_scan_t *s = &scans[k];
        size_t plane = (size_t)s->width * s->height * (s->depth ? s->depth : 1) * sizeof(float);
        bl_host_scan_t h = {s->width,    s->height, s->depth, s->energies,
                            s->pixel_mm, s->id,     {0, 0},   {0, 0}};
        if (place(p, s->high, plane, &staged, &h.high, ids, fds, sizes, &n_ids) != 0 ||
            (s->low != NULL &&
             place(p, s->low, plane, &staged, &h.low, ids, fds, sizes, &n_ids) != 0)) {
            how->cause = BL_FAILURE_HOST;
            how->detail = BL_ENOMEM;
            return -1;
        }
        memcpy(&hs[k], &h, sizeof h);
    }
    child_t *c = p->child;
    pthread_mutex_lock(&c->lock);
    int out = ensure_out(c, cap * sizeof(bl_detection_t));
    rc = -1;
    if (out != 0) {
        how->cause = BL_FAILURE_HOST;
        how->detail = out;
        goto unlock;
    }
    if (map_all(p, ids, fds, sizes, n_ids, how) != 0)
        goto unlock;
    bl_host_request_t q;
    bl_host_reply_t r;
    int qfds[BL_HOST_FDS_MAX];
    request_init(p, BL_HOST_DETECT, &q);
    attach(c, &q, qfds, c->out_id, c->out_fd, c->out_size, true);
    a.out_region = c->out_id;
    memcpy(payload, &a, sizeof a);
    double deadline = p->iso->opts.timeout_s + (double)n * p->iso->opts.item_timeout_s;
    if (exchange(p->iso, c, &q, payload, sizeof a + n * sizeof *hs, qfds, deadline, &r, NULL, 0,
                 how) != 0)
        goto unlock;
    attached(c, &q);
    memcpy(p->hs->rng.s, r.rng, sizeof r.rng);
    *plugin_rc = r.rc;
    *count = r.count;
    if (r.count <= cap && r.count > 0)
        memcpy(dst, c->out, (size_t)r.count * sizeof *dst);
    rc = 0;
unlock:
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* A returned error other than "buffer full" is a failure of the call. */
static bool plugin_error(int rc) { return rc != BL_OK && rc != BL_ENOSPC; }

static int proxy_detect(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out) {
    proxy_t *p = instance;
    bl_isolated_t *iso = p->iso;
    bl_plugin_failure_t how;
    int prc = 0;
    uint64_t count = 0;
    if (n == 0 && !p->dead)
        return BL_OK;
    if (p->dead || is_invalid(iso)) {
        p->dead = true;
        skip_scans(p, scans, n);
        return iso->opts.strict ? BL_EPLUGIN : BL_OK;
    }
    size_t room = out->capacity > out->count ? out->capacity - out->count : 0;
    bl_detection_t *dst = out->items + out->count;
    memset(&how, 0, sizeof how);
    if (detect_once(p, scans, n, dst, room, &prc, &count, &how) == 0 &&
        (!plugin_error(prc) || iso->opts.strict)) {
        /* count as the plugin left it: past the room, the caller counts an
         * invalid output and takes nothing from this call */
        out->count = count <= room ? out->count + (size_t)count : out->capacity + 1;
        return prc;
    }
    if (how.cause == 0) { /* the child answered with an error code */
        how.cause = BL_FAILURE_ERROR;
        how.detail = prc;
    }
    if (iso->opts.strict || n == 1) { /* strict: one record for the call, named by its first scan */
        fail_item(p, BL_VERB_DETECT, scans[0].id, &how);
        return iso->opts.strict ? BL_EPLUGIN : BL_OK;
    }
    /* Find the scans that fail: one at a time, each in a live child. */
    bool overrun = false;
    for (size_t k = 0; k < n; k++) {
        if (p->dead || is_invalid(iso)) {
            p->dead = true;
            skip_scans(p, &scans[k], 1);
            continue;
        }
        room = out->capacity > out->count ? out->capacity - out->count : 0;
        dst = out->items + out->count;
        memset(&how, 0, sizeof how);
        if (detect_once(p, &scans[k], 1, dst, room, &prc, &count, &how) == 0 &&
            !plugin_error(prc)) {
            if (count > room) {
                overrun = true;
                continue;
            }
            for (size_t j = 0; j < (size_t)count; j++) /* the scan's index in the whole batch */
                dst[j].scan = dst[j].scan == 0 ? (uint32_t)k : (uint32_t)n;
            out->count += (size_t)count;
            continue;
        }
        if (how.cause == 0) {
            how.cause = BL_FAILURE_ERROR;
            how.detail = prc;
        }
        fail_item(p, BL_VERB_DETECT, scans[k].id, &how);
    }
    if (overrun)
        out->count = out->capacity + 1;
    return BL_OK;
}

/* ------------------------------------------------------------------ score */

/* Copy records into the staging area as host_protocol.h lays them out. */
static int stage_records(proxy_t *p, const bl_records_t *rec, bl_host_score_t *a) {
    size_t need = (size_t)rec->n_columns * sizeof(bl_host_column_t) + 64;
    for (uint32_t c = 0; c < rec->n_columns; c++) {
        const bl_column_t *col = &rec->columns[c];
        need += strlen(col->name != NULL ? col->name : "") + 1 + 8;
        need +=
            rec->n_rows * (col->type == BL_COLUMN_NUMERIC ? sizeof(double) : sizeof(int32_t)) + 8;
        need += (size_t)col->n_categories * sizeof(uint64_t) + 8;
        for (uint32_t k = 0; col->categories != NULL && k < col->n_categories; k++)
            need += strlen(col->categories[k] != NULL ? col->categories[k] : "") + 1 + 8;
    }
    if (staging_reserve(p, need) != 0)
        return BL_ENOMEM;
    unsigned char *base = p->staging;
    bl_shm_ref_t ref;
    if (!bl_shm_find(base, need, &ref))
        return BL_ENOMEM;
    size_t at = (size_t)rec->n_columns * sizeof(bl_host_column_t);
#define TAKE(len) (at = (at + 7) / 8 * 8, at += (len), at - (len))
    for (uint32_t c = 0; c < rec->n_columns; c++) {
        const bl_column_t *col = &rec->columns[c];
        bl_host_column_t hc;
        memset(&hc, 0, sizeof hc);
        const char *name = col->name != NULL ? col->name : "";
        size_t nl = strlen(name) + 1;
        hc.name = ref.offset + TAKE(nl);
        memcpy(base + (hc.name - ref.offset), name, nl);
        hc.type = col->type;
        size_t vl =
            rec->n_rows * (col->type == BL_COLUMN_NUMERIC ? sizeof(double) : sizeof(int32_t));
        hc.values = ref.offset + TAKE(vl);
        const void *src =
            col->type == BL_COLUMN_NUMERIC ? (const void *)col->numeric : (const void *)col->codes;
        if (src != NULL && vl > 0)
            memcpy(base + (hc.values - ref.offset), src, vl);
        else if (vl > 0)
            memset(base + (hc.values - ref.offset), 0xff, vl); /* NaN / -1: missing */
        if (col->categories != NULL && col->n_categories > 0) {
            hc.n_categories = col->n_categories;
            hc.categories = ref.offset + TAKE((size_t)col->n_categories * sizeof(uint64_t));
            for (uint32_t k = 0; k < col->n_categories; k++) {
                const char *label = col->categories[k] != NULL ? col->categories[k] : "";
                size_t ll = strlen(label) + 1;
                uint64_t off = ref.offset + TAKE(ll);
                memcpy(base + (off - ref.offset), label, ll);
                memcpy(base + (hc.categories - ref.offset) + k * sizeof(uint64_t), &off,
                       sizeof off);
            }
        }
        memcpy(base + c * sizeof hc, &hc, sizeof hc);
    }
#undef TAKE
    assert(at <= need); /* the estimate above is an upper bound */
    a->batch_region = ref.region;
    a->columns = ref.offset;
    a->n_rows = rec->n_rows;
    a->n_columns = rec->n_columns;
    return 0;
}

/* One SCORE exchange for rows [first, first + n) of the staged batch. */
static int score_once(proxy_t *p, bl_host_score_t *a, size_t first, size_t n, double *scores,
                      bl_reason_t *reasons, int *plugin_rc, bl_plugin_failure_t *how) {
    bl_shm_ref_t ref;
    int rc;
    if (ready_child(p, how) != 0)
        return -1;
    if (!bl_shm_find(p->staging, p->staging_size, &ref)) {
        how->cause = BL_FAILURE_HOST;
        return -1;
    }
    child_t *c = p->child;
    pthread_mutex_lock(&c->lock);
    rc = -1;
    size_t bytes = n * (sizeof(double) + sizeof(bl_reason_t));
    if (ensure_out(c, bytes) != 0) {
        how->cause = BL_FAILURE_HOST;
        goto unlock;
    }
    bl_host_request_t q;
    bl_host_reply_t r;
    int qfds[BL_HOST_FDS_MAX];
    request_init(p, BL_HOST_SCORE, &q);
    attach(c, &q, qfds, ref.region, ref.fd, ref.region_size, false);
    attach(c, &q, qfds, c->out_id, c->out_fd, c->out_size, true);
    a->first = first;
    a->n = n;
    a->want_reasons = reasons != NULL;
    a->out_region = c->out_id;
    double deadline = p->iso->opts.timeout_s + (double)n * p->iso->opts.item_timeout_s;
    if (exchange(p->iso, c, &q, a, sizeof *a, qfds, deadline, &r, NULL, 0, how) != 0)
        goto unlock;
    attached(c, &q);
    memcpy(p->hs->rng.s, r.rng, sizeof r.rng);
    *plugin_rc = r.rc;
    memcpy(scores, c->out, n * sizeof *scores);
    if (reasons != NULL)
        memcpy(reasons, c->out + n * sizeof *scores, n * sizeof *reasons);
    rc = 0;
unlock:
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void score_missing(double *scores, bl_reason_t *reasons, size_t k) {
    scores[k] = NAN;
    if (reasons != NULL)
        reasons[k] = (bl_reason_t){-1, 0.0f};
}

static int proxy_score(void *instance, const bl_records_t *records, size_t first, size_t n,
                       double *scores_out, bl_reason_t *reasons_out) {
    proxy_t *p = instance;
    bl_isolated_t *iso = p->iso;
    bl_plugin_failure_t how;
    bl_host_score_t a;
    int prc = 0;
    if (n == 0 && !p->dead)
        return BL_OK;
    if (p->dead || is_invalid(iso)) {
        p->dead = true;
        for (size_t k = 0; k < n; k++)
            score_missing(scores_out, reasons_out, k);
        skip_items(p, BL_VERB_SCORE, first, n);
        return iso->opts.strict ? BL_EPLUGIN : BL_OK;
    }
    memset(&a, 0, sizeof a);
    memset(&how, 0, sizeof how);
    if (stage_records(p, records, &a) != 0)
        return BL_ENOMEM;
    if (score_once(p, &a, first, n, scores_out, reasons_out, &prc, &how) == 0 &&
        (!plugin_error(prc) || iso->opts.strict))
        return prc;
    if (how.cause == 0) {
        how.cause = BL_FAILURE_ERROR;
        how.detail = prc;
    }
    if (iso->opts.strict || n == 1) {
        for (size_t k = 0; k < n; k++)
            score_missing(scores_out, reasons_out, k);
        fail_item(p, BL_VERB_SCORE, first, &how); /* strict: one record for the call */
        return iso->opts.strict ? BL_EPLUGIN : BL_OK;
    }
    for (size_t k = 0; k < n; k++) {
        if (p->dead || is_invalid(iso)) {
            p->dead = true;
            score_missing(scores_out, reasons_out, k);
            skip_items(p, BL_VERB_SCORE, first + k, 1);
            continue;
        }
        memset(&how, 0, sizeof how);
        if (score_once(p, &a, first + k, 1, scores_out + k,
                       reasons_out != NULL ? reasons_out + k : NULL, &prc, &how) == 0 &&
            !plugin_error(prc))
            continue;
        if (how.cause == 0) {
            how.cause = BL_FAILURE_ERROR;
            how.detail = prc;
        }
        score_missing(scores_out, reasons_out, k);
        fail_item(p, BL_VERB_SCORE, first + k, &how);
    }
    return BL_OK;
}

/* ------------------------------------------------------------------ store */

static const uint32_t store_verbs[] = {
    0,           BL_VERB_DEPOSIT, BL_VERB_MOVE,   BL_VERB_RETRIEVE, BL_VERB_DISPOSE,
    BL_VERB_GET, BL_VERB_LIST,    BL_VERB_VERIFY, BL_VERB_SYNC};

/*
 * One store verb: the plugin's code, or BL_EPLUGIN when the operation
 * failed (recorded, the child restarted at the next operation; a store
 * kept only in the child's memory starts empty again, as it would after
 * any crash).  reply/rcap receive the reply's payload; list's ids come from
 * the output region into ids (capacity a->n).
 */
static int store_call(proxy_t *p, bl_host_store_t *a, const void *items, size_t items_len,
                      void *reply_payload, size_t rcap, uint64_t *ids, size_t *n_out) {
    bl_isolated_t *iso = p->iso;
    bl_plugin_failure_t how;
    uint32_t verb = store_verbs[a->verb];
    uint64_t op = ++p->ops;
    static __thread unsigned char payload[BL_HOST_MESSAGE_MAX - sizeof(bl_host_request_t)];
    if (p->dead || is_invalid(iso)) {
        p->dead = true;
        skip_items(p, verb, op, 1);
        return BL_EPLUGIN;
    }
    memset(&how, 0, sizeof how);
    int rc = ensure_child(p, &how);
    if (rc != 0) { /* a failed create is the create's; else the operation failed */
        fail_item(p, rc == -2 ? (uint32_t)BL_VERB_CREATE : verb, rc == -2 ? 0 : op, &how);
        return BL_EPLUGIN;
    }
    child_t *c = p->child;
    pthread_mutex_lock(&c->lock);
    bl_host_request_t q;
    bl_host_reply_t r;
    int qfds[BL_HOST_FDS_MAX];
    request_init(p, BL_HOST_STORE, &q);
    if (a->verb == BL_STORE_VERB_LIST) {
        if (ensure_out(c, (size_t)a->n * sizeof(uint64_t)) != 0) {
            pthread_mutex_unlock(&c->lock);
            return BL_ENOMEM;
        }
        attach(c, &q, qfds, c->out_id, c->out_fd, c->out_size, true);
        a->out_region = c->out_id;
    }
    memcpy(payload, a, sizeof *a);
    if (items_len > 0)
        memcpy(payload + sizeof *a, items, items_len);
    double deadline =
        iso->opts.timeout_s +
        iso->opts.item_timeout_s * (a->verb == BL_STORE_VERB_DEPOSIT ? (double)a->n : 1.0);
    int ok = exchange(iso, c, &q, payload, sizeof *a + items_len, qfds, deadline, &r, reply_payload,
                      rcap, &how) == 0;
    if (ok) {
        attached(c, &q);
        memcpy(p->hs->rng.s, r.rng, sizeof r.rng);
        if (a->verb == BL_STORE_VERB_LIST) {
            *n_out = (size_t)r.count;
            size_t k = r.count < a->n ? (size_t)r.count : (size_t)a->n;
            if (k > 0)
                memcpy(ids, c->out, k * sizeof *ids);
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (!ok) {
        fail_item(p, verb, op, &how);
        return BL_EPLUGIN;
    }
    return r.rc;
}

/* The arguments of a store verb, zeroed but for the verb. */
static bl_host_store_t store_args(uint32_t verb) {
    bl_host_store_t a;
    memset(&a, 0, sizeof a);
    a.verb = verb;
    return a;
}

static void copy_text(char *dst, const char *src, uint8_t *has) {
    if (has != NULL)
        *has = src != NULL;
    snprintf(dst, BL_STORE_TEXT, "%s", src != NULL ? src : "");
}

static int proxy_deposit(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out) {
    for (size_t done = 0; done < n || (n == 0 && done == 0);) {
        size_t k = n - done < DEPOSIT_CHUNK ? n - done : DEPOSIT_CHUNK;
        bl_host_store_t a = store_args(BL_STORE_VERB_DEPOSIT);
        uint64_t ids[DEPOSIT_CHUNK];
        a.n = k;
        int rc =
            store_call(instance, &a, items + done, k * sizeof *items, ids, sizeof ids, NULL, NULL);
        if (rc != BL_OK)
            return rc;
        if (k > 0)
            memcpy(ids_out + done, ids, k * sizeof *ids);
        if (n == 0)
            break;
        done += k;
    }
    return BL_OK;
}

static int proxy_move(void *instance, uint64_t id, const char *location, const char *officer,
                      double time) {
    bl_host_store_t a = store_args(BL_STORE_VERB_MOVE);
    a.id = id;
    a.time = time;
    copy_text(a.text1, location, &a.has1);
    copy_text(a.text2, officer, &a.has2);
    return store_call(instance, &a, NULL, 0, NULL, 0, NULL, NULL);
}

static int proxy_retrieve(void *instance, uint64_t id, uint32_t purpose, const char *officer,
                          double time) {
    bl_host_store_t a = store_args(BL_STORE_VERB_RETRIEVE);
    a.id = id;
    a.purpose = purpose;
    a.time = time;
    copy_text(a.text2, officer, &a.has2);
    return store_call(instance, &a, NULL, 0, NULL, 0, NULL, NULL);
}

static int proxy_dispose(void *instance, uint64_t id, const char *officer, double time) {
    bl_host_store_t a = store_args(BL_STORE_VERB_DISPOSE);
    a.id = id;
    a.time = time;
    copy_text(a.text2, officer, &a.has2);
    return store_call(instance, &a, NULL, 0, NULL, 0, NULL, NULL);
}

static int proxy_get(void *instance, uint64_t id, bl_seizure_t *out) {
    bl_host_store_t a = store_args(BL_STORE_VERB_GET);
    a.id = id;
    return store_call(instance, &a, NULL, 0, out, sizeof *out, NULL, NULL);
}

static int proxy_list(void *instance, const char *case_id, const char *location, uint64_t *ids_out,
                      size_t capacity, size_t *n_out) {
    bl_host_store_t a = store_args(BL_STORE_VERB_LIST);
    a.n = capacity;
    copy_text(a.text1, case_id, &a.has1);
    copy_text(a.text2, location, &a.has2);
    *n_out = 0;
    return store_call(instance, &a, NULL, 0, NULL, 0, ids_out, n_out);
}

static int proxy_verify(void *instance, bl_custody_report_t *report) {
    bl_host_store_t a = store_args(BL_STORE_VERB_VERIFY);
    int rc = store_call(instance, &a, NULL, 0, report, sizeof *report, NULL, NULL);
    report->reason[sizeof report->reason - 1] = '\0';
    return rc;
}

static int proxy_sync(void *instance) {
    bl_host_store_t a = store_args(BL_STORE_VERB_SYNC);
    return store_call(instance, &a, NULL, 0, NULL, 0, NULL, NULL);
}

/* ------------------------------------------------------------------ load */

char *bl_isolated_host_program(bl_error_t *err) {
    const char *env = getenv("BORDERLAB_PLUGIN_HOST");
    if (env != NULL && env[0] != '\0')
        return strdup(env);
    char looked[1024] = "";
    char *dir = bl_datadir_program_dir();
    const char *tails[] = {"borderlab-plugin-host", "../../borderlab-plugin-host"};
    for (size_t i = 0; dir != NULL && i < sizeof tails / sizeof *tails; i++) {
        char *cand = bl_path_join(dir, tails[i]);
        if (cand != NULL && access(cand, X_OK) == 0) {
            free(dir);
            return cand;
        }
        if (cand != NULL)
            snprintf(looked + strlen(looked), sizeof looked - strlen(looked), "%s%s",
                     looked[0] ? ", " : "", cand);
        free(cand);
    }
    free(dir);
    char *installed = bl_path_join(BL_BINDIR, "borderlab-plugin-host");
    if (installed != NULL && access(installed, X_OK) == 0)
        return installed;
    bl_error_set(err, BL_ENOTFOUND,
                 "the plugin host borderlab-plugin-host is not found (looked at %s, %s): "
                 "reinstall borderlab, or set BORDERLAB_PLUGIN_HOST to its path",
                 looked, installed != NULL ? installed : BL_BINDIR);
    free(installed);
    return NULL;
}

int bl_isolated_load(bl_plugin_handle_t *h, const char *path, int expected_kind,
                     const bl_isolation_opts_t *opts, bl_error_t *err) {
    int rc;
    child_t *c = NULL;
    bl_host_loaded_t loaded;
    memset(h, 0, sizeof *h);
    bl_isolated_t *iso = calloc(1, sizeof *iso);
    if (iso == NULL)
        return bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", path);
    iso->log_fd = -1;
    pthread_mutex_init(&iso->lock, NULL);
    bl_isolation_defaults(&iso->opts);
    if (opts != NULL) { /* a zero limit is the default */
        bl_isolation_opts_t d = iso->opts;
        iso->opts = *opts;
        if (!(iso->opts.timeout_s > 0))
            iso->opts.timeout_s = d.timeout_s;
        if (!(iso->opts.item_timeout_s > 0))
            iso->opts.item_timeout_s = d.item_timeout_s;
        if (iso->opts.memory_limit == 0)
            iso->opts.memory_limit = d.memory_limit;
        if (iso->opts.max_failures == 0)
            iso->opts.max_failures = d.max_failures;
        if (iso->opts.log_limit == 0)
            iso->opts.log_limit = d.log_limit;
    }
    iso->kind = expected_kind;
    /* The child works in its scratch folder: give it an absolute path. */
    iso->path = strncmp(path, "builtin:", 8) == 0 ? strdup(path) : realpath(path, NULL);
    iso->program = bl_isolated_host_program(err);
    if (iso->path == NULL || iso->program == NULL) {
        rc = iso->path == NULL ? bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", path)
                               : BL_ENOTFOUND;
        if (iso->program == NULL)
            bl_error_prefix(err, "plugin %s", path);
        goto out;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(iso->dir, sizeof iso->dir, "%s/borderlab-plugin-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(iso->dir) == NULL) {
        rc = bl_error_set(err, BL_EIO,
                          "plugin %s: cannot make a folder for its plugin host under %s (%s): set "
                          "TMPDIR to a writable folder",
                          path, tmp != NULL ? tmp : "/tmp", strerror(errno));
        iso->dir[0] = '\0';
        goto out;
    }
    char log_path[PATH_MAX + 16];
    snprintf(log_path, sizeof log_path, "%s/plugin.log", iso->dir);
    iso->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (iso->log_fd < 0) {
        rc = bl_error_set(err, BL_EIO, "plugin %s: cannot make its log %s (%s)", path, log_path,
                          strerror(errno));
        goto out;
    }
    iso->log_fd = high_fd(iso->log_fd);
    /* The child loads the file and validates its descriptor; this process
     * only reads it to hash it. */
    rc = child_start(iso, &c, &loaded, err);
    if (rc != 0)
        goto out;
    snprintf(iso->id, sizeof iso->id, "%s", loaded.id);
    snprintf(iso->name, sizeof iso->name, "%s", loaded.name);
    snprintf(iso->vendor, sizeof iso->vendor, "%s", loaded.vendor);
    snprintf(iso->version, sizeof iso->version, "%s", loaded.version);
    snprintf(iso->stats.sandbox, sizeof iso->stats.sandbox, "%s", loaded.sandbox);
    iso->kind = (int)loaded.kind;
    if (!(iso->opts.item_timeout_s > 0)) /* a scan, a record, a store operation */
        iso->opts.item_timeout_s = iso->kind == BL_KIND_DETECTOR ? 1.0
                                   : iso->kind == BL_KIND_RISK   ? 0.002
                                                                 : 0.5;
    iso->desc.header = (bl_plugin_header_t){loaded.abi_major,
                                            loaded.abi_minor,
                                            (uint32_t)sizeof(bl_plugin_t),
                                            BL_ABI_FINGERPRINT,
                                            loaded.kind,
                                            loaded.flags,
                                            iso->id,
                                            iso->name,
                                            iso->vendor,
                                            iso->version};
    switch (loaded.kind) {
    case BL_KIND_DETECTOR:
        iso->detector =
            (bl_detector_ops_t){sizeof iso->detector, proxy_create, proxy_detect, proxy_destroy};
        iso->desc.detector = &iso->detector;
        break;
    case BL_KIND_RISK:
        iso->risk = (bl_risk_ops_t){sizeof iso->risk, proxy_create, proxy_score, proxy_destroy};
        iso->desc.risk = &iso->risk;
        break;
    default:
        iso->store = (bl_store_ops_t){sizeof iso->store, proxy_create,  proxy_deposit, proxy_move,
                                      proxy_retrieve,    proxy_dispose, proxy_get,     proxy_list,
                                      proxy_verify,      proxy_sync,    proxy_destroy};
        iso->desc.store = &iso->store;
        break;
    }
    if (iso->opts.shared_child) {
        iso->shared = c; /* conformance: keep it for the instances */
        c = NULL;
    }
    h->path = strdup(path);
    if (h->path == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", path);
        goto out;
    }
    /* A built-in plugin's code is the plugin host program's. */
    rc = bl_sha256_file(strncmp(path, "builtin:", 8) == 0 ? iso->program : path, h->sha256, err);
    if (rc != 0) {
        bl_error_prefix(err, "plugin %s", path);
        goto out;
    }
    h->desc = &iso->desc;
    h->isolated = iso;
    pthread_mutex_lock(&registry_lock);
    iso->next = registry;
    registry = iso;
    pthread_mutex_unlock(&registry_lock);
    child_free(c, iso);
    return 0;
out:
    child_free(c, iso);
    free(h->path);
    memset(h, 0, sizeof *h);
    bl_isolated_free(iso);
    return rc;
}

void bl_isolated_free(bl_isolated_t *iso) {
    if (iso == NULL)
        return;
    pthread_mutex_lock(&registry_lock);
    for (bl_isolated_t **at = &registry; *at != NULL; at = &(*at)->next)
        if (*at == iso) {
            *at = iso->next;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    child_free(iso->shared, iso);
    if (iso->log_fd >= 0)
        close(iso->log_fd);
    remove_tree(iso->dir);
    pthread_mutex_destroy(&iso->lock);
    free(iso->failures);
    free(iso->path);
    free(iso->program);
    free(iso);
}

const bl_plugin_failure_t *bl_isolated_failures(bl_isolated_t *iso, size_t *n) {
    *n = iso != NULL ? iso->n_failures : 0;
    return iso != NULL ? iso->failures : NULL;
}

uint64_t bl_isolated_instance_failures(const void *instance) {
    const proxy_t *p = instance;
    return p != NULL ? p->failures : 0;
}

void bl_isolated_set_context(bl_isolated_t *iso, const char *during) {
    if (iso == NULL)
        return;
    pthread_mutex_lock(&iso->lock);
    snprintf(iso->during, sizeof iso->during, "%s", during != NULL ? during : "");
    pthread_mutex_unlock(&iso->lock);
}

void bl_isolated_set_item_base(bl_isolated_t *iso, uint64_t base) {
    if (iso == NULL)
        return;
    pthread_mutex_lock(&iso->lock);
    iso->item_base = base;
    pthread_mutex_unlock(&iso->lock);
}

void bl_isolated_stats(bl_isolated_t *iso, bl_isolation_stats_t *out) {
    pthread_mutex_lock(&iso->lock);
    *out = iso->stats;
    pthread_mutex_unlock(&iso->lock);
}

const bl_isolation_opts_t *bl_isolated_opts(const bl_isolated_t *iso) { return &iso->opts; }

char *bl_isolated_log(bl_isolated_t *iso) {
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/plugin.log", iso->dir);
    FILE *f = fopen(path, "rb");
    size_t cap = iso->opts.log_limit;
    char *text = malloc(cap + 128);
    if (text == NULL) {
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    size_t got = f != NULL ? fread(text, 1, cap, f) : 0;
    text[got] = '\0';
    if (f != NULL) {
        struct stat st;
        if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > got)
            snprintf(text + got, 128, "\n[borderlab: log cut at %zu of %" PRIu64 " bytes]\n", got,
                     (uint64_t)st.st_size);
        fclose(f);
    }
    return text;
}
