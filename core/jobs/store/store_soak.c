/* The store_soak job's runner: see store_soak.h. */
#include "jobs/store/store_soak.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/paths.h"
#include "data/scan.h"
#include "stats/rng.h"

#define LIST_CAPACITY 64

const char *bl_soak_verb_name(int verb) {
    static const char *const names[BL_SOAK_VERBS] = {"deposit", "move", "retrieve", "dispose",
                                                     "get",     "list", "verify",   "sync"};
    return verb >= 0 && verb < BL_SOAK_VERBS ? names[verb] : "unknown";
}

void bl_store_soak_defaults(bl_store_soak_t *s) {
    static const double mix[BL_SOAK_MIX] = {4, 2, 1, 1, 4, 1, 0};
    memset(s, 0, sizeof *s);
    s->policy = BL_STORAGE_BEST_FIT;
    s->clients = 2;
    s->operations = 20000;
    memcpy(s->mix, mix, sizeof mix);
    s->sync_every = 100;
    s->misplace = 0.01;
    s->inventory_every = 5000;
}

void bl_store_soak_free_contents(bl_store_soak_t *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->store.n_config; i++) {
        free(s->store.config_keys[i]);
        free(s->store.config_values[i]);
    }
    free(s->store.config_keys);
    free(s->store.config_values);
    free(s->store.spec);
    bl_storage_layout_free_contents(&s->layout);
    memset(s, 0, sizeof *s);
}

void bl_soak_result_fini(bl_soak_result_t *res) {
    if (res == NULL)
        return;
    if (res->loaded)
        bl_plugin_unload(&res->handle);
    memset(res, 0, sizeof *res);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_until(double t) {
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* ------------------------------------------------------------------ shared state */

typedef struct shared {
    const bl_store_soak_t *cfg;
    const bl_store_ops_t *ops;
    void *inst;
    bool serialise; /* the plugin is not thread-safe */
    pthread_mutex_t store_mu, storage_mu;
    bl_storage_t storage;
    uint32_t classes[BL_THREAT_CLASS_COUNT]; /* classes some bin allows */
    size_t n_classes;
    double cum[BL_SOAK_MIX];                        /* cumulative mix, last == 1 */
    double start, deadline;                         /* wall clock */
    uint64_t issued;                                /* operations started, all clients (atomic) */
    uint64_t misplaced, discrepancies, inventories; /* under storage_mu */
    bl_histogram_t retrieve_time;                   /* under storage_mu */
    bl_progress_t *progress;
} shared_t;

typedef struct client {
    shared_t *sh;
    unsigned index;
    uint64_t quota; /* operations; 0: until the deadline */
    bl_rng_t rng;
    bl_soak_verb_t verbs[BL_SOAK_VERBS];
    uint64_t *stored, *out; /* this client's items in store / retrieved */
    size_t n_stored, cap_stored, n_out, cap_out;
    uint64_t deposits;
    char officer[BL_STORE_TEXT];
    int failed; /* a fatal error (out of memory) */
} client_t;

static void store_lock(shared_t *sh) {
    if (sh->serialise)
        pthread_mutex_lock(&sh->store_mu);
}

static void store_unlock(shared_t *sh) {
    if (sh->serialise)
        pthread_mutex_unlock(&sh->store_mu);
}

static int push(uint64_t **a, size_t *n, size_t *cap, uint64_t id) {
    if (*n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 64;
        uint64_t *p = realloc(*a, ncap * sizeof *p);
        if (p == NULL)
            return BL_ENOMEM;
        *a = p;
        *cap = ncap;
    }
    (*a)[(*n)++] = id;
    return 0;
}

/* Remove and return a random element of a[0..n-1] (n > 0). */
static uint64_t take(bl_rng_t *rng, uint64_t *a, size_t *n) {
    size_t i = (size_t)bl_rng_below(rng, *n);
    uint64_t id = a[i];
    a[i] = a[--*n];
    return id;
}

/* ------------------------------------------------------------------ verbs */

/* Each returns 0 (done), 1 (refused by the storage layout) or a store
 * error code (negative). */

static int do_deposit(client_t *c, double t) {
    shared_t *sh = c->sh;
    uint32_t threat = sh->classes[bl_rng_below(&c->rng, sh->n_classes)];
    double volume = 0.5 + 2.5 * bl_rng_uniform(&c->rng);
    size_t bin;
    bl_error_t e;
    bl_error_clear(&e);
    pthread_mutex_lock(&sh->storage_mu);
    int rc = bl_storage_allocate(&sh->storage, sh->cfg->policy, threat, volume, &bin, &e);
    pthread_mutex_unlock(&sh->storage_mu);
    if (rc != 0)
        return 1;
    bl_seizure_t item;
    memset(&item, 0, sizeof item);
    item.threat = threat;
    item.quantity = volume;
    item.value = 100 * volume;
    item.time = t;
    snprintf(item.case_id, sizeof item.case_id, "C%u-%llu", c->index,
             (unsigned long long)(c->deposits / 4));
    snprintf(item.description, sizeof item.description, "%s seizure", bl_threat_name(threat));
    snprintf(item.unit, sizeof item.unit, "kg");
    memcpy(item.officer, c->officer, sizeof item.officer);
    memcpy(item.location, sh->storage.bins[bin].name, sizeof item.location);
    uint64_t id = 0;
    store_lock(sh);
    rc = sh->ops->deposit(sh->inst, &item, 1, &id);
    store_unlock(sh);
    pthread_mutex_lock(&sh->storage_mu);
    if (rc == 0)
        rc = bl_storage_track(&sh->storage, id, bin, threat, volume);
    else
        bl_storage_unreserve(&sh->storage, bin, volume);
    pthread_mutex_unlock(&sh->storage_mu);
    if (rc == 0) {
        c->deposits++;
        if (push(&c->stored, &c->n_stored, &c->cap_stored, id) != 0)
            c->failed = BL_ENOMEM;
    }
    return rc;
}

static int do_move(client_t *c, double t) {
    shared_t *sh = c->sh;
    size_t i = (size_t)bl_rng_below(&c->rng, c->n_stored);
    uint64_t id = c->stored[i];
    size_t to, true_bin;
    uint32_t threat;
    double volume;
    bl_error_t e;
    bl_error_clear(&e);
    bool misplace = bl_rng_uniform(&c->rng) < sh->cfg->misplace;
    uint64_t r = bl_rng_next(&c->rng);
    pthread_mutex_lock(&sh->storage_mu);
    int rc = bl_storage_locate(&sh->storage, id, NULL, NULL, &threat, &volume);
    if (rc == 0)
        rc = bl_storage_allocate(&sh->storage, sh->cfg->policy, threat, volume, &to, &e);
    pthread_mutex_unlock(&sh->storage_mu);
    if (rc != 0)
        return 1;
    true_bin = to;
    if (misplace && sh->storage.n_bins > 1) /* another bin, any room: shelved by mistake */
        true_bin = (to + 1 + (size_t)(r % (sh->storage.n_bins - 1))) % sh->storage.n_bins;
    store_lock(sh);
    rc = sh->ops->move(sh->inst, id, sh->storage.bins[to].name, c->officer, t);
    store_unlock(sh);
    pthread_mutex_lock(&sh->storage_mu);
    if (rc == 0) {
        bl_storage_move(&sh->storage, id, to, true_bin);
        sh->misplaced += true_bin != to;
    } else {
        bl_storage_unreserve(&sh->storage, to, volume);
    }
    pthread_mutex_unlock(&sh->storage_mu);
    return rc;
}

static int do_retrieve(client_t *c, double t) {
    shared_t *sh = c->sh;
    uint64_t id = take(&c->rng, c->stored, &c->n_stored);
    uint32_t purpose = BL_PURPOSE_COURT + (uint32_t)bl_rng_below(&c->rng, 3);
    store_lock(sh);
    int rc = sh->ops->retrieve(sh->inst, id, purpose, c->officer, t);
    store_unlock(sh);
    pthread_mutex_lock(&sh->storage_mu);
    if (rc == 0) {
        bl_histogram_add(&sh->retrieve_time, bl_storage_retrieve_time(&sh->storage, id));
        bl_storage_remove(&sh->storage, id);
    }
    pthread_mutex_unlock(&sh->storage_mu);
    if (push(rc == 0 ? &c->out : &c->stored, rc == 0 ? &c->n_out : &c->n_stored,
             rc == 0 ? &c->cap_out : &c->cap_stored, id) != 0)
        c->failed = BL_ENOMEM;
    return rc;
}

static int do_dispose(client_t *c, double t) {
    shared_t *sh = c->sh;
    /* Retrieved items first (lab or court done with them), else from store. */
    bool from_out = c->n_out > 0;
    uint64_t id =
        from_out ? take(&c->rng, c->out, &c->n_out) : take(&c->rng, c->stored, &c->n_stored);
    store_lock(sh);
    int rc = sh->ops->dispose(sh->inst, id, c->officer, t);
    store_unlock(sh);
    if (rc == 0 && !from_out) {
        pthread_mutex_lock(&sh->storage_mu);
        bl_storage_remove(&sh->storage, id);
        pthread_mutex_unlock(&sh->storage_mu);
    }
    return rc;
}

static int do_get(client_t *c) {
    shared_t *sh = c->sh;
    /* Any id this client was given (ids are the store's; we pick a known one). */
    uint64_t id = c->n_stored > 0 ? c->stored[bl_rng_below(&c->rng, c->n_stored)]
                                  : c->out[bl_rng_below(&c->rng, c->n_out)];
    bl_seizure_t out;
    store_lock(sh);
    int rc = sh->ops->get(sh->inst, id, &out);
    store_unlock(sh);
    return rc;
}

static int do_list(client_t *c) {
    shared_t *sh = c->sh;
    uint64_t ids[LIST_CAPACITY];
    size_t n = 0;
    char case_id[BL_STORE_TEXT];
    const char *location = NULL, *cid = NULL;
    if (bl_rng_uniform(&c->rng) < 0.5 && c->deposits > 0) {
        snprintf(case_id, sizeof case_id, "C%u-%llu", c->index,
                 (unsigned long long)(bl_rng_below(&c->rng, c->deposits) / 4));
        cid = case_id;
    } else {
        location = sh->storage.bins[bl_rng_below(&c->rng, sh->storage.n_bins)].name;
    }
    store_lock(sh);
    int rc = sh->ops->list(sh->inst, cid, location, ids, LIST_CAPACITY, &n);
    store_unlock(sh);
    return rc;
}

static int do_verify(client_t *c) {
    shared_t *sh = c->sh;
    bl_custody_report_t rep;
    store_lock(sh);
    int rc = sh->ops->verify(sh->inst, &rep);
    store_unlock(sh);
    return rc;
}

static int do_sync(client_t *c) {
    store_lock(c->sh);
    int rc = c->sh->ops->sync(c->sh->inst);
    store_unlock(c->sh);
    return rc;
}

/* The verb to run for a draw from the mix, given what the client holds. */
static int pick(client_t *c) {
    double u = bl_rng_uniform(&c->rng);
    int v = 0;
    while (v < BL_SOAK_MIX - 1 && u >= c->sh->cum[v])
        v++;
    bool any = c->n_stored + c->n_out > 0;
    if ((v == BL_SOAK_MOVE || v == BL_SOAK_RETRIEVE) && c->n_stored == 0)
        return BL_SOAK_DEPOSIT;
    if ((v == BL_SOAK_DISPOSE || v == BL_SOAK_GET) && !any)
        return BL_SOAK_DEPOSIT;
    return v;
}

static void inventory(shared_t *sh) {
    size_t found = 0;
    pthread_mutex_lock(&sh->storage_mu);
    bl_storage_inventory(&sh->storage, true, NULL, 0, &found);
    sh->discrepancies += found;
    sh->inventories++;
    pthread_mutex_unlock(&sh->storage_mu);
}

static void record(client_t *c, int verb, int rc, double due) {
    bl_soak_verb_t *v = &c->verbs[verb];
    if (rc == 1) {
        v->refused++;
        return;
    }
    v->ops++;
    if (rc != 0)
        v->errors++;
    bl_histogram_add(&v->latency, now_seconds() - due);
}

static void *client_main(void *arg) {
    client_t *c = arg;
    shared_t *sh = c->sh;
    const bl_store_soak_t *cfg = sh->cfg;
    double share = cfg->rate > 0 ? cfg->rate / cfg->clients : 0;
    for (uint64_t k = 0; c->quota == 0 || k < c->quota; k++) {
        double due = share > 0 ? sh->start + (double)k / share : now_seconds();
        if (c->quota == 0 && due >= sh->deadline)
            break;
        if (share > 0)
            sleep_until(due);
        if (c->quota == 0 && now_seconds() >= sh->deadline)
            break;
        if (share == 0)
            due = now_seconds();
        double t = (double)k; /* simulated seconds: one operation per second per client */
        int verb = pick(c), rc = 0;
        switch (verb) {
        case BL_SOAK_DEPOSIT:
            rc = do_deposit(c, t);
            break;
        case BL_SOAK_MOVE:
            rc = do_move(c, t);
            break;
        case BL_SOAK_RETRIEVE:
            rc = do_retrieve(c, t);
            break;
        case BL_SOAK_DISPOSE:
            rc = do_dispose(c, t);
            break;
        case BL_SOAK_GET:
            rc = do_get(c);
            break;
        case BL_SOAK_LIST:
            rc = do_list(c);
            break;
        default:
            rc = do_verify(c);
            break;
        }
        record(c, verb, rc, due);
        if (c->failed != 0)
            break;
        if (cfg->sync_every > 0 && (k + 1) % cfg->sync_every == 0) {
            double s0 = now_seconds();
            record(c, BL_SOAK_SYNC, do_sync(c), s0);
        }
        uint64_t n = __atomic_add_fetch(&sh->issued, 1, __ATOMIC_RELAXED);
        if (sh->progress != NULL) {
            __atomic_fetch_add(&sh->progress->sim_ms_done, 1, __ATOMIC_RELAXED);
            __atomic_fetch_add(&sh->progress->events, 1, __ATOMIC_RELAXED);
        }
        if (cfg->inventory_every > 0 && n % cfg->inventory_every == 0)
            inventory(sh);
    }
    return NULL;
}

/* ------------------------------------------------------------------ run */

static int load_store(const bl_scenario_t *sc, bl_soak_result_t *res, bl_error_t *err) {
    const bl_plugin_ref_t *ref = &bl_store_soak_of(sc)->store;
    char *base = bl_path_dir(sc->path ? sc->path : ".");
    char *path = bl_plugin_resolve(ref->spec ? ref->spec : "", BL_KIND_STORE, base, err);
    free(base);
    int rc = path == NULL ? (err->code != 0 ? err->code : BL_ENOTFOUND)
                          : bl_plugin_open(&res->handle, ref->spec, path, BL_KIND_STORE,
                                           ref->isolation, &ref->limits, err);
    free(path);
    if (rc != 0) {
        bl_error_prefix(err, "scenario %s, store", sc->path ? sc->path : "?");
        return rc;
    }
    res->loaded = true;
    bl_isolated_set_context(res->handle.isolated, "soak");
    return 0;
}

int bl_store_soak_run(const bl_scenario_t *sc, unsigned threads, bl_progress_t *progress,
                      bl_soak_result_t *res, bl_error_t *err) {
    (void)threads; /* the job's own clients= decides its threads */
    const bl_store_soak_t *cfg = bl_store_soak_of(sc);
    res->scenario = sc;
    if (cfg == NULL || cfg->clients == 0)
        return bl_error_set(err, BL_EINVAL, "%s: a store_soak without its settings",
                            sc->path ? sc->path : "scenario");
    int rc = load_store(sc, res, err);
    if (rc != 0)
        return rc;

    shared_t *sh = calloc(1, sizeof *sh);
    client_t *cl = calloc(cfg->clients, sizeof *cl);
    pthread_t *tid = calloc(cfg->clients, sizeof *tid);
    bl_host_services_t hs;
    bool made = false, mutexes = false;
    unsigned started = 0;
    if (sh == NULL || cl == NULL || tid == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "out of memory");
        goto out;
    }
    sh->cfg = cfg;
    sh->ops = res->handle.desc->store;
    /* A plugin host process serves one call at a time whatever the flag says. */
    sh->serialise =
        (res->handle.desc->header.flags & BL_FLAG_THREAD_SAFE) == 0 || res->handle.isolated != NULL;
    sh->progress = progress;
    bl_histogram_init(&sh->retrieve_time);
    pthread_mutex_init(&sh->store_mu, NULL);
    pthread_mutex_init(&sh->storage_mu, NULL);
    mutexes = true;
    rc = bl_storage_init(&sh->storage, &cfg->layout, err);
    if (rc != 0)
        goto out;
    uint32_t all = 0;
    for (size_t i = 0; i < sh->storage.n_bins; i++)
        all |= sh->storage.bins[i].classes;
    for (uint32_t k = 1; k < BL_THREAT_CLASS_COUNT; k++)
        if (all & (1u << k))
            sh->classes[sh->n_classes++] = k;
    double sum = 0, acc = 0;
    for (int v = 0; v < BL_SOAK_MIX; v++)
        sum += cfg->mix[v];
    if (!(sum > 0)) {
        rc = bl_error_set(err, BL_EINVAL, "%s: store_soak mix: the weights sum to 0",
                          sc->path ? sc->path : "scenario");
        goto out;
    }
    for (int v = 0; v < BL_SOAK_MIX; v++)
        sh->cum[v] = (acc += cfg->mix[v]) / sum;
    sh->cum[BL_SOAK_MIX - 1] = 1;

    bl_host_services_init(&hs, sc->seed, 0, (uint64_t)BL_STREAM_PLUGIN_BASE + BL_ROLE_STORE, NULL,
                          res->handle.desc->header.id);
    bl_config_t config = {cfg->store.n_config, (const char *const *)cfg->store.config_keys,
                          (const char *const *)cfg->store.config_values};
    int prc = sh->ops->create(&config, &hs.host, &sh->inst);
    if (prc != 0) {
        rc = bl_error_set(err, BL_EPLUGIN,
                          "store %s (%s): create returned %d (%s): check its configuration in "
                          "the scenario",
                          res->handle.desc->header.id, res->handle.path, prc, bl_error_name(prc));
        goto out;
    }
    made = true;

    for (unsigned i = 0; i < cfg->clients; i++) {
        client_t *c = &cl[i];
        c->sh = sh;
        c->index = i;
        c->quota = cfg->operations > 0 ? cfg->operations / cfg->clients +
                                             (i < cfg->operations % cfg->clients ? 1 : 0)
                                       : 0;
        bl_rng_init(&c->rng, sc->seed, i, BL_STREAM_SOAK_CLIENT);
        snprintf(c->officer, sizeof c->officer, "officer-%u", i + 1);
        for (int v = 0; v < BL_SOAK_VERBS; v++)
            bl_histogram_init(&c->verbs[v].latency);
    }
    sh->start = now_seconds();
    sh->deadline = sh->start + (cfg->operations > 0 ? INFINITY : cfg->duration);
    /* With more clients than operations, the idle ones are not started. */
    for (unsigned i = 0; i < cfg->clients; i++) {
        if (cfg->operations > 0 && cl[i].quota == 0)
            break;
        if (pthread_create(&tid[i], NULL, client_main, &cl[i]) != 0) {
            rc = bl_error_set(err, BL_ENOMEM, "store_soak: cannot start client thread %u", i + 1);
            break;
        }
        started = i + 1;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    res->seconds = now_seconds() - sh->start;
    if (rc != 0)
        goto out;
    for (unsigned i = 0; i < cfg->clients; i++)
        if (cl[i].failed != 0) {
            rc = bl_error_set(err, cl[i].failed, "store_soak: client %u: out of memory", i + 1);
            goto out;
        }

    inventory(sh); /* the final scan */
    res->verify_rc = sh->ops->verify(sh->inst, &res->report);
    for (int v = 0; v < BL_SOAK_VERBS; v++) {
        bl_histogram_init(&res->verbs[v].latency);
        for (unsigned i = 0; i < cfg->clients; i++) {
            res->verbs[v].ops += cl[i].verbs[v].ops;
            res->verbs[v].errors += cl[i].verbs[v].errors;
            res->verbs[v].refused += cl[i].verbs[v].refused;
            bl_histogram_merge(&res->verbs[v].latency, &cl[i].verbs[v].latency);
        }
    }
    res->operations = sh->issued;
    res->utilisation = bl_storage_utilisation(&sh->storage);
    for (size_t i = 0; i < sh->storage.n_bins; i++)
        res->items += sh->storage.bins[i].items;
    res->misplaced = sh->misplaced;
    res->discrepancies = sh->discrepancies;
    res->inventories = sh->inventories;
    res->retrieve_time = sh->retrieve_time;

out:
    if (made)
        sh->ops->destroy(sh->inst);
    if (sh != NULL) {
        bl_storage_fini(&sh->storage);
        if (mutexes) {
            pthread_mutex_destroy(&sh->store_mu);
            pthread_mutex_destroy(&sh->storage_mu);
        }
    }
    if (cl != NULL)
        for (unsigned i = 0; i < cfg->clients; i++) {
            free(cl[i].stored);
            free(cl[i].out);
        }
    free(cl);
    free(tid);
    free(sh);
    return rc;
}
