/*
 * Storage locations of a seizure store: rooms hold shelves, shelves hold
 * bins, every bin has a capacity in volume units and the threat classes it
 * may hold.  An allocation policy picks a bin for a seizure of a class and
 * a volume; the module tracks occupancy per bin and, per seized item, the
 * bin the records say it is in and the bin it is really in (a move may
 * misplace it), so an inventory scan (as an RFID reader walking every bin
 * would do) finds exactly the items whose record is wrong.
 *
 * Occupancy follows the records: the space an item takes is counted in the
 * bin the system believes it is in, which is what the allocator can know.
 * An inventory scan corrects the records and moves the space with them,
 * even into a bin that is then over its capacity (the misplaced item really
 * is there), so utilisation may exceed 1 after a scan until items leave.
 *
 * Not thread-safe: callers serialise (store_soak.c holds one mutex).
 */
#ifndef BL_STORAGE_H
#define BL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "borderlab/plugin.h"

/* Simulated handling times (seconds) of bl_storage_retrieve_time. */
#define BL_STORAGE_FETCH_BASE 60.0  /* walk in, sign out, walk back */
#define BL_STORAGE_FETCH_SHELF 10.0 /* per shelf from the room's door */
#define BL_STORAGE_FETCH_BIN 2.0    /* per bin along a shelf, and per bin searched */
#define BL_STORAGE_FETCH_ROOM 600.0 /* a misplaced item found in another room */

typedef enum bl_storage_policy {
    BL_STORAGE_FIRST_FIT = 1, /* the first bin in layout order that fits */
    BL_STORAGE_BEST_FIT = 2,  /* the fitting bin left with the least free space */
    BL_STORAGE_BY_CLASS = 3   /* the fitting bin allowing the fewest classes (dedicated
                                 rooms first), then layout order */
} bl_storage_policy_t;

/* One room of a layout: shelves x bins, each bin of the same capacity and
 * allowed classes. */
typedef struct bl_storage_room {
    char *name;       /* owned; bins are named "<room>/s<shelf>/b<bin>" from 1 */
    unsigned shelves; /* >= 1 */
    unsigned bins;    /* per shelf, >= 1 */
    double capacity;  /* per bin, volume units, > 0 */
    uint32_t classes; /* bit (1 << bl_threat_class_t) per allowed class; != 0 */
} bl_storage_room_t;

typedef struct bl_storage_layout {
    size_t n_rooms;
    bl_storage_room_t *rooms; /* owned */
} bl_storage_layout_t;

/* Release what the layout owns (safe on a zeroed struct). */
void bl_storage_layout_free_contents(bl_storage_layout_t *l);

/* "first_fit", "best_fit", "by_class" <-> bl_storage_policy_t (0 when unknown). */
int bl_storage_policy_parse(const char *name);
const char *bl_storage_policy_name(int policy);

typedef struct bl_storage_bin {
    char name[BL_STORE_TEXT];
    uint32_t room, shelf, slot; /* 0-based */
    uint32_t classes;
    double capacity, used;
    uint64_t items; /* items recorded in the bin */
} bl_storage_bin_t;

/* One item whose recorded bin is not where it really is. */
typedef struct bl_storage_discrepancy {
    uint64_t id;
    size_t recorded_bin, true_bin;
} bl_storage_discrepancy_t;

typedef struct bl_storage_item bl_storage_item_t;

typedef struct bl_storage {
    bl_storage_bin_t *bins;
    size_t n_bins;
    double capacity; /* all bins */
    double used;     /* all bins */
    bl_storage_item_t *items;
    size_t n_items, cap_items;
    size_t *index; /* open addressing: id -> items index + 1 (0 empty) */
    size_t index_cap;
    uint64_t misplaced; /* items whose record is wrong now */
} bl_storage_t;

/* Build the bins of layout (borrowed) into s.  Returns 0, BL_EINVAL (an
 * empty room, capacity <= 0, no classes, a name too long) or BL_ENOMEM. */
int bl_storage_init(bl_storage_t *s, const bl_storage_layout_t *layout, bl_error_t *err);
void bl_storage_fini(bl_storage_t *s);

/*
 * Pick a bin for an item of class threat taking volume units under policy
 * and reserve the space there (*bin_out: index into s->bins).  Returns 0;
 * BL_EINVAL when no bin of the layout allows the class or volume is not >
 * 0 or exceeds every bin's capacity; BL_ENOSPC when such bins exist but
 * none has room.  err says which and what to do.
 */
int bl_storage_allocate(bl_storage_t *s, int policy, uint32_t threat, double volume,
                        size_t *bin_out, bl_error_t *err);

/* Give back space bl_storage_allocate reserved (the deposit failed). */
void bl_storage_unreserve(bl_storage_t *s, size_t bin, double volume);

/* Record item id (class, volume) as placed in bin, whose space was
 * reserved by bl_storage_allocate.  Returns 0, BL_EINVAL (id already
 * tracked) or BL_ENOMEM. */
int bl_storage_track(bl_storage_t *s, uint64_t id, size_t bin, uint32_t threat, double volume);

/*
 * Item id moved: the records say to_bin (space reserved there by
 * bl_storage_allocate), the item really went to true_bin (== to_bin unless
 * misplaced).  The space leaves the old recorded bin.  Returns 0 or
 * BL_ENOTFOUND.
 */
int bl_storage_move(bl_storage_t *s, uint64_t id, size_t to_bin, size_t true_bin);

/* Item id left storage (retrieved or disposed): its space is freed.
 * Returns 0 or BL_ENOTFOUND. */
int bl_storage_remove(bl_storage_t *s, uint64_t id);

/* Recorded and true bin, class and volume of a tracked item (any out may
 * be NULL).  Returns 0 or BL_ENOTFOUND. */
int bl_storage_locate(const bl_storage_t *s, uint64_t id, size_t *recorded_bin, size_t *true_bin,
                      uint32_t *threat, double *volume);

/* Space used / capacity: 0..1, above 1 only when a scan found misplaced
 * items in bins that were already full. */
double bl_storage_utilisation(const bl_storage_t *s);

/*
 * Simulated seconds to fetch item id: FETCH_BASE + FETCH_SHELF per shelf
 * from the door + FETCH_BIN per bin along the shelf of its true bin; when
 * misplaced, plus a search of the recorded room (FETCH_BIN per bin) and
 * FETCH_ROOM when it is in another room.  NaN when id is not tracked.
 */
double bl_storage_retrieve_time(const bl_storage_t *s, uint64_t id);

/*
 * Scan every bin and list the items found in a bin other than the recorded
 * one, bin by bin in layout order, into out[0..capacity-1] (out may be NULL
 * when capacity is 0); *found is the total, which may exceed capacity.
 * With correct, the records (and their space) are set to where the items
 * really are.  Returns 0.
 */
int bl_storage_inventory(bl_storage_t *s, bool correct, bl_storage_discrepancy_t *out,
                         size_t capacity, size_t *found);

#endif
