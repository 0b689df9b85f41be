/*
 * borderlab plugin ABI, version 1.
 *
 * This is the only header a plugin needs (it includes the kind headers).
 * A plugin is a shared object that exports exactly one symbol,
 * BL_PLUGIN_ENTRY_NAME, of type bl_plugin_entry_fn.  The host calls it once
 * after dlopen() with the ABI major it speaks and its services table; the
 * plugin returns a pointer to a constant descriptor (static storage, never
 * freed, never modified) or NULL when it cannot serve that ABI major.
 *
 * Compatibility rules:
 *   - bl_plugin_header_t is never reordered; fields are only appended to the
 *     descriptor, the operation tables and the host table, and each such
 *     append bumps BL_ABI_MINOR.  Every growable struct starts with a
 *     `size` field so either side can tell which fields the other has.
 *   - Changing or removing a field bumps BL_ABI_MAJOR; the loader refuses a
 *     plugin whose major differs from the host's.
 *   - Structs passed as arrays (bl_scan_t, bl_detection_t, bl_seizure_t,
 *     bl_column_t, bl_reason_t) are frozen for a major version: their
 *     element size is part of the array stride and of BL_ABI_FINGERPRINT,
 *     so growing one is a major change.
 *
 * Ownership: everything the host passes into a plugin call is borrowed for
 * the duration of that call only; everything a plugin produces is written
 * into host-owned buffers.  No heap pointer crosses the boundary in either
 * direction except instance handles, which the plugin owns and frees in
 * destroy().
 *
 * Licence: this header is MIT-licensed so that proprietary plugins may be
 * built against it.
 */
#ifndef BORDERLAB_PLUGIN_H
#define BORDERLAB_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_ABI_MAJOR 1
#define BL_ABI_MINOR 0

/* The single exported symbol of every plugin. */
#define BL_PLUGIN_ENTRY bl_plugin_entry
#define BL_PLUGIN_ENTRY_NAME "bl_plugin_entry"

#if defined(__GNUC__)
#define BL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define BL_PLUGIN_EXPORT
#endif

/* Status codes shared by host and plugins: 0 is success, failures negative. */
enum {
    BL_OK = 0,
    BL_EINVAL = -1,     /* invalid argument or configuration */
    BL_ENOMEM = -2,     /* allocation failed */
    BL_EIO = -3,        /* file or device error */
    BL_ENOTFOUND = -4,  /* no such item, key or file */
    BL_EPLUGIN = -5,    /* a plugin misbehaved or was refused */
    BL_ELUA = -6,       /* scenario script error */
    BL_EHDF5 = -7,      /* results file error */
    BL_ESTATE = -8,     /* operation not valid in the current state */
    BL_ENOSPC = -9,     /* output buffer too small */
    BL_EINTEGRITY = -10 /* custody chain or checksum broken */
};

/* Plugin kinds. */
typedef enum bl_plugin_kind {
    BL_KIND_DETECTOR = 1,
    BL_KIND_RISK = 2,
    BL_KIND_STORE = 3
} bl_plugin_kind_t;

/* Descriptor flags. */
#define BL_FLAG_THREAD_SAFE 0x1u   /* one instance may be called from several threads */
#define BL_FLAG_DETERMINISTIC 0x2u /* same input and host RNG seed give same output */

/* Log levels for bl_host_t.log. */
enum { BL_LOG_ERROR = 0, BL_LOG_WARN = 1, BL_LOG_INFO = 2, BL_LOG_DEBUG = 3 };

/*
 * Plugin configuration: key/value strings taken from the scenario's plugin
 * reference (nested tables are flattened with dots: weights.age).  Borrowed
 * for the duration of create(); copy what you keep.
 */
typedef struct bl_config {
    size_t n;
    const char *const *keys;
    const char *const *values;
} bl_config_t;

/* Value for `key`, or NULL when absent.  Header-only so plugins need no library. */
static inline const char *bl_config_get(const bl_config_t *config, const char *key) {
    size_t i;
    if (config == NULL || key == NULL)
        return NULL;
    for (i = 0; i < config->n; i++) {
        const char *a = config->keys[i], *b = key;
        while (*a != '\0' && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b)
            return config->values[i];
    }
    return NULL;
}

/*
 * Services the host offers a plugin instance.  The table is owned by the
 * host and stays valid until the instance is destroyed.  Each instance gets
 * its own table whose RNG stream is derived from (seed, replication,
 * plugin), so a deterministic plugin that draws only from random_u64 gives
 * reproducible output.
 */
typedef struct bl_host {
    uint32_t size;      /* sizeof(bl_host_t) as the host compiled it */
    uint32_t abi_minor; /* the host's BL_ABI_MINOR */
    void *ctx;          /* opaque; pass back to every service */
    /* Allocator: like malloc/realloc/free. */
    void *(*alloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t size);
    void (*free)(void *ctx, void *ptr);
    /* Logger: message is a plain string (format it yourself). */
    void (*log)(void *ctx, int level, const char *message);
    /* RNG: 64 uniformly distributed random bits from this instance's stream. */
    uint64_t (*random_u64)(void *ctx);
    /* Simulated time in seconds at the moment of the current call. */
    double (*now)(void *ctx);
} bl_host_t;

/* Header-only conveniences for plugins (no library to link). */

/* Format a message and pass it to host->log; nothing when host or its
 * logger is NULL.  Messages longer than 255 bytes are cut. */
static inline void bl_host_logf(const bl_host_t *host, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void bl_host_logf(const bl_host_t *host, int level, const char *fmt, ...) {
    char message[256];
    va_list ap;
    if (host == NULL || host->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    host->log(host->ctx, level, message);
}

/* Parse text as a finite number with nothing after it: BL_OK and *out, or
 * BL_EINVAL (text NULL, empty, trailing characters, infinite or NaN). */
static inline int bl_parse_number(const char *text, double *out) {
    char *end;
    double v;
    if (text == NULL || *text == '\0')
        return BL_EINVAL;
    v = strtod(text, &end);
    if (*end != '\0' || v != v || v - v != 0) /* NaN or infinite */
        return BL_EINVAL;
    *out = v;
    return BL_OK;
}

/* ------------------------------------------------------------------ */
/* Detector                                                           */
/* ------------------------------------------------------------------ */

/* Threat classes a detector may report. */
typedef enum bl_threat_class {
    BL_THREAT_NONE = 0,
    BL_THREAT_FIREARM = 1,
    BL_THREAT_KNIFE = 2,
    BL_THREAT_EXPLOSIVE = 3,
    BL_THREAT_DRUGS = 4,
    BL_THREAT_CIGARETTES = 5,
    BL_THREAT_CURRENCY = 6,
    BL_THREAT_METAL = 7, /* unspecified dense metal object */
    BL_THREAT_CLASS_COUNT
} bl_threat_class_t;

/*
 * One scan: a single- or dual-energy transmission image (fraction of the
 * unattenuated beam that reached the detector, 0..1, row-major, width *
 * height floats per energy) or, when depth > 1, a CT volume of linear
 * attenuation values (width * height * depth floats in `high`).
 */
typedef struct bl_scan {
    uint32_t size; /* sizeof(bl_scan_t) as the host compiled it */
    uint32_t width;
    uint32_t height;
    uint32_t depth;    /* 1 for a projection image */
    uint32_t energies; /* 1 (single-energy: `high` only) or 2 */
    uint32_t reserved;
    double pixel_mm;   /* pixel pitch in millimetres */
    uint64_t id;       /* stable scan id within the run */
    const float *low;  /* low-energy image, NULL when energies == 1 */
    const float *high; /* high-energy image (or the single image) */
} bl_scan_t;

/* One detection; box is in pixels: x0, y0, x1, y1 with x0 < x1, y0 < y1. */
typedef struct bl_detection {
    uint32_t scan;    /* index of the scan in the batch */
    uint32_t threat;  /* bl_threat_class_t */
    float confidence; /* 0..1 */
    float box[4];
} bl_detection_t;

/* Host-owned output buffer; the plugin appends, never past capacity. */
typedef struct bl_detections {
    bl_detection_t *items;
    size_t capacity;
    size_t count;
} bl_detections_t;

typedef struct bl_detector_ops {
    uint32_t size; /* sizeof(bl_detector_ops_t) */
    /* Create an instance; *instance is owned by the plugin until destroy(). */
    int (*create)(const bl_config_t *config, const bl_host_t *host, void **instance);
    /*
     * Inspect scans[0..n-1] (borrowed) and append detections to out.  n may
     * be 0.  Returns BL_ENOSPC when out is full (what fits is kept).
     */
    int (*detect)(void *instance, const bl_scan_t *scans, size_t n, bl_detections_t *out);
    void (*destroy)(void *instance);
} bl_detector_ops_t;

/* ------------------------------------------------------------------ */
/* Risk model                                                         */
/* ------------------------------------------------------------------ */

typedef enum bl_column_type {
    BL_COLUMN_NUMERIC = 1,     /* double; NaN is missing */
    BL_COLUMN_CATEGORICAL = 2, /* int32 code into `categories`; -1 is missing */
    BL_COLUMN_IDENTIFIER = 3   /* int32 code as categorical; not a feature */
} bl_column_type_t;

typedef struct bl_column {
    const char *name;
    uint32_t type;                 /* bl_column_type_t */
    uint32_t n_categories;         /* categorical: size of `categories` */
    const double *numeric;         /* numeric: n_rows values */
    const int32_t *codes;          /* categorical/identifier: n_rows codes */
    const char *const *categories; /* categorical: code -> label */
} bl_column_t;

/* A columnar batch of records (declarations, travellers...); borrowed. */
typedef struct bl_records {
    uint32_t size; /* sizeof(bl_records_t) */
    uint32_t n_columns;
    size_t n_rows;
    const bl_column_t *columns;
} bl_records_t;

/* Optional explanation: the feature that contributed most to a score. */
typedef struct bl_reason {
    int32_t column;     /* index into records->columns, -1 when none */
    float contribution; /* in the model's own units */
} bl_reason_t;

typedef struct bl_risk_ops {
    uint32_t size; /* sizeof(bl_risk_ops_t) */
    /* The plugin resolves its features against each batch's schema (by
     * column name) when scoring; it may cache the resolution per schema. */
    int (*create)(const bl_config_t *config, const bl_host_t *host, void **instance);
    /*
     * Score rows [first, first + n) of records into scores_out[0..n-1]
     * (0..1, higher is riskier).  reasons_out may be NULL.  n may be 0.
     */
    int (*score)(void *instance, const bl_records_t *records, size_t first, size_t n,
                 double *scores_out, bl_reason_t *reasons_out);
    void (*destroy)(void *instance);
} bl_risk_ops_t;

/* ------------------------------------------------------------------ */
/* Seizure store                                                      */
/* ------------------------------------------------------------------ */

#define BL_STORE_TEXT 48 /* fixed text field size, NUL included */

typedef enum bl_seizure_state {
    BL_SEIZURE_STORED = 1,
    BL_SEIZURE_RETRIEVED = 2,
    BL_SEIZURE_DISPOSED = 3
} bl_seizure_state_t;

typedef enum bl_retrieve_purpose {
    BL_PURPOSE_COURT = 1,
    BL_PURPOSE_LAB = 2,
    BL_PURPOSE_RETURN = 3
} bl_retrieve_purpose_t;

/* A seized item as deposited (id and state are filled by the store). */
typedef struct bl_seizure {
    uint64_t id;     /* assigned by the store at deposit */
    uint32_t threat; /* bl_threat_class_t */
    uint32_t state;  /* bl_seizure_state_t */
    double quantity; /* > 0 */
    double value;    /* declared or estimated value, >= 0 */
    double time;     /* simulated seconds of the last operation */
    char case_id[BL_STORE_TEXT];
    char description[BL_STORE_TEXT];
    char unit[16];
    char officer[BL_STORE_TEXT];
    char location[BL_STORE_TEXT];
} bl_seizure_t;

/* Result of verify(): entries checked and the first bad one (0 = none). */
typedef struct bl_custody_report {
    uint64_t entries;
    uint64_t first_bad; /* 1-based index of the first entry that fails, 0 when intact */
    char reason[128];
} bl_custody_report_t;

typedef struct bl_store_ops {
    uint32_t size; /* sizeof(bl_store_ops_t) */
    int (*create)(const bl_config_t *config, const bl_host_t *host, void **instance);
    /* Deposit items[0..n-1] (borrowed); the new ids go to ids_out[0..n-1]. */
    int (*deposit)(void *instance, const bl_seizure_t *items, size_t n, uint64_t *ids_out);
    int (*move)(void *instance, uint64_t id, const char *location, const char *officer,
                double time);
    int (*retrieve)(void *instance, uint64_t id, uint32_t purpose, const char *officer,
                    double time);
    int (*dispose)(void *instance, uint64_t id, const char *officer, double time);
    /* Copy item `id` into *out (host-owned). */
    int (*get)(void *instance, uint64_t id, bl_seizure_t *out);
    /*
     * Ids of items matching case_id and/or location (NULL matches all), in
     * deposit order, into ids_out[0..capacity-1]; *n_out is the total match
     * count, which may exceed capacity.
     */
    int (*list)(void *instance, const char *case_id, const char *location, uint64_t *ids_out,
                size_t capacity, size_t *n_out);
    /* Walk the custody chain; BL_EINTEGRITY when broken (report says where). */
    int (*verify)(void *instance, bl_custody_report_t *report);
    /* Durability barrier: everything acknowledged before is durable after. */
    int (*sync)(void *instance);
    void (*destroy)(void *instance);
} bl_store_ops_t;

/* ------------------------------------------------------------------ */
/* Descriptor                                                         */
/* ------------------------------------------------------------------ */

/*
 * Type-size fingerprint, in the spirit of luaL_checkversion: a plugin built
 * with different type sizes or struct layouts than the host is refused.
 */
#define BL_ABI_FINGERPRINT                                                                         \
    ((uint32_t)(sizeof(void *) | (sizeof(size_t) << 4) | (sizeof(long) << 8) |                     \
                (sizeof(double) << 12) | ((sizeof(bl_scan_t) & 0xffu) << 16) |                     \
                ((sizeof(bl_seizure_t) & 0xffu) << 24)))

/* Fixed header: never reordered, never shrunk. */
typedef struct bl_plugin_header {
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t struct_size; /* sizeof(bl_plugin_t) as the plugin compiled it */
    uint32_t fingerprint; /* BL_ABI_FINGERPRINT */
    uint32_t kind;        /* bl_plugin_kind_t */
    uint32_t flags;       /* BL_FLAG_* */
    const char *id;       /* stable id, "vendor.product" */
    const char *name;     /* human name */
    const char *vendor;
    const char *version;
} bl_plugin_header_t;

/* The descriptor a plugin's entry returns.  Exactly one ops pointer, the
 * one for header.kind, is non-NULL. */
typedef struct bl_plugin {
    bl_plugin_header_t header;
    const bl_detector_ops_t *detector;
    const bl_risk_ops_t *risk;
    const bl_store_ops_t *store;
} bl_plugin_t;

/* Fill the header fields every plugin writes the same way. */
#define BL_PLUGIN_HEADER(kind_, flags_, id_, name_, vendor_, version_)                             \
    {                                                                                              \
        BL_ABI_MAJOR, BL_ABI_MINOR, (uint32_t)sizeof(bl_plugin_t), BL_ABI_FINGERPRINT, (kind_),    \
            (flags_), (id_), (name_), (vendor_), (version_)                                        \
    }

/* The entry point's type.  host_abi_major is the host's BL_ABI_MAJOR; host
 * is valid only during this call (the descriptor must not keep it: each
 * instance gets its own table at create()). */
typedef const bl_plugin_t *(*bl_plugin_entry_fn)(uint32_t host_abi_major, const bl_host_t *host);

/* Define the entry point for a plugin whose descriptor serves ABI major
 * BL_ABI_MAJOR only (the usual case): write BL_PLUGIN_DEFINE_ENTRY(descriptor) at file scope. */
#define BL_PLUGIN_DEFINE_ENTRY(desc)                                                           \
    BL_PLUGIN_EXPORT const bl_plugin_t *bl_plugin_entry(uint32_t host_abi_major,               \
                                                        const bl_host_t *host) {               \
        (void)host;                                                                            \
        return host_abi_major == BL_ABI_MAJOR ? &(desc) : NULL;                                \
    }

#ifdef __cplusplus
}
#endif

#endif /* BORDERLAB_PLUGIN_H */
