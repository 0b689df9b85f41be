/*
 * borderlab-plugin-host: the process one isolated plugin runs in
 * (plugin/isolated.h is the parent's side; host_protocol.h the messages).
 *
 *   borderlab-plugin-host --parent PID --scratch DIR [--memory BYTES] [--cpus LIST]
 *                         [--writable DIR:DIR...]
 *
 * borderlab starts it with its control socket on descriptor 3, its stdout
 * and stderr on the plugin's log file and stdin on /dev/null.  Before it
 * reads the first request (so before the vendor's library is opened and
 * its constructors run) it dies with its parent, points TMPDIR and HOME at
 * its scratch folder (it keeps borderlab's working folder, so relative paths
 * in a plugin's configuration mean what they mean to borderlab) and enters
 * the sandbox (plugin/sandbox.h).  Then it serves
 * requests until the socket closes: LOAD (the same loader checks as
 * in-process), CREATE, the kind's verbs, DESTROY.  It never exits with a
 * status that could be mistaken for the plugin's own: when the plugin
 * calls exit() the parent sees that exit as a failure of the call it was in.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "plugin/host_protocol.h"
#include "plugin/loader.h"
#include "plugin/sandbox.h"

#define MAX_INSTANCES 16
#define MAX_REGIONS 256

typedef struct mapped {
    uint64_t id;
    unsigned char *base;
    size_t size;
    int writable;
} mapped_t;

typedef struct host {
    int sock;
    bl_plugin_handle_t plugin;
    int loaded;
    double clock;
    void *inst[MAX_INSTANCES];
    bl_host_services_t hs[MAX_INSTANCES];
    mapped_t regions[MAX_REGIONS];
    size_t n_regions;
    char sandbox[256];
} host_t;

static unsigned char request_buf[BL_HOST_MESSAGE_MAX];

static uint64_t max_rss_kb(void) {
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss : 0;
}

static int reply(host_t *h, int rc, uint64_t count, const bl_rng_t *rng, const void *payload,
                 size_t len) {
    bl_host_reply_t r;
    memset(&r, 0, sizeof r);
    r.rc = rc;
    r.count = count;
    r.payload = (uint32_t)len;
    if (rng != NULL)
        memcpy(r.rng, rng->s, sizeof r.rng);
    r.max_rss_kb = max_rss_kb();
    return bl_host_send(h->sock, &r, sizeof r, payload, len, NULL, 0);
}

/* Map the regions attached to a request (fds in order), once per id. */
static int map_regions(host_t *h, const bl_host_request_t *q, const int *fds, size_t n_fds) {
    int rc = 0;
    for (size_t i = 0; i < q->n_regions && i < n_fds; i++) {
        const bl_host_region_t *g = &q->regions[i];
        int known = 0;
        for (size_t k = 0; k < h->n_regions; k++)
            known |= h->regions[k].id == g->id;
        if (!known && h->n_regions < MAX_REGIONS) {
            int prot = PROT_READ | (g->writable ? PROT_WRITE : 0);
            void *base = mmap(NULL, (size_t)g->size, prot, MAP_SHARED, fds[i], 0);
            if (base == MAP_FAILED) {
                rc = BL_ENOMEM;
            } else {
                mapped_t *m = &h->regions[h->n_regions++];
                m->id = g->id;
                m->base = base;
                m->size = (size_t)g->size;
                m->writable = g->writable;
            }
        } else if (!known) {
            rc = BL_ENOMEM;
        }
    }
    for (size_t i = 0; i < n_fds; i++)
        close(fds[i]);
    return rc;
}

/* The address of (region, offset) for len bytes, or NULL. */
static void *at(host_t *h, uint64_t region, uint64_t offset, uint64_t len) {
    for (size_t k = 0; k < h->n_regions; k++) {
        mapped_t *m = &h->regions[k];
        if (m->id == region)
            return offset <= m->size && len <= m->size - offset ? m->base + offset : NULL;
    }
    return NULL;
}

static void op_load(host_t *h, const unsigned char *p, size_t len) {
    bl_host_loaded_t out;
    bl_error_t err;
    uint32_t kind = 0;
    memset(&out, 0, sizeof out);
    bl_error_clear(&err);
    snprintf(out.sandbox, sizeof out.sandbox, "%s", h->sandbox);
    if (len <= sizeof kind || p[len - 1] != '\0' || h->loaded) {
        snprintf(out.text, sizeof out.text, "plugin host: malformed load request");
        reply(h, BL_EINVAL, 0, NULL, &out, sizeof out);
        return;
    }
    memcpy(&kind, p, sizeof kind);
    int rc = bl_plugin_load(&h->plugin, (const char *)p + sizeof kind, (int)kind, &err);
    if (rc == 0) {
        const bl_plugin_header_t *d = &h->plugin.desc->header;
        h->loaded = 1;
        out.kind = d->kind;
        out.flags = d->flags;
        out.abi_major = d->abi_major;
        out.abi_minor = d->abi_minor;
        snprintf(out.id, sizeof out.id, "%s", d->id);
        snprintf(out.name, sizeof out.name, "%s", d->name);
        snprintf(out.vendor, sizeof out.vendor, "%s", d->vendor);
        snprintf(out.version, sizeof out.version, "%s", d->version);
    } else {
        snprintf(out.text, sizeof out.text, "%s", err.message);
    }
    reply(h, rc, 0, NULL, &out, sizeof out);
}

static void op_create(host_t *h, const bl_host_request_t *q, const unsigned char *p, size_t len) {
    uint32_t n = 0, i = q->instance;
    const char *keys[64], *values[64];
    if (!h->loaded || i >= MAX_INSTANCES || h->inst[i] != NULL || len < sizeof n) {
        reply(h, BL_ESTATE, 0, NULL, NULL, 0);
        return;
    }
    memcpy(&n, p, sizeof n);
    const char *s = (const char *)p + sizeof n, *end = (const char *)p + len;
    if (n > 64) {
        reply(h, BL_EINVAL, 0, NULL, NULL, 0);
        return;
    }
    for (uint32_t k = 0; k < n; k++) {
        const char *v = memchr(s, '\0', (size_t)(end - s));
        const char *e = v != NULL ? memchr(v + 1, '\0', (size_t)(end - v - 1)) : NULL;
        if (e == NULL) {
            reply(h, BL_EINVAL, 0, NULL, NULL, 0);
            return;
        }
        keys[k] = s;
        values[k] = v + 1;
        s = e + 1;
    }
    bl_config_t config = {n, keys, values};
    bl_host_services_init(&h->hs[i], 0, 0, 0, &h->clock, h->plugin.desc->header.id);
    memcpy(h->hs[i].rng.s, q->rng, sizeof q->rng);
    h->clock = q->clock;
    const bl_plugin_t *d = h->plugin.desc;
    void *inst = NULL;
    int rc = d->detector != NULL ? d->detector->create(&config, &h->hs[i].host, &inst)
             : d->risk != NULL   ? d->risk->create(&config, &h->hs[i].host, &inst)
                                 : d->store->create(&config, &h->hs[i].host, &inst);
    if (rc == 0)
        h->inst[i] = inst;
    reply(h, rc, 0, &h->hs[i].rng, NULL, 0);
}

static void op_destroy(host_t *h, const bl_host_request_t *q) {
    uint32_t i = q->instance;
    const bl_plugin_t *d = h->plugin.desc;
    if (i < MAX_INSTANCES && h->inst[i] != NULL) {
        if (d->detector != NULL)
            d->detector->destroy(h->inst[i]);
        else if (d->risk != NULL)
            d->risk->destroy(h->inst[i]);
        else
            d->store->destroy(h->inst[i]);
        h->inst[i] = NULL;
    }
    reply(h, 0, 0, NULL, NULL, 0);
}

static void op_detect(host_t *h, const bl_host_request_t *q, const unsigned char *p, size_t len) {
    static bl_scan_t scans[BL_HOST_MESSAGE_MAX / sizeof(bl_host_scan_t)];
    bl_host_detect_t a;
    uint32_t i = q->instance;
    if (len < sizeof a || h->plugin.desc->detector == NULL || i >= MAX_INSTANCES ||
        h->inst[i] == NULL) {
        reply(h, BL_ESTATE, 0, NULL, NULL, 0);
        return;
    }
    memcpy(&a, p, sizeof a);
    const bl_host_scan_t *hs = (const bl_host_scan_t *)(p + sizeof a);
    bl_detection_t *items = at(h, a.out_region, 0, a.capacity * sizeof(bl_detection_t));
    if (a.n > (len - sizeof a) / sizeof *hs || (items == NULL && a.capacity > 0)) {
        reply(h, BL_EINVAL, 0, NULL, NULL, 0);
        return;
    }
    for (uint32_t k = 0; k < a.n; k++) {
        bl_host_scan_t s;
        memcpy(&s, &hs[k], sizeof s);
        uint64_t plane = (uint64_t)s.width * s.height * (s.depth ? s.depth : 1) * sizeof(float);
        scans[k] = (bl_scan_t){sizeof(bl_scan_t), s.width, s.height, s.depth, s.energies, 0,
                               s.pixel_mm,        s.id,    NULL,     NULL};
        scans[k].high = at(h, s.high.region, s.high.offset, plane);
        if (s.low.region != 0)
            scans[k].low = at(h, s.low.region, s.low.offset, plane);
        if (scans[k].high == NULL || (s.low.region != 0 && scans[k].low == NULL)) {
            reply(h, BL_EINVAL, 0, NULL, NULL, 0);
            return;
        }
    }
    memcpy(h->hs[i].rng.s, q->rng, sizeof q->rng);
    h->clock = q->clock;
    bl_detections_t out = {items, (size_t)a.capacity, 0};
    int rc = h->plugin.desc->detector->detect(h->inst[i], scans, a.n, &out);
    reply(h, rc, (uint64_t)out.count, &h->hs[i].rng, NULL, 0);
}

static void op_score(host_t *h, const bl_host_request_t *q, const unsigned char *p, size_t len) {
    static bl_column_t columns[1024];
    static const char **labels; /* every column's category labels, grown as dictionaries grow */
    static size_t cap_labels;
    bl_host_score_t a;
    uint32_t i = q->instance;
    if (len < sizeof a || h->plugin.desc->risk == NULL || i >= MAX_INSTANCES ||
        h->inst[i] == NULL) {
        reply(h, BL_ESTATE, 0, NULL, NULL, 0);
        return;
    }
    memcpy(&a, p, sizeof a);
    const bl_host_column_t *cols =
        at(h, a.batch_region, a.columns, (uint64_t)a.n_columns * sizeof(bl_host_column_t));
    size_t used_labels = 0, need_labels = 0;
    int ok =
        cols != NULL && a.n_columns <= 1024 && a.first <= a.n_rows && a.n <= a.n_rows - a.first;
    for (uint32_t c = 0; ok && c < a.n_columns; c++)
        need_labels += cols[c].n_categories;
    if (ok && need_labels > cap_labels) {
        const char **grown = realloc(labels, need_labels * sizeof *grown);
        ok = grown != NULL;
        if (ok) {
            labels = grown;
            cap_labels = need_labels;
        }
    }
    for (uint32_t c = 0; ok && c < a.n_columns; c++) {
        const bl_host_column_t *hc = &cols[c];
        bl_column_t *col = &columns[c];
        memset(col, 0, sizeof *col);
        col->name = at(h, a.batch_region, hc->name, 1);
        col->type = hc->type;
        col->n_categories = hc->n_categories;
        if (hc->type == BL_COLUMN_NUMERIC)
            col->numeric = at(h, a.batch_region, hc->values, a.n_rows * sizeof(double));
        else
            col->codes = at(h, a.batch_region, hc->values, a.n_rows * sizeof(int32_t));
        ok = col->name != NULL && (col->numeric != NULL || col->codes != NULL || a.n_rows == 0);
        if (ok && hc->n_categories > 0) {
            const uint64_t *offs = at(h, a.batch_region, hc->categories,
                                      (uint64_t)hc->n_categories * sizeof(uint64_t));
            ok = offs != NULL && used_labels + hc->n_categories <= cap_labels;
            for (uint32_t k = 0; ok && k < hc->n_categories; k++)
                ok = (labels[used_labels + k] = at(h, a.batch_region, offs[k], 1)) != NULL;
            col->categories = ok ? &labels[used_labels] : NULL;
            used_labels += ok ? hc->n_categories : 0;
        }
    }
    double *scores =
        ok ? at(h, a.out_region, 0, a.n * (sizeof(double) + sizeof(bl_reason_t))) : NULL;
    if (scores == NULL && a.n > 0) {
        reply(h, BL_EINVAL, 0, NULL, NULL, 0);
        return;
    }
    bl_records_t rec = {sizeof rec, a.n_columns, (size_t)a.n_rows, columns};
    bl_reason_t *reasons = a.want_reasons ? (bl_reason_t *)(scores + a.n) : NULL;
    memcpy(h->hs[i].rng.s, q->rng, sizeof q->rng);
    h->clock = q->clock;
    int rc = h->plugin.desc->risk->score(h->inst[i], &rec, (size_t)a.first, (size_t)a.n, scores,
                                         reasons);
    reply(h, rc, 0, &h->hs[i].rng, NULL, 0);
}

static void op_store(host_t *h, const bl_host_request_t *q, const unsigned char *p, size_t len) {
    bl_host_store_t a;
    uint32_t i = q->instance;
    const bl_store_ops_t *o = h->plugin.desc->store;
    if (len < sizeof a || o == NULL || i >= MAX_INSTANCES || h->inst[i] == NULL) {
        reply(h, BL_ESTATE, 0, NULL, NULL, 0);
        return;
    }
    memcpy(&a, p, sizeof a);
    a.text1[BL_STORE_TEXT - 1] = a.text2[BL_STORE_TEXT - 1] = '\0';
    void *inst = h->inst[i];
    memcpy(h->hs[i].rng.s, q->rng, sizeof q->rng);
    h->clock = q->clock;
    int rc = BL_EINVAL;
    uint64_t count = 0;
    union {
        bl_seizure_t item;
        bl_custody_report_t report;
        uint64_t ids[BL_HOST_MESSAGE_MAX / 2 / sizeof(uint64_t)];
    } out;
    size_t out_len = 0;
    memset(&out, 0, sizeof out.item);
    switch (a.verb) {
    case BL_STORE_VERB_DEPOSIT:
        if (a.n <= (len - sizeof a) / sizeof(bl_seizure_t) && a.n <= sizeof out.ids / 8) {
            bl_seizure_t *items = malloc((a.n ? a.n : 1) * sizeof *items);
            if (items != NULL) {
                memcpy(items, p + sizeof a, a.n * sizeof *items);
                rc = o->deposit(inst, items, (size_t)a.n, out.ids);
                out_len = a.n * sizeof(uint64_t);
                free(items);
            }
        }
        break;
    case BL_STORE_VERB_MOVE:
        rc = o->move(inst, a.id, a.text1, a.text2, a.time);
        break;
    case BL_STORE_VERB_RETRIEVE:
        rc = o->retrieve(inst, a.id, a.purpose, a.text2, a.time);
        break;
    case BL_STORE_VERB_DISPOSE:
        rc = o->dispose(inst, a.id, a.text2, a.time);
        break;
    case BL_STORE_VERB_GET:
        rc = o->get(inst, a.id, &out.item);
        out_len = sizeof out.item;
        break;
    case BL_STORE_VERB_LIST: {
        uint64_t *ids = at(h, a.out_region, 0, a.n * sizeof(uint64_t));
        size_t n_out = 0;
        if (ids != NULL || a.n == 0)
            rc = o->list(inst, a.has1 ? a.text1 : NULL, a.has2 ? a.text2 : NULL, ids, (size_t)a.n,
                         &n_out);
        count = n_out;
        break;
    }
    case BL_STORE_VERB_VERIFY:
        rc = o->verify(inst, &out.report);
        out_len = sizeof out.report;
        break;
    case BL_STORE_VERB_SYNC:
        rc = o->sync(inst);
        break;
    default:
        break;
    }
    reply(h, rc, count, &h->hs[i].rng, &out, out_len);
}

/* --cpus "0,2-3": pin to those CPUs. */
static int pin_cpus(const char *list) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (const char *s = list; *s != '\0';) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || a < 0 || a >= CPU_SETSIZE)
            return -1;
        if (*end == '-') {
            s = end + 1;
            b = strtol(s, &end, 10);
            if (end == s || b < a || b >= CPU_SETSIZE)
                return -1;
        }
        for (long c = a; c <= b; c++)
            CPU_SET((int)c, &set);
        s = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0')
            return -1;
    }
    return sched_setaffinity(0, sizeof set, &set);
}

#ifdef BL_SANITIZED
/* LeakSanitizer's check at exit needs what the sandbox refuses (ptrace, a
 * new process), and a plugin host's leaks end with it anyway; a vendor's
 * crash must end the process by its signal, as in a normal build, for the
 * parent to record it as one. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:"
           "handle_sigill=0";
}
#endif

int main(int argc, char **argv) {
    static host_t h;
    const char *scratch = NULL, *cpus = NULL;
    long parent = 0;
    bl_sandbox_opts_t opts;
    memset(&opts, 0, sizeof opts);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--parent") == 0)
            parent = strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--scratch") == 0)
            scratch = argv[i + 1];
        else if (strcmp(argv[i], "--memory") == 0)
            opts.memory_limit = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--cpus") == 0)
            cpus = argv[i + 1];
        else if (strcmp(argv[i], "--writable") == 0)
            opts.writable = argv[i + 1];
    }
    if (scratch == NULL || parent <= 0) {
        fprintf(stderr, "borderlab-plugin-host: started by hand? borderlab starts it for an "
                        "isolated plugin (usage: --parent PID --scratch DIR [--memory BYTES] "
                        "[--cpus LIST])\n");
        return 2;
    }
    /* Die with the parent, and do not outlive one that is already gone. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t)parent)
        return 2;
    setenv("TMPDIR", scratch, 1);
    setenv("HOME", scratch, 1);
    if (cpus != NULL && pin_cpus(cpus) != 0)
        fprintf(stderr, "borderlab-plugin-host: cannot pin to CPUs %s\n", cpus);
    opts.scratch_dir = scratch;
    /* The tests' way to see the sandbox as on a kernel without Landlock. */
    const char *no_landlock = getenv("BORDERLAB_SANDBOX_NO_LANDLOCK");
    opts.no_landlock = no_landlock != NULL && strcmp(no_landlock, "1") == 0;
#ifdef BL_SANITIZED
    opts.memory_limit = 0; /* AddressSanitizer reserves terabytes of address space */
#endif
    bl_sandbox_report_t report;
    bl_error_t err;
    bl_error_clear(&err);
    memset(&report, 0, sizeof report);
    if (bl_sandbox_enter(&opts, &report, &err) != 0) {
        fprintf(stderr, "borderlab-plugin-host: %s\n", err.message);
        return 2;
    }
    snprintf(h.sandbox, sizeof h.sandbox, "%s", report.summary);
    h.sock = BL_HOST_CONTROL_FD;
    for (;;) {
        int fds[BL_HOST_FDS_MAX];
        size_t n_fds = 0;
        bl_host_spin(h.sock, BL_HOST_SPIN_SECONDS); /* the next call often follows at once */
        long got = bl_host_recv(h.sock, request_buf, sizeof request_buf, fds, &n_fds);
        if (got <= 0)
            break; /* the parent closed the socket: done */
        bl_host_request_t q;
        if ((size_t)got < sizeof q) {
            reply(&h, BL_EINVAL, 0, NULL, NULL, 0);
            continue;
        }
        memcpy(&q, request_buf, sizeof q);
        const unsigned char *p = request_buf + sizeof q;
        size_t len = (size_t)got - sizeof q;
        if (q.n_regions > BL_HOST_FDS_MAX || map_regions(&h, &q, fds, n_fds) != 0) {
            reply(&h, BL_ENOMEM, 0, NULL, NULL, 0);
            continue;
        }
        switch (q.op) {
        case BL_HOST_LOAD:
            op_load(&h, p, len);
            break;
        case BL_HOST_CREATE:
            op_create(&h, &q, p, len);
            break;
        case BL_HOST_DESTROY:
            op_destroy(&h, &q);
            break;
        case BL_HOST_DETECT:
            op_detect(&h, &q, p, len);
            break;
        case BL_HOST_SCORE:
            op_score(&h, &q, p, len);
            break;
        case BL_HOST_STORE:
            op_store(&h, &q, p, len);
            break;
        case BL_HOST_MAP:
            reply(&h, 0, 0, NULL, NULL, 0);
            break;
        default:
            reply(&h, BL_EINVAL, 0, NULL, NULL, 0);
            break;
        }
        fflush(stdout);
    }
    /* Leave without running the plugin's destructors or atexit handlers:
     * the parent has what it needs. */
    fflush(NULL);
    _exit(0);
}
