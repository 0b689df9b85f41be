/*
 * What borderlab and a plugin host process (borderlab-plugin-host, the
 * child that runs one isolated plugin: plugin/isolated.h) say to each
 * other.  Both sides are built from this header in the same build, so the
 * layout is not an ABI: it only has to agree with itself.
 *
 * Control goes over a SOCK_SEQPACKET socket pair (one message per
 * request, one per reply, message boundaries kept, EOF when the child
 * dies); data goes through shared memory (base/shm.h): the parent names a
 * region by id and attaches its file descriptor (SCM_RIGHTS) the first time
 * the child needs it.  Regions the parent fills are sealed read-only for
 * the child; the one output region of a child (detections, scores, ids) is
 * writable by the child and mapped read-only by the parent, which checks
 * what it finds there before using it.
 *
 * Every request carries the instance's RNG state and the simulated clock;
 * every reply returns the RNG state, so the plugin draws the same stream
 * as it would in-process, and a child restarted after a crash goes on from
 * the state of the last call that succeeded.
 */
#ifndef BL_HOST_PROTOCOL_H
#define BL_HOST_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "borderlab/plugin.h"

/* The child's control socket is this descriptor (the parent dups it there). */
#define BL_HOST_CONTROL_FD 3
/* Largest message either way (requests and replies). */
#define BL_HOST_MESSAGE_MAX ((size_t)64 << 10)
/* Descriptors attached to one request at most. */
#define BL_HOST_FDS_MAX 8

typedef enum bl_host_op {
    BL_HOST_LOAD = 1,    /* payload: expected kind (uint32), path\0 */
    BL_HOST_CREATE = 2,  /* payload: n (uint32), then n key\0value\0 */
    BL_HOST_DESTROY = 3, /* instance */
    BL_HOST_DETECT = 4,  /* payload: bl_host_detect_t, n bl_host_scan_t */
    BL_HOST_SCORE = 5,   /* payload: bl_host_score_t */
    BL_HOST_STORE = 6,   /* payload: bl_host_store_t (+ items) */
    BL_HOST_MAP = 7      /* map the attached regions; nothing else */
} bl_host_op_t;

/* A region attached to this request: the i-th SCM_RIGHTS descriptor. */
typedef struct bl_host_region {
    uint64_t id;
    uint64_t size;
    uint32_t writable; /* the child's output region */
    uint32_t reserved;
} bl_host_region_t;

typedef struct bl_host_request {
    uint32_t op;       /* bl_host_op_t */
    uint32_t instance; /* index in the child's instance table */
    uint32_t n_regions;
    uint32_t payload; /* bytes after this header */
    uint64_t rng[4];
    double clock;
    bl_host_region_t regions[BL_HOST_FDS_MAX];
} bl_host_request_t;

typedef struct bl_host_reply {
    int32_t rc;
    uint32_t payload; /* bytes after this header */
    uint64_t count;   /* detect: out->count as the plugin left it; list: n_out */
    uint64_t rng[4];
    uint64_t max_rss_kb; /* the child's peak resident memory so far */
} bl_host_reply_t;

/* LOAD reply payload: the descriptor as the child's loader validated it,
 * or (rc != 0) the loader's message in `text`. */
typedef struct bl_host_loaded {
    uint32_t kind, flags, abi_major, abi_minor;
    char id[128], name[128], vendor[128], version[64];
    char sandbox[256]; /* what the child's sandbox is (bl_sandbox_report_t) */
    char text[1024];
} bl_host_loaded_t;

/* A place in shared memory: region id and offset (region 0: none). */
typedef struct bl_host_ptr {
    uint64_t region;
    uint64_t offset;
} bl_host_ptr_t;

typedef struct bl_host_scan {
    uint32_t width, height, depth, energies;
    double pixel_mm;
    uint64_t id;
    bl_host_ptr_t low, high;
} bl_host_scan_t;

typedef struct bl_host_detect {
    uint64_t out_region; /* the child's output region */
    uint64_t capacity;   /* detections that fit */
    uint32_t n;          /* scans that follow */
    uint32_t reserved;
} bl_host_detect_t;

/* A record batch staged in shared memory: n_columns bl_host_column_t at
 * `columns`, each with its name, values and categories in the same region. */
typedef struct bl_host_column {
    uint64_t name; /* offset of the NUL-terminated name */
    uint32_t type; /* bl_column_type_t */
    uint32_t n_categories;
    uint64_t values;     /* numeric: n_rows doubles; else n_rows int32 codes */
    uint64_t categories; /* n_categories uint64 offsets of NUL-terminated labels */
} bl_host_column_t;

typedef struct bl_host_score {
    uint64_t batch_region; /* the staged batch */
    uint64_t columns;      /* offset of the column table */
    uint64_t n_rows;
    uint32_t n_columns;
    uint32_t want_reasons;
    uint64_t first, n;
    uint64_t out_region; /* n doubles, then n bl_reason_t when wanted */
} bl_host_score_t;

typedef enum bl_host_store_verb {
    BL_STORE_VERB_DEPOSIT = 1,
    BL_STORE_VERB_MOVE,
    BL_STORE_VERB_RETRIEVE,
    BL_STORE_VERB_DISPOSE,
    BL_STORE_VERB_GET,
    BL_STORE_VERB_LIST,
    BL_STORE_VERB_VERIFY,
    BL_STORE_VERB_SYNC
} bl_host_store_verb_t;

/* Store verbs: the arguments; deposit's items follow (n of them); get's
 * item and verify's report come back as the reply's payload; list's ids go
 * to the output region. */
typedef struct bl_host_store {
    uint32_t verb;
    uint32_t purpose;
    uint64_t id;
    uint64_t n; /* deposit: items; list: capacity */
    double time;
    uint64_t out_region;
    char text1[BL_STORE_TEXT]; /* location / case_id */
    char text2[BL_STORE_TEXT]; /* officer / location */
    uint8_t has1, has2;        /* list: NULL is "any" */
    uint8_t reserved[6];
} bl_host_store_t;

/*
 * Send one message (header bytes, then payload bytes) with fds attached;
 * 0 or -1 with errno.  Receive one into buf (cap bytes), the descriptors
 * into fds (at most BL_HOST_FDS_MAX, *n_fds set): the size, 0 at EOF, or
 * -1 with errno (EMSGSIZE when it did not fit).
 */
/*
 * Wait up to spin_s for a message on sock by asking again and again
 * instead of sleeping: a process that sleeps between two calls of a tight
 * loop pays the wake-up (about 8 us each way on a virtual machine) on every
 * call.  Returns 1 when a message (or EOF) is there, 0 when the time ran
 * out (then block in poll or recv as usual).
 */
int bl_host_spin(int sock, double spin_s);

/* How long both sides spin before they sleep. */
#define BL_HOST_SPIN_SECONDS 100e-6

int bl_host_send(int sock, const void *head, size_t head_len, const void *payload,
                 size_t payload_len, const int *fds, size_t n_fds);
long bl_host_recv(int sock, void *buf, size_t cap, int *fds, size_t *n_fds);

#endif
