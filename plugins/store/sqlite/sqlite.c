/*
 * borderlab.sqlite_store: seizure store in an SQLite database file.
 *
 * Same behaviour as store/memory (ids 1, 2, ... in deposit order, the same
 * refusals with nothing written, the same custody hashes for the same
 * operations: the chain and the input rules are in ../custody.h), kept in
 * two tables: `items` (one row per seizure as it stands now) and `custody`
 * (one row per operation: the item after it, the previous entry's hash and
 * its own).  Reopening a database continues its ids and chain.
 *
 * Configuration:
 *   path          database file (required; created when missing)
 *   group_commit  operations per transaction (default 1).  An operation is
 *                 acknowledged once applied in the open transaction; the
 *                 transaction commits after that many operations, at
 *                 sync() and at destroy().
 *
 * Durability: WAL journal, synchronous=FULL, so a commit is on disk when it
 * returns.  sync() commits: everything acknowledged before a completed sync
 * survives SIGKILL or power loss; a transaction cut short leaves no trace.
 * Each call runs in its own SAVEPOINT, so a call that fails part-way (a
 * deposit batch included) is rolled back whole.
 *
 * verify() recomputes the chain from the custody table and checks that the
 * items table holds exactly the state the chain implies, so editing a row
 * of either table is caught.  No locking: not thread safe.
 *
 * One writer per file: create takes an exclusive lock (flock) on PATH.lock
 * beside the database and holds it until destroy, so a second store on the
 * same file, in this process or another, is refused at create instead of
 * interleaving its chain with the first's.  (A separate file, because
 * closing any descriptor of the database itself would drop SQLite's own
 * POSIX locks on it.)
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sqlite3.h>

#include "borderlab/plugin.h"
#include "custody.h"

#define SCHEMA_VERSION 1

/* Item columns, in this order, in both tables (bind_item/read_item). */
#define ITEM_COLUMNS                                                                               \
    "threat, state, quantity, value, time, case_id, description, unit, officer, location"

enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_INSERT_ITEM,
    ST_UPDATE_ITEM,
    ST_INSERT_CUSTODY,
    ST_GET_ITEM,
    ST_LIST,
    ST_COUNT
};

static const char *const statements[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_SAVEPOINT] = "SAVEPOINT bl_op",
    [ST_RELEASE] = "RELEASE bl_op",
    [ST_ROLLBACK_TO] = "ROLLBACK TO bl_op",
    [ST_INSERT_ITEM] = "INSERT INTO items (id, " ITEM_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    [ST_UPDATE_ITEM] = "UPDATE items SET state = ?2, time = ?5, officer = ?9, location = ?10 "
                       "WHERE id = ?11",
    [ST_INSERT_CUSTODY] = "INSERT INTO custody (seq, item, op, purpose, " ITEM_COLUMNS
                          ", prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_GET_ITEM] = "SELECT " ITEM_COLUMNS " FROM items WHERE id = ?",
    [ST_LIST] = "SELECT id FROM items WHERE (?1 IS NULL OR case_id = ?1) "
                "AND (?2 IS NULL OR location = ?2) ORDER BY id",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS items ("
    " id INTEGER PRIMARY KEY, threat INTEGER NOT NULL, state INTEGER NOT NULL,"
    " quantity REAL NOT NULL, value REAL NOT NULL, time REAL NOT NULL,"
    " case_id TEXT NOT NULL, description TEXT NOT NULL, unit TEXT NOT NULL,"
    " officer TEXT NOT NULL, location TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS items_case ON items (case_id);"
    "CREATE INDEX IF NOT EXISTS items_location ON items (location);"
    "CREATE TABLE IF NOT EXISTS custody ("
    " seq INTEGER PRIMARY KEY, item INTEGER NOT NULL, op INTEGER NOT NULL,"
    " purpose INTEGER NOT NULL, threat INTEGER NOT NULL, state INTEGER NOT NULL,"
    " quantity REAL NOT NULL, value REAL NOT NULL, time REAL NOT NULL,"
    " case_id TEXT NOT NULL, description TEXT NOT NULL, unit TEXT NOT NULL,"
    " officer TEXT NOT NULL, location TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL);";

typedef struct store {
    const bl_host_t *host;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    long group_commit; /* operations per transaction */
    long pending;      /* operations applied in the open transaction */
    int in_tx;
    uint64_t n_items; /* highest id (ids are 1..n_items) */
    uint64_t n_log;   /* custody entries */
    unsigned char head[CUSTODY_HASH];
    custody_locations_t known; /* config `locations`; empty: any location */
    int lock_fd;               /* PATH.lock, held (flock) while the store is open; -1 none */
} store_t;

/* ------------------------------------------------------------------ SQLite helpers */

/* Log an SQLite failure of what; returns BL_EIO. */
static int db_fail(store_t *s, const char *what) {
    bl_host_logf(s->host, BL_LOG_ERROR, "sqlite store: %s: %s", what,
                 s->db != NULL ? sqlite3_errmsg(s->db) : "no database");
    return BL_EIO;
}

/* Step a statement that returns no rows and reset it; BL_OK or BL_EIO. */
static int run(store_t *s, int which) {
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? BL_OK : db_fail(s, statements[which]);
}

static void bind_text(sqlite3_stmt *st, int col, const char *t) {
    sqlite3_bind_text(st, col, t, -1, SQLITE_STATIC);
}

/* Bind the ten ITEM_COLUMNS of *it starting at parameter first. */
static void bind_item(sqlite3_stmt *st, int first, const bl_seizure_t *it) {
    sqlite3_bind_int64(st, first, it->threat);
    sqlite3_bind_int64(st, first + 1, it->state);
    sqlite3_bind_double(st, first + 2, it->quantity);
    sqlite3_bind_double(st, first + 3, it->value);
    sqlite3_bind_double(st, first + 4, it->time);
    bind_text(st, first + 5, it->case_id);
    bind_text(st, first + 6, it->description);
    bind_text(st, first + 7, it->unit);
    bind_text(st, first + 8, it->officer);
    bind_text(st, first + 9, it->location);
}

static void read_text(sqlite3_stmt *st, int col, char *out, size_t size) {
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, size, "%s", t != NULL ? (const char *)t : "");
}

/* Read the ten ITEM_COLUMNS starting at column first into *it (id kept). */
static void read_item(sqlite3_stmt *st, int first, bl_seizure_t *it) {
    it->threat = (uint32_t)sqlite3_column_int64(st, first);
    it->state = (uint32_t)sqlite3_column_int64(st, first + 1);
    it->quantity = sqlite3_column_double(st, first + 2);
    it->value = sqlite3_column_double(st, first + 3);
    it->time = sqlite3_column_double(st, first + 4);
    read_text(st, first + 5, it->case_id, sizeof it->case_id);
    read_text(st, first + 6, it->description, sizeof it->description);
    read_text(st, first + 7, it->unit, sizeof it->unit);
    read_text(st, first + 8, it->officer, sizeof it->officer);
    read_text(st, first + 9, it->location, sizeof it->location);
}

/* Ids and chain head from the database (at open, and after a failed commit). */
static int load_state(store_t *s) {
    sqlite3_stmt *st = NULL;
    int rc = BL_EIO;
    s->n_items = 0;
    s->n_log = 0;
    memcpy(s->head, custody_zero_hash, CUSTODY_HASH);
    if (sqlite3_prepare_v2(s->db, "SELECT COALESCE(MAX(id), 0) FROM items", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        goto out;
    s->n_items = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1", -1,
                           &st, NULL) != SQLITE_OK)
        goto out;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        s->n_log = (uint64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == CUSTODY_HASH)
            memcpy(s->head, sqlite3_column_blob(st, 1), CUSTODY_HASH);
        /* A wrong-sized head hash is left to verify() to report. */
    } else if (step != SQLITE_DONE)
        goto out;
    rc = BL_OK;
out:
    if (rc != BL_OK)
        db_fail(s, "reading the last id and custody entry");
    sqlite3_finalize(st);
    return rc;
}

/* Commit the open transaction, if any. */
static int commit(store_t *s) {
    if (!s->in_tx)
        return BL_OK;
    int rc = run(s, ST_COMMIT);
    if (rc != BL_OK) {
        /* Nothing of this transaction is durable: drop it and resync. */
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        load_state(s);
    }
    s->in_tx = 0;
    s->pending = 0;
    return rc;
}

/* Open a savepoint for one call, inside the group transaction. */
static int op_begin(store_t *s) {
    if (!s->in_tx) {
        if (run(s, ST_BEGIN) != BL_OK)
            return BL_EIO;
        s->in_tx = 1;
    }
    return run(s, ST_SAVEPOINT);
}

/* Close the call's savepoint: keep it (rc BL_OK; commits when the group is
 * full) or roll it back.  Returns rc, or the commit's failure. */
static int op_end(store_t *s, int rc) {
    if (rc != BL_OK) {
        run(s, ST_ROLLBACK_TO);
        run(s, ST_RELEASE);
        return rc;
    }
    if ((rc = run(s, ST_RELEASE)) != BL_OK) {
        run(s, ST_ROLLBACK_TO);
        run(s, ST_RELEASE);
        return rc;
    }
    if (++s->pending >= s->group_commit)
        return commit(s);
    return BL_OK;
}

/* The item for id into *out: BL_OK, BL_ENOTFOUND (logged, naming op) or BL_EIO. */
static int load_item(store_t *s, uint64_t id, const char *op, bl_seizure_t *out) {
    sqlite3_stmt *st = s->st[ST_GET_ITEM];
    int rc;
    if (id == 0 || id > (uint64_t)INT64_MAX) {
        custody_log_unknown(s->host, op, id);
        return BL_ENOTFOUND;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = id;
        read_item(st, 0, out);
        rc = BL_OK;
    } else if (step == SQLITE_DONE) {
        custody_log_unknown(s->host, op, id);
        rc = BL_ENOTFOUND;
    } else
        rc = db_fail(s, "reading an item");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Append custody entry e (prev is the previous entry's hash). */
static int insert_custody(store_t *s, const custody_entry_t *e, const unsigned char *prev) {
    sqlite3_stmt *st = s->st[ST_INSERT_CUSTODY];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)e->seq);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->item.id);
    sqlite3_bind_int64(st, 3, e->op);
    sqlite3_bind_int64(st, 4, e->purpose);
    bind_item(st, 5, &e->item);
    sqlite3_bind_blob(st, 15, prev, CUSTODY_HASH, SQLITE_STATIC);
    sqlite3_bind_blob(st, 16, e->hash, CUSTODY_HASH, SQLITE_STATIC);
    return run(s, ST_INSERT_CUSTODY);
}

/* ------------------------------------------------------------------ lifecycle */

static void ss_destroy(void *instance);

/* The one-writer lock: PATH.lock, flock'ed exclusively.  BL_ESTATE when
 * another store holds it, BL_EIO when it cannot be made. */
static int lock_store(store_t *s, const char *path) {
    size_t n = strlen(path) + 8;
    char *lock = malloc(n);
    if (lock == NULL)
        return BL_ENOMEM;
    snprintf(lock, n, "%s.lock", path);
    int rc = BL_OK;
    s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        bl_host_logf(s->host, BL_LOG_ERROR, "sqlite store: cannot make the lock file %s: %s", lock,
                     strerror(errno));
        rc = BL_EIO;
    } else if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int why = errno;
        bl_host_logf(s->host, BL_LOG_ERROR,
                     "sqlite store: %s is in use by another store (%s is locked): one writer per "
                     "store file; give this one its own path (path = \"x-${replication}.db\")",
                     path, lock);
        close(s->lock_fd);
        s->lock_fd = -1;
        rc = why == EWOULDBLOCK ? BL_ESTATE : BL_EIO;
    }
    free(lock);
    return rc;
}

static int open_db(store_t *s, const char *path) {
    char *msg = NULL;
    sqlite3_stmt *st = NULL;
    int version = 0;
    int rc;

    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        bl_host_logf(s->host, BL_LOG_ERROR, "sqlite store: cannot open %s: %s", path,
                     s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
        return BL_EIO;
    }
    if ((rc = lock_store(s, path)) != BL_OK) /* before anything is written to it */
        return rc;
    sqlite3_busy_timeout(s->db, 5000);
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_fail(s, "setting WAL mode");
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (mode == NULL || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
        bl_host_logf(s->host, BL_LOG_ERROR, "sqlite store: %s: journal mode is %s, not WAL", path,
                     mode != NULL ? mode : "unknown");
        sqlite3_finalize(st);
        return BL_EIO;
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        return db_fail(s, "setting synchronous=FULL");
    }
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_fail(s, "reading the schema version");
    }
    version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version != 0 && version != SCHEMA_VERSION) {
        bl_host_logf(s->host, BL_LOG_ERROR,
                     "sqlite store: %s has schema version %d, this plugin reads %d: use a "
                     "matching borderlab or a new file",
                     path, version, SCHEMA_VERSION);
        return BL_EINVAL;
    }
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, "PRAGMA user_version=1", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(s, "creating the tables");
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK)
            return db_fail(s, statements[i]);
    return load_state(s);
}

static int ss_create(const bl_config_t *config, const bl_host_t *host, void **instance) {
    store_t *s;
    const char *path = bl_config_get(config, "path");
    const char *gc = bl_config_get(config, "group_commit");
    double n = 1;
    int rc;

    *instance = NULL;
    if (host == NULL || host->alloc == NULL || host->free == NULL)
        return BL_EINVAL;
    if (path == NULL || path[0] == '\0') {
        bl_host_logf(host, BL_LOG_ERROR,
                     "sqlite store: configuration `path` (the database file) is required");
        return BL_EINVAL;
    }
    if (gc != NULL && (bl_parse_number(gc, &n) != BL_OK || n < 1 || n > 1e9 || n != floor(n))) {
        bl_host_logf(host, BL_LOG_ERROR,
                     "sqlite store: group_commit \"%s\" is not a whole number of operations >= 1",
                     gc);
        return BL_EINVAL;
    }
    s = host->alloc(host->ctx, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    memset(s, 0, sizeof *s);
    s->host = host;
    s->lock_fd = -1;
    s->group_commit = (long)n;
    /* Locations first: a bad list creates no database file. */
    if ((rc = custody_locations_init(&s->known, config, host, "sqlite store")) != BL_OK ||
        (rc = open_db(s, path)) != BL_OK) {
        ss_destroy(s);
        return rc;
    }
    *instance = s;
    return BL_OK;
}

/* Commits what was acknowledged (an orderly close keeps it), then closes. */
static void ss_destroy(void *instance) {
    store_t *s = instance;
    if (s == NULL)
        return;
    if (s->db != NULL && s->st[ST_COMMIT] != NULL)
        commit(s);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db != NULL)
        sqlite3_close(s->db);
    if (s->lock_fd >= 0) /* after the database: the next writer may come in */
        close(s->lock_fd);
    custody_locations_fini(&s->known, s->host);
    s->host->free(s->host->ctx, s);
}

/* ------------------------------------------------------------------ verbs */

static int ss_deposit(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out) {
    store_t *s = instance;
    custody_entry_t e;
    unsigned char prev[CUSTODY_HASH];
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if (n == 0)
        return BL_OK;
    if (items == NULL || ids_out == NULL)
        return BL_EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((rc = custody_check_item(s->host, &s->known, &items[i], i)) != BL_OK)
            return rc;
    if ((rc = op_begin(s)) != BL_OK)
        return rc;
    memcpy(prev, s->head, CUSTODY_HASH);
    for (size_t i = 0; i < n && rc == BL_OK; i++) {
        bl_seizure_t it = items[i];
        it.id = s->n_items + i + 1;
        it.state = BL_SEIZURE_STORED;
        rc = custody_entry_make(s->host, &e, s->n_log + i + 1, CUSTODY_DEPOSIT, 0, &it, prev);
        if (rc == BL_OK) {
            sqlite3_bind_int64(s->st[ST_INSERT_ITEM], 1, (sqlite3_int64)it.id);
            bind_item(s->st[ST_INSERT_ITEM], 2, &it);
            rc = run(s, ST_INSERT_ITEM);
        }
        if (rc == BL_OK)
            rc = insert_custody(s, &e, prev);
        memcpy(prev, e.hash, CUSTODY_HASH);
    }
    uint64_t first = s->n_items + 1;
    if (rc == BL_OK) {
        /* Advance first: a group commit that fails inside op_end resyncs them. */
        s->n_items += n;
        s->n_log += n;
        memcpy(s->head, prev, CUSTODY_HASH);
    }
    if ((rc = op_end(s, rc)) != BL_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        ids_out[i] = first + i;
    return BL_OK;
}

/* Write next (the item after op) and its custody entry in one savepoint. */
static int apply(store_t *s, const bl_seizure_t *next, uint32_t op, uint32_t purpose) {
    custody_entry_t e;
    int rc = custody_entry_make(s->host, &e, s->n_log + 1, op, purpose, next, s->head);
    if (rc != BL_OK)
        return rc;
    if ((rc = op_begin(s)) != BL_OK)
        return rc;
    sqlite3_stmt *st = s->st[ST_UPDATE_ITEM];
    bind_item(st, 1, next);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)next->id);
    rc = run(s, ST_UPDATE_ITEM);
    if (rc == BL_OK && sqlite3_changes(s->db) != 1)
        rc = db_fail(s, "updating an item row");
    if (rc == BL_OK)
        rc = insert_custody(s, &e, s->head);
    if (rc == BL_OK) {
        s->n_log++;
        memcpy(s->head, e.hash, CUSTODY_HASH);
    }
    return op_end(s, rc);
}

static int ss_move(void *instance, uint64_t id, const char *location, const char *officer,
                   double time) {
    store_t *s = instance;
    bl_seizure_t cur, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = custody_check_move(s->host, &s->known, location, officer, time)) != BL_OK ||
        (rc = load_item(s, id, "move", &cur)) != BL_OK ||
        (rc = custody_next_move(s->host, &cur, location, officer, time, &next)) != BL_OK)
        return rc;
    return apply(s, &next, CUSTODY_MOVE, 0);
}

static int ss_retrieve(void *instance, uint64_t id, uint32_t purpose, const char *officer,
                       double time) {
    store_t *s = instance;
    bl_seizure_t cur, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = custody_check_retrieve(s->host, purpose, officer, time)) != BL_OK ||
        (rc = load_item(s, id, "retrieve", &cur)) != BL_OK ||
        (rc = custody_next_retrieve(s->host, &cur, officer, time, &next)) != BL_OK)
        return rc;
    return apply(s, &next, CUSTODY_RETRIEVE, purpose);
}

static int ss_dispose(void *instance, uint64_t id, const char *officer, double time) {
    store_t *s = instance;
    bl_seizure_t cur, next;
    int rc;
    if (s == NULL)
        return BL_EINVAL;
    if ((rc = custody_check_dispose(s->host, officer, time)) != BL_OK ||
        (rc = load_item(s, id, "dispose", &cur)) != BL_OK ||
        (rc = custody_next_dispose(s->host, &cur, officer, time, &next)) != BL_OK)
        return rc;
    return apply(s, &next, CUSTODY_DISPOSE, 0);
}

static int ss_get(void *instance, uint64_t id, bl_seizure_t *out) {
    store_t *s = instance;
    if (s == NULL || out == NULL)
        return BL_EINVAL;
    return load_item(s, id, "get", out);
}

static int ss_list(void *instance, const char *case_id, const char *location, uint64_t *ids_out,
                   size_t capacity, size_t *n_out) {
    store_t *s = instance;
    sqlite3_stmt *st;
    size_t n = 0;
    int step;
    if (s == NULL || n_out == NULL || (capacity > 0 && ids_out == NULL))
        return BL_EINVAL;
    st = s->st[ST_LIST];
    if (case_id != NULL)
        bind_text(st, 1, case_id);
    if (location != NULL)
        bind_text(st, 2, location);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n < capacity)
            ids_out[n] = (uint64_t)sqlite3_column_int64(st, 0);
        n++;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_DONE)
        return db_fail(s, "listing items");
    *n_out = n;
    return BL_OK;
}

/* ------------------------------------------------------------------ verify */

/* What the chain says an item should be, and the entry that said it last. */
typedef struct implied {
    bl_seizure_t item;
    uint64_t seq;
} implied_t;

static int same_item(const bl_seizure_t *a, const bl_seizure_t *b) {
    return a->threat == b->threat && a->state == b->state &&
           memcmp(&a->quantity, &b->quantity, sizeof a->quantity) == 0 &&
           memcmp(&a->value, &b->value, sizeof a->value) == 0 &&
           memcmp(&a->time, &b->time, sizeof a->time) == 0 && strcmp(a->case_id, b->case_id) == 0 &&
           strcmp(a->description, b->description) == 0 && strcmp(a->unit, b->unit) == 0 &&
           strcmp(a->officer, b->officer) == 0 && strcmp(a->location, b->location) == 0;
}

/* Grow *arr to hold at least need entries. */
static int grow(store_t *s, implied_t **arr, size_t *cap, size_t need) {
    if (need <= *cap)
        return BL_OK;
    size_t ncap = *cap > 0 ? *cap * 2 : 256;
    while (ncap < need)
        ncap *= 2;
    implied_t *p = s->host->alloc(s->host->ctx, ncap * sizeof *p);
    if (p == NULL)
        return BL_ENOMEM;
    if (*arr != NULL) {
        memcpy(p, *arr, *cap * sizeof *p);
        s->host->free(s->host->ctx, *arr);
    }
    *arr = p;
    *cap = ncap;
    return BL_OK;
}

/* Keep the smallest failing entry (at) and its reason (about item id). */
static void note_bad(uint64_t *bad, char *why, size_t size, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void note_bad(uint64_t *bad, char *why, size_t size, uint64_t at, const char *fmt, ...) {
    va_list ap;
    if (*bad != 0 && *bad <= at)
        return;
    *bad = at;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
}

static int ss_verify(void *instance, bl_custody_report_t *report) {
    store_t *s = instance;
    sqlite3_stmt *st = NULL;
    implied_t *items = NULL;
    size_t n_items = 0, cap = 0;
    unsigned char prev[CUSTODY_HASH], h[CUSTODY_HASH];
    uint64_t bad = 0, i = 0;
    char why[96] = "";
    int rc = BL_OK, step;

    if (s == NULL || report == NULL)
        return BL_EINVAL;
    memset(report, 0, sizeof *report);
    memcpy(prev, custody_zero_hash, CUSTODY_HASH);

    /* 1. The chain, entry by entry. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, item, op, purpose, " ITEM_COLUMNS
                           ", prev_hash, hash FROM custody ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, "reading the custody table");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        custody_entry_t e;
        i++;
        if (bad != 0)
            continue; /* only counting the entries past the first bad one */
        memset(&e, 0, sizeof e);
        e.seq = (uint64_t)sqlite3_column_int64(st, 0);
        e.item.id = (uint64_t)sqlite3_column_int64(st, 1);
        e.op = (uint32_t)sqlite3_column_int64(st, 2);
        e.purpose = (uint32_t)sqlite3_column_int64(st, 3);
        read_item(st, 4, &e.item);
        const void *ph = sqlite3_column_blob(st, 14);
        int ph_len = sqlite3_column_bytes(st, 14);
        const void *eh = sqlite3_column_blob(st, 15);
        int eh_len = sqlite3_column_bytes(st, 15);
        if (e.seq != i)
            snprintf(why, sizeof why, "sequence number out of order");
        else if (ph_len != CUSTODY_HASH || memcmp(ph, prev, CUSTODY_HASH) != 0)
            snprintf(why, sizeof why, "previous hash does not match the previous entry");
        else if (custody_hash(prev, &e, h) != BL_OK)
            snprintf(why, sizeof why, "SHA-256 failed");
        else if (eh_len != CUSTODY_HASH || memcmp(h, eh, CUSTODY_HASH) != 0)
            snprintf(why, sizeof why, "hash does not match the entry and its predecessor");
        else if (e.op == CUSTODY_DEPOSIT ? e.item.id != n_items + 1
                                         : e.item.id == 0 || e.item.id > n_items)
            snprintf(why, sizeof why, "entry names item %llu out of deposit order",
                     (unsigned long long)e.item.id);
        if (why[0] != '\0') {
            bad = i;
            continue;
        }
        if (e.op == CUSTODY_DEPOSIT) {
            if ((rc = grow(s, &items, &cap, n_items + 1)) != BL_OK)
                goto out;
            n_items++;
        }
        items[e.item.id - 1].item = e.item;
        items[e.item.id - 1].seq = e.seq;
        memcpy(prev, h, CUSTODY_HASH);
    }
    if (step != SQLITE_DONE) {
        rc = db_fail(s, "reading the custody table");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    report->entries = i;
    if (bad != 0)
        goto out;
    /* 2. The items table must hold exactly the state the chain implies. */
    if (sqlite3_prepare_v2(s->db, "SELECT id, " ITEM_COLUMNS " FROM items ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = db_fail(s, "reading the items table");
        goto out;
    }
    uint64_t expect = 1; /* the next id the table should hold */
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        bl_seizure_t row;
        uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
        memset(&row, 0, sizeof row);
        row.id = id;
        read_item(st, 1, &row);
        if (id > n_items || id < expect) {
            note_bad(&bad, why, sizeof why, i + 1, "item %llu has no custody entry",
                     (unsigned long long)id);
            continue;
        }
        for (; expect < id; expect++)
            note_bad(&bad, why, sizeof why, items[expect - 1].seq,
                     "item %llu is missing from the items table", (unsigned long long)expect);
        if (!same_item(&row, &items[id - 1].item))
            note_bad(&bad, why, sizeof why, items[id - 1].seq,
                     "item %llu differs from its last custody entry", (unsigned long long)id);
        expect = id + 1;
    }
    if (step != SQLITE_DONE) {
        rc = db_fail(s, "reading the items table");
        goto out;
    }
    for (; expect <= n_items; expect++)
        note_bad(&bad, why, sizeof why, items[expect - 1].seq,
                 "item %llu is missing from the items table", (unsigned long long)expect);
out:
    sqlite3_finalize(st);
    if (items != NULL)
        s->host->free(s->host->ctx, items);
    if (rc != BL_OK)
        return rc;
    if (bad != 0) {
        report->first_bad = bad;
        snprintf(report->reason, sizeof report->reason, "custody entry %llu: %s",
                 (unsigned long long)bad, why);
        bl_host_logf(s->host, BL_LOG_ERROR, "verify: %s", report->reason);
        return BL_EINTEGRITY;
    }
    custody_intact_reason(report->reason, sizeof report->reason, report->entries, prev);
    return BL_OK;
}

static int ss_sync(void *instance) {
    store_t *s = instance;
    if (s == NULL)
        return BL_EINVAL;
    return commit(s);
}

static const bl_store_ops_t ops = {
    sizeof(bl_store_ops_t),
    ss_create,
    ss_deposit,
    ss_move,
    ss_retrieve,
    ss_dispose,
    ss_get,
    ss_list,
    ss_verify,
    ss_sync,
    ss_destroy,
};

static const bl_plugin_t descriptor = {
    BL_PLUGIN_HEADER(BL_KIND_STORE, BL_FLAG_DETERMINISTIC, "borderlab.sqlite_store",
                     "SQLite seizure store", "borderlab", "0.1.0"),
    NULL,
    NULL,
    &ops,
};

BL_PLUGIN_DEFINE_ENTRY(descriptor)
