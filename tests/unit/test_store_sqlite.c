/*
 * The seizure stores through the real loader: conformance of store/memory
 * and store/sqlite, the same custody chain from both for the same
 * operations, reopening a database, tampering with the file (verify names
 * the first bad entry) and SIGKILL at random moments (every deposit
 * acknowledged after sync survives, verify passes).  Plugins are found
 * under $top_builddir; databases go under $top_builddir/tests/out.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "plugin/loader.h"
#include "test_util.h"

#define MEMORY_SO "plugins/store/memory/.libs/memory.so"
#define SQLITE_SO "plugins/store/sqlite/.libs/sqlite.so"

/* A loaded store plugin and one instance of it. */
typedef struct store {
    bl_plugin_handle_t handle;
    bl_host_services_t hs;
    const bl_store_ops_t *ops;
    void *inst;
} store_t;

static double clock_now;

/* Load so (relative to the build tree); create an instance with the
 * database path (NULL: no configuration) and group_commit (NULL: default).
 * Returns create()'s code; the plugin stays loaded (store_close it). */
static int store_open(store_t *s, const char *so, const char *db, const char *group_commit) {
    char path[4096];
    const char *keys[2] = {"path", "group_commit"}, *values[2] = {db, group_commit};
    memset(s, 0, sizeof *s);
    tu_load_plugin(&s->handle, tu_builddir_path(path, sizeof path, so), BL_KIND_STORE);
    s->ops = s->handle.desc->store;
    bl_host_services_init(&s->hs, 1, 0, 0, &clock_now, s->handle.desc->header.id);
    s->hs.log_level = -1; /* refusals are expected here */
    bl_config_t config = {db == NULL ? 0 : group_commit == NULL ? 1 : 2, keys, values};
    return s->ops->create(&config, &s->hs.host, &s->inst);
}

/* The last message a store logged (store_open_config installs the catcher). */
static char last_log[256];

static void catch_log(void *ctx, int level, const char *message) {
    (void)ctx;
    (void)level;
    snprintf(last_log, sizeof last_log, "%s", message);
}

/* Like store_open with any n keys/values (borrowed); logs go to last_log. */
static int store_open_config(store_t *s, const char *so, size_t n, const char *const *keys,
                             const char *const *values) {
    char path[4096];
    memset(s, 0, sizeof *s);
    tu_load_plugin(&s->handle, tu_builddir_path(path, sizeof path, so), BL_KIND_STORE);
    s->ops = s->handle.desc->store;
    bl_host_services_init(&s->hs, 1, 0, 0, &clock_now, s->handle.desc->header.id);
    s->hs.host.log = catch_log;
    last_log[0] = '\0';
    bl_config_t config = {n, keys, values};
    return s->ops->create(&config, &s->hs.host, &s->inst);
}

static void store_close(store_t *s) {
    if (s->inst != NULL)
        s->ops->destroy(s->inst);
    s->inst = NULL;
    bl_plugin_unload(&s->handle);
}

/* The item the tests deposit as number k (1-based): fields follow from k. */
static bl_seizure_t item_for(uint64_t k) {
    bl_seizure_t it;
    memset(&it, 0, sizeof it);
    it.threat = (uint32_t)(k % BL_THREAT_CLASS_COUNT);
    it.quantity = (double)k + 0.5;
    it.value = (double)k * 3;
    it.time = (double)k;
    snprintf(it.case_id, sizeof it.case_id, "CASE-%llu", (unsigned long long)(k % 13));
    snprintf(it.description, sizeof it.description, "item %llu", (unsigned long long)k);
    snprintf(it.unit, sizeof it.unit, "g");
    snprintf(it.officer, sizeof it.officer, "officer-%llu", (unsigned long long)(k % 5));
    snprintf(it.location, sizeof it.location, "BIN-%llu", (unsigned long long)(k % 17));
    return it;
}

static int same_fields(const bl_seizure_t *a, const bl_seizure_t *b) {
    return a->threat == b->threat && a->quantity == b->quantity && a->value == b->value &&
           a->time == b->time && strcmp(a->case_id, b->case_id) == 0 &&
           strcmp(a->description, b->description) == 0 && strcmp(a->unit, b->unit) == 0 &&
           strcmp(a->officer, b->officer) == 0 && strcmp(a->location, b->location) == 0;
}

/* Deposit items_for(first..first+n-1) in one batch; the ids must follow. */
static void deposit_range(store_t *s, uint64_t first, size_t n) {
    bl_seizure_t items[64];
    uint64_t ids[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++)
        items[i] = item_for(first + i);
    assert_int_equal(s->ops->deposit(s->inst, items, n, ids), BL_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ids[i], first + i);
}

/* A scratch database path in dir. */
static const char *db_path(char *out, size_t size, const char *dir, const char *name) {
    return tu_path_in(out, size, dir, name);
}

/* ------------------------------------------------------------------ fixtures */

typedef struct fixture {
    char *dir; /* first member: tu_fixture_new sets it */
} fixture_t;

static int setup(void **state) {
    *state = tu_fixture_new(sizeof(fixture_t), "store_sqlite");
    return *state == NULL ? -1 : 0;
}

static int teardown(void **state) {
    tu_fixture_free(*state);
    return 0;
}

/* ------------------------------------------------------------------ tests */

static void test_store_sqlite_conformance(void **state) {
    fixture_t *f = *state;
    char path[4096], db[4096];
    /* The check runs the file in a sandboxed plugin host: the database's
     * folder is named writable (the harness's key, not the plugin's). */
    const char *keys[3] = {"path", "writable", "group_commit"}, *values[3];

    tu_expect_conformance(tu_builddir_path(path, sizeof path, MEMORY_SO), 0, NULL, NULL, 20);
    values[0] = db_path(db, sizeof db, f->dir, "conformance.db");
    values[1] = f->dir;
    tu_expect_conformance(tu_builddir_path(path, sizeof path, SQLITE_SO), 2, keys, values, 20);
    values[0] = db_path(db, sizeof db, f->dir, "conformance_group.db");
    values[2] = "4";
    tu_expect_conformance(tu_builddir_path(path, sizeof path, SQLITE_SO), 3, keys, values, 20);
}

static void test_store_sqlite_config_refused(void **state) {
    fixture_t *f = *state;
    store_t s;
    char db[4096];
    assert_int_equal(store_open(&s, SQLITE_SO, NULL, NULL), BL_EINVAL);
    store_close(&s);
    db_path(db, sizeof db, f->dir, "refused.db");
    assert_int_equal(store_open(&s, SQLITE_SO, db, "0"), BL_EINVAL);
    store_close(&s);
    assert_int_equal(store_open(&s, SQLITE_SO, db, "2.5"), BL_EINVAL);
    store_close(&s);
    tu_path_in(db, sizeof db, f->dir, "no/such/folder/x.db");
    assert_int_equal(store_open(&s, SQLITE_SO, db, NULL), BL_EIO);
    store_close(&s);
}

/* The same operations (refusals included) on a store; returns verify's reason. */
static void run_sequence(store_t *s, char reason[128]) {
    bl_custody_report_t report;
    bl_seizure_t bad = item_for(99);
    uint64_t id;

    deposit_range(s, 1, 1);
    deposit_range(s, 2, 5);
    assert_int_equal(s->ops->move(s->inst, 2, "VAULT-C", "officer-9", 20), BL_OK);
    assert_int_equal(s->ops->retrieve(s->inst, 3, BL_PURPOSE_COURT, NULL, 21), BL_OK);
    assert_int_equal(s->ops->move(s->inst, 3, "VAULT-D", "officer-2", 22), BL_OK);
    assert_int_equal(s->ops->dispose(s->inst, 4, "officer-3", 23), BL_OK);
    /* Refusals: nothing written. */
    assert_true(s->ops->move(s->inst, 4, "VAULT-Z", "officer-9", 24) == BL_ESTATE);
    assert_true(s->ops->retrieve(s->inst, 4, BL_PURPOSE_LAB, "officer-9", 24) == BL_ESTATE);
    assert_true(s->ops->retrieve(s->inst, 5, 9, "officer-9", 24) == BL_EINVAL);
    assert_true(s->ops->move(s->inst, 77, "VAULT-Z", "officer-9", 24) == BL_ENOTFOUND);
    assert_true(s->ops->move(s->inst, 5, "", "officer-9", 24) == BL_EINVAL);
    bad.quantity = -1;
    assert_true(s->ops->deposit(s->inst, &bad, 1, &id) == BL_EINVAL);
    bad = item_for(99);
    bad.case_id[0] = '\0';
    assert_true(s->ops->deposit(s->inst, &bad, 1, &id) == BL_EINVAL);
    deposit_range(s, 7, 2);

    memset(&report, 0, sizeof report);
    assert_int_equal(s->ops->verify(s->inst, &report), BL_OK);
    assert_int_equal(report.entries, 12);
    assert_int_equal(report.first_bad, 0);
    memcpy(reason, report.reason, sizeof report.reason);
}

static void test_store_sqlite_same_chain_as_memory(void **state) {
    fixture_t *f = *state;
    store_t mem, sql;
    char db[4096], r_mem[128], r_sql[128];
    bl_seizure_t a, b;

    assert_int_equal(store_open(&mem, MEMORY_SO, NULL, NULL), BL_OK);
    assert_int_equal(store_open(&sql, SQLITE_SO, db_path(db, sizeof db, f->dir, "chain.db"), "5"),
                     BL_OK);
    run_sequence(&mem, r_mem);
    run_sequence(&sql, r_sql);
    assert_non_null(strstr(r_mem, "head sha256 "));
    assert_string_equal(r_mem, r_sql);
    for (uint64_t id = 1; id <= 8; id++) {
        assert_int_equal(mem.ops->get(mem.inst, id, &a), BL_OK);
        assert_int_equal(sql.ops->get(sql.inst, id, &b), BL_OK);
        assert_int_equal(a.id, b.id);
        assert_int_equal(a.state, b.state);
        assert_true(same_fields(&a, &b));
    }
    store_close(&mem);
    store_close(&sql);

    /* Reopened, the database gives the same chain. */
    bl_custody_report_t report;
    assert_int_equal(store_open(&sql, SQLITE_SO, db, NULL), BL_OK);
    assert_int_equal(sql.ops->verify(sql.inst, &report), BL_OK);
    assert_string_equal(report.reason, r_sql);
    store_close(&sql);
}

static void test_store_sqlite_reopen_continues(void **state) {
    fixture_t *f = *state;
    store_t s, mem;
    char db[4096];
    bl_custody_report_t report, mreport;
    bl_seizure_t got;
    size_t n = 0;

    db_path(db, sizeof db, f->dir, "reopen.db");
    assert_int_equal(store_open(&s, SQLITE_SO, db, "100"), BL_OK);
    deposit_range(&s, 1, 3);
    assert_int_equal(s.ops->move(s.inst, 2, "VAULT-X", "officer-1", 9), BL_OK);
    store_close(&s); /* an orderly close keeps what was acknowledged */
    assert_int_equal(store_open(&s, SQLITE_SO, db, NULL), BL_OK);
    deposit_range(&s, 4, 2);
    assert_int_equal(s.ops->list(s.inst, NULL, NULL, NULL, 0, &n), BL_OK);
    assert_int_equal(n, 5);
    assert_int_equal(s.ops->get(s.inst, 2, &got), BL_OK);
    assert_string_equal(got.location, "VAULT-X");
    assert_int_equal(s.ops->verify(s.inst, &report), BL_OK);
    assert_int_equal(report.entries, 6);

    /* The same operations in one memory store give the same head. */
    assert_int_equal(store_open(&mem, MEMORY_SO, NULL, NULL), BL_OK);
    deposit_range(&mem, 1, 3);
    assert_int_equal(mem.ops->move(mem.inst, 2, "VAULT-X", "officer-1", 9), BL_OK);
    deposit_range(&mem, 4, 2);
    assert_int_equal(mem.ops->verify(mem.inst, &mreport), BL_OK);
    assert_string_equal(report.reason, mreport.reason);
    store_close(&mem);
    store_close(&s);
}

/* Run sql on the database file directly (as someone with file access could). */
static void tamper(const char *db, const char *sql) {
    sqlite3 *h = NULL;
    char *msg = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        print_error("%s: %s\n", sql, msg != NULL ? msg : "?");
        sqlite3_free(msg);
        fail();
    }
    assert_int_equal(sqlite3_changes(h), 1);
    sqlite3_close(h);
}

/* Deposits 1..6, a move of 2 (entry 7) and a dispose of 5 (entry 8) into a
 * new database, then sql; verify must name entry want_bad. */
static void expect_tamper_caught(const char *dir, const char *name, const char *sql,
                                 uint64_t want_bad) {
    store_t s;
    char db[4096];
    bl_custody_report_t report;

    db_path(db, sizeof db, dir, name);
    assert_int_equal(store_open(&s, SQLITE_SO, db, "4"), BL_OK);
    deposit_range(&s, 1, 6);
    assert_int_equal(s.ops->move(s.inst, 2, "VAULT-X", "officer-1", 9), BL_OK);
    assert_int_equal(s.ops->dispose(s.inst, 5, "officer-1", 10), BL_OK);
    assert_int_equal(s.ops->sync(s.inst), BL_OK);
    assert_int_equal(s.ops->verify(s.inst, &report), BL_OK);
    store_close(&s);

    tamper(db, sql);
    assert_int_equal(store_open(&s, SQLITE_SO, db, NULL), BL_OK);
    memset(&report, 0, sizeof report);
    assert_int_equal(s.ops->verify(s.inst, &report), BL_EINTEGRITY);
    if (report.first_bad != want_bad)
        print_error("%s: %s\n", sql, report.reason);
    assert_int_equal(report.first_bad, want_bad);
    /* entries counts the custody rows there are (7 once one is deleted). */
    assert_int_equal(report.entries, strstr(sql, "DELETE FROM custody") != NULL ? 7 : 8);
    store_close(&s);
}

static void test_store_sqlite_tamper(void **state) {
    fixture_t *f = *state;
    /* An item row: caught against the entry that last set it. */
    expect_tamper_caught(f->dir, "t1.db", "UPDATE items SET quantity = 99 WHERE id = 3", 3);
    expect_tamper_caught(f->dir, "t2.db", "UPDATE items SET location = 'HOME' WHERE id = 2", 7);
    expect_tamper_caught(f->dir, "t3.db", "DELETE FROM items WHERE id = 6", 6);
    /* A custody row: its hash no longer matches. */
    expect_tamper_caught(f->dir, "t4.db", "UPDATE custody SET officer = 'nobody' WHERE seq = 4", 4);
    expect_tamper_caught(f->dir, "t5.db", "DELETE FROM custody WHERE seq = 5", 5);
    /* Rewriting an entry's hash too still breaks the next one. */
    expect_tamper_caught(f->dir, "t6.db", "UPDATE custody SET hash = zeroblob(32) WHERE seq = 2",
                         2);
}

/* ------------------------------------------------------------------ crash */

#define CRASH_KILLS 24
#define CRASH_SYNC_EVERY 37

/* The child: deposit forever, sync every CRASH_SYNC_EVERY deposits and
 * report the last id acknowledged after a completed sync on fd. */
static void crash_child(const char *db, int fd) {
    store_t s;
    size_t n = 0;
    if (store_open(&s, SQLITE_SO, db, "50") != BL_OK ||
        s.ops->list(s.inst, NULL, NULL, NULL, 0, &n) != BL_OK)
        _exit(2);
    for (uint64_t next = (uint64_t)n + 1, k = 1;; next++, k++) {
        bl_seizure_t it = item_for(next);
        uint64_t id = 0;
        if (s.ops->deposit(s.inst, &it, 1, &id) != BL_OK || id != next)
            _exit(3);
        if (k % CRASH_SYNC_EVERY == 0) {
            if (s.ops->sync(s.inst) != BL_OK)
                _exit(4);
            if (write(fd, &id, sizeof id) != (ssize_t)sizeof id)
                _exit(5);
        }
    }
}

static uint64_t xorshift(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_store_sqlite_crash(void **state) {
    fixture_t *f = *state;
    char db[4096];
    uint64_t rng = 0x5eed5eedULL, acked = 0, checked = 0;
    unsigned kills = 0;

    db_path(db, sizeof db, f->dir, "crash.db");
    for (int round = 0; round < CRASH_KILLS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(db, fds[1]);
        }
        close(fds[1]);
        unsigned ms = 5 + (unsigned)(xorshift(&rng) % 56);
        struct timespec ts = {0, (long)ms * 1000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* Killed, not failed on its own. */
        if (!WIFSIGNALED(status))
            print_error("round %d: child exited with %d\n", round, WEXITSTATUS(status));
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        kills++;
        uint64_t id;
        while (read(fds[0], &id, sizeof id) == (ssize_t)sizeof id)
            if (id > acked)
                acked = id;
        close(fds[0]);

        /* Everything acknowledged after a sync is there, intact. */
        store_t s;
        bl_custody_report_t report;
        bl_seizure_t got;
        size_t n = 0;
        assert_int_equal(store_open(&s, SQLITE_SO, db, NULL), BL_OK);
        assert_int_equal(s.ops->list(s.inst, NULL, NULL, NULL, 0, &n), BL_OK);
        assert_true(n >= acked);
        for (uint64_t k = checked + 1; k <= acked; k++) {
            bl_seizure_t want = item_for(k);
            assert_int_equal(s.ops->get(s.inst, k, &got), BL_OK);
            assert_int_equal(got.id, k);
            assert_int_equal(got.state, BL_SEIZURE_STORED);
            assert_true(same_fields(&got, &want));
        }
        checked = acked;
        if (s.ops->verify(s.inst, &report) != BL_OK)
            print_error("round %d: %s\n", round, report.reason);
        assert_int_equal(s.ops->verify(s.inst, &report), BL_OK);
        assert_int_equal(report.entries, n);
        store_close(&s);
    }
    assert_true(kills >= 20);
    assert_true(acked > 0); /* the children got far enough to sync */
    print_message("crash: %u kills, %llu deposits acknowledged after sync survived\n", kills,
                  (unsigned long long)acked);
}

/* What a refusal must leave alone: item count, custody entries, chain head. */
typedef struct snapshot {
    size_t items;
    uint64_t entries;
    char reason[128];
} snapshot_t;

static snapshot_t snap(store_t *s) {
    snapshot_t sn;
    bl_custody_report_t report;
    memset(&sn, 0, sizeof sn);
    assert_int_equal(s->ops->list(s->inst, NULL, NULL, NULL, 0, &sn.items), BL_OK);
    assert_int_equal(s->ops->verify(s->inst, &report), BL_OK);
    sn.entries = report.entries;
    memcpy(sn.reason, report.reason, sizeof sn.reason);
    return sn;
}

/* rc is want, the log says each of the (NULL-ended) phrases, nothing changed. */
static void expect_refused(store_t *s, const snapshot_t *before, int rc, int want, ...) {
    va_list ap;
    const char *phrase;
    snapshot_t after = snap(s);
    if (rc != want)
        print_error("rc %d, want %d; log: %s\n", rc, want, last_log);
    assert_int_equal(rc, want);
    va_start(ap, want);
    while ((phrase = va_arg(ap, const char *)) != NULL) {
        if (strstr(last_log, phrase) == NULL)
            print_error("log \"%s\" lacks \"%s\"\n", last_log, phrase);
        assert_non_null(strstr(last_log, phrase));
    }
    va_end(ap);
    assert_int_equal(after.items, before->items);
    assert_int_equal(after.entries, before->entries);
    assert_string_equal(after.reason, before->reason);
}

static bl_seizure_t item_at(uint64_t k, const char *location) {
    bl_seizure_t it = item_for(k);
    snprintf(it.location, sizeof it.location, "%s", location);
    return it;
}

/* Issue 5's bad input against one store with known locations: an empty case
 * id, a negative quantity, an unknown location (alone and inside a batch),
 * a move of a disposed item and a move to an unknown location. */
static void bad_input_on(store_t *s, const char *knows) {
    bl_seizure_t batch[3] = {item_at(1, "intake"), item_at(2, "A/s1/b1"), item_at(3, "A/s1/b2")};
    uint64_t ids[3];
    bl_seizure_t got;
    snapshot_t before;

    assert_int_equal(s->ops->deposit(s->inst, batch, 3, ids), BL_OK);
    assert_int_equal(s->ops->move(s->inst, ids[0], "A/s1/b2", "officer-7", 10), BL_OK);
    assert_int_equal(s->ops->dispose(s->inst, ids[2], "officer-7", 11), BL_OK);
    before = snap(s);
    assert_int_equal(before.items, 3);
    assert_int_equal(before.entries, 5);
    assert_non_null(strstr(before.reason, "intact: 5 entries, head sha256 "));

    bl_seizure_t bad = item_at(4, "intake");
    bad.case_id[0] = '\0';
    expect_refused(s, &before, s->ops->deposit(s->inst, &bad, 1, ids), BL_EINVAL,
                   "deposit: item 0 refused (case_id is empty)", "nothing was deposited", NULL);
    bad = item_at(4, "intake");
    bad.quantity = -3;
    expect_refused(s, &before, s->ops->deposit(s->inst, &bad, 1, ids), BL_EINVAL,
                   "deposit: item 0 refused (quantity must be a positive number)", NULL);
    bad = item_at(4, "Z/s9");
    expect_refused(s, &before, s->ops->deposit(s->inst, &bad, 1, ids), BL_EINVAL,
                   "deposit: item 0 refused: location 'Z/s9' is not a known storage location",
                   knows, "configure them with locations=", "nothing was deposited", NULL);
    batch[1] = item_at(5, "Z/s9");
    expect_refused(s, &before, s->ops->deposit(s->inst, batch, 3, ids), BL_EINVAL,
                   "deposit: item 1 refused: location 'Z/s9' is not a known storage location",
                   "nothing was deposited", NULL);
    expect_refused(s, &before, s->ops->move(s->inst, 3, "A/s1/b1", "officer-7", 12), BL_ESTATE,
                   "move: seizure 3 was disposed of; it cannot move", NULL);
    expect_refused(s, &before, s->ops->move(s->inst, 2, "Z/s9", "officer-7", 12), BL_EINVAL,
                   "move: location 'Z/s9' is not a known storage location", knows,
                   "configure them with locations=", NULL);
    assert_int_equal(s->ops->get(s->inst, 2, &got), BL_OK);
    assert_string_equal(got.location, "A/s1/b1");
    assert_string_equal(got.officer, item_for(2).officer);
    /* A known location still works after the refusals. */
    assert_int_equal(s->ops->move(s->inst, 2, "intake", "officer-7", 13), BL_OK);
}

static void test_store_sqlite_bad_input_refused(void **state) {
    fixture_t *f = *state;
    char db[4096], file[4096], at[4100], knows[64];
    const char *keys[2] = {"locations", "path"}, *values[2];
    const char *sos[2] = {MEMORY_SO, SQLITE_SO};
    FILE *out;
    store_t s;

    /* The same locations as a list and as a file of thousands of bins. */
    tu_path_in(file, sizeof file, f->dir, "locations.txt");
    assert_non_null(out = fopen(file, "w"));
    fprintf(out, "# storage locations, one a line\nintake\n\n  A/s1/b1  \r\nA/s1/b2\n");
    for (int i = 0; i < 3000; i++)
        fprintf(out, "B/s%d/b%d\n", i / 10, i % 10);
    fprintf(out, "intake\n"); /* a duplicate counts once */
    assert_int_equal(fclose(out), 0);
    snprintf(at, sizeof at, "@%s", file);

    for (int form = 0; form < 2; form++)
        for (int k = 0; k < 2; k++) {
            char name[32];
            snprintf(name, sizeof name, "bad_input_%d.db", form);
            values[0] = form == 0 ? "intake, A/s1/b1,A/s1/b2" : at;
            values[1] = db_path(db, sizeof db, f->dir, name);
            snprintf(knows, sizeof knows, "the store knows %d locations: A/s1/b1, A/s1/b2, ",
                     form == 0 ? 3 : 3003);
            assert_int_equal(store_open_config(&s, sos[k], 2, keys, values), BL_OK);
            bad_input_on(&s, knows);
            if (form == 1) { /* a bin deep in the sorted list is found */
                assert_int_equal(s.ops->move(s.inst, 1, "B/s150/b7", NULL, 14), BL_OK);
                assert_int_equal(s.ops->move(s.inst, 1, "B/s300/b0", NULL, 15), BL_EINVAL);
            }
            store_close(&s);
        }

    /* Bad configurations are refused at create, naming the cause. */
    for (int k = 0; k < 2; k++) {
        char missing[4100];
        snprintf(missing, sizeof missing, "@%s/no-such-locations.txt", f->dir);
        values[0] = missing;
        values[1] = db_path(db, sizeof db, f->dir, "refused_locations.db");
        assert_int_equal(store_open_config(&s, sos[k], 2, keys, values), BL_ENOTFOUND);
        assert_non_null(strstr(last_log, "no-such-locations.txt"));
        store_close(&s);
        values[0] = " , ,";
        assert_int_equal(store_open_config(&s, sos[k], 2, keys, values), BL_EINVAL);
        assert_non_null(strstr(last_log, "names no location"));
        store_close(&s);
        values[0] = "intake,a-bin-name-far-longer-than-forty-seven-characters-allows";
        assert_int_equal(store_open_config(&s, sos[k], 2, keys, values), BL_EINVAL);
        assert_non_null(strstr(last_log, "longer than 47 characters"));
        store_close(&s);
        assert_int_equal(access(db, F_OK), -1); /* refused before the file was made */
    }

    /* The conformance suite's locations configured: it still passes. */
    char so[4096];
    values[0] = "VAULT-A,VAULT-B,VAULT-C";
    tu_expect_conformance(tu_builddir_path(so, sizeof so, MEMORY_SO), 1, keys, values, 20);
    values[1] = db_path(db, sizeof db, f->dir, "conformance_locations.db");
    const char *wkeys[3] = {keys[0], keys[1], "writable"},
               *wvalues[3] = {values[0], values[1], f->dir};
    tu_expect_conformance(tu_builddir_path(so, sizeof so, SQLITE_SO), 3, wkeys, wvalues, 20);
}

/* One writer per file: a second store on the same database, open at the
 * same time, is refused at create naming the file; once the first is
 * closed, the file is free again. */
static void test_store_sqlite_one_writer(void **state) {
    fixture_t *f = *state;
    char db[4096];
    const char *keys[1] = {"path"}, *values[1] = {db_path(db, sizeof db, f->dir, "shared.db")};
    store_t a, b;
    assert_int_equal(store_open_config(&a, SQLITE_SO, 1, keys, values), BL_OK);
    assert_int_equal(store_open_config(&b, SQLITE_SO, 1, keys, values), BL_ESTATE);
    assert_non_null(strstr(last_log, "shared.db is in use by another store"));
    store_close(&b);
    bl_seizure_t it = item_for(1);
    uint64_t id = 0;
    assert_int_equal(a.ops->deposit(a.inst, &it, 1, &id), BL_OK); /* the first goes on */
    store_close(&a);
    assert_int_equal(store_open_config(&b, SQLITE_SO, 1, keys, values), BL_OK);
    bl_custody_report_t report;
    assert_int_equal(b.ops->verify(b.inst, &report), BL_OK);
    assert_int_equal(report.entries, 1);
    store_close(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_sqlite_conformance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_one_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_config_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_same_chain_as_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_reopen_continues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_tamper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_sqlite_bad_input_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
