/* Storage locations, allocation and inventory: see storage.h. */
#include "jobs/store/storage.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/scan.h"

struct bl_storage_item {
    uint64_t id;
    uint32_t threat;
    bool active; /* in storage (not retrieved or disposed) */
    double volume;
    size_t recorded_bin, true_bin;
};

void bl_storage_layout_free_contents(bl_storage_layout_t *l) {
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n_rooms; i++)
        free(l->rooms[i].name);
    free(l->rooms);
    memset(l, 0, sizeof *l);
}

int bl_storage_policy_parse(const char *name) {
    if (name == NULL)
        return 0;
    for (int p = BL_STORAGE_FIRST_FIT; p <= BL_STORAGE_BY_CLASS; p++)
        if (strcmp(name, bl_storage_policy_name(p)) == 0)
            return p;
    return 0;
}

const char *bl_storage_policy_name(int policy) {
    switch (policy) {
    case BL_STORAGE_FIRST_FIT:
        return "first_fit";
    case BL_STORAGE_BEST_FIT:
        return "best_fit";
    case BL_STORAGE_BY_CLASS:
        return "by_class";
    default:
        return "unknown";
    }
}

static unsigned popcount32(uint32_t v) {
    unsigned n = 0;
    for (; v != 0; v &= v - 1)
        n++;
    return n;
}

int bl_storage_init(bl_storage_t *s, const bl_storage_layout_t *layout, bl_error_t *err) {
    memset(s, 0, sizeof *s);
    size_t n = 0;
    if (layout == NULL || layout->n_rooms == 0)
        return bl_error_set(err, BL_EINVAL, "storage layout: no rooms: give at least one room");
    for (size_t r = 0; r < layout->n_rooms; r++) {
        const bl_storage_room_t *room = &layout->rooms[r];
        const char *name = room->name ? room->name : "";
        if (room->shelves == 0 || room->bins == 0)
            return bl_error_set(err, BL_EINVAL,
                                "storage layout: room '%s' has no bins: give shelves >= 1 and "
                                "bins >= 1",
                                name);
        if (!(room->capacity > 0) || !isfinite(room->capacity))
            return bl_error_set(err, BL_EINVAL,
                                "storage layout: room '%s': capacity must be > 0 volume units",
                                name);
        if ((room->classes & ~((1u << BL_THREAT_CLASS_COUNT) - 2u)) != 0 || room->classes == 0)
            return bl_error_set(err, BL_EINVAL,
                                "storage layout: room '%s': give the threat classes its bins may "
                                "hold",
                                name);
        if (strlen(name) + 24 >= BL_STORE_TEXT || name[0] == '\0')
            return bl_error_set(err, BL_EINVAL,
                                "storage layout: room name '%s' is empty or longer than %d "
                                "characters",
                                name, BL_STORE_TEXT - 25);
        n += (size_t)room->shelves * room->bins;
    }
    s->bins = calloc(n, sizeof *s->bins);
    if (s->bins == NULL)
        return bl_error_set(err, BL_ENOMEM, "storage layout: out of memory for %zu bins", n);
    for (size_t r = 0; r < layout->n_rooms; r++) {
        const bl_storage_room_t *room = &layout->rooms[r];
        for (unsigned sh = 0; sh < room->shelves; sh++)
            for (unsigned b = 0; b < room->bins; b++) {
                bl_storage_bin_t *bin = &s->bins[s->n_bins++];
                snprintf(bin->name, sizeof bin->name, "%s/s%u/b%u", room->name, sh + 1, b + 1);
                bin->room = (uint32_t)r;
                bin->shelf = sh;
                bin->slot = b;
                bin->classes = room->classes;
                bin->capacity = room->capacity;
                s->capacity += room->capacity;
            }
    }
    return 0;
}

void bl_storage_fini(bl_storage_t *s) {
    if (s == NULL)
        return;
    free(s->bins);
    free(s->items);
    free(s->index);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------ allocation */

int bl_storage_allocate(bl_storage_t *s, int policy, uint32_t threat, double volume,
                        size_t *bin_out, bl_error_t *err) {
    const char *cls = threat < BL_THREAT_CLASS_COUNT ? bl_threat_name(threat) : "?";
    if (!(volume > 0) || !isfinite(volume))
        return bl_error_set(err, BL_EINVAL, "storage: volume must be > 0 (got %g)", volume);
    if (threat == 0 || threat >= BL_THREAT_CLASS_COUNT)
        return bl_error_set(err, BL_EINVAL, "storage: %u is not a threat class", threat);
    size_t best = SIZE_MAX, allowed = 0, big_enough = 0;
    double best_key = INFINITY;
    for (size_t i = 0; i < s->n_bins; i++) {
        const bl_storage_bin_t *b = &s->bins[i];
        if ((b->classes & (1u << threat)) == 0)
            continue;
        allowed++;
        if (b->capacity < volume)
            continue;
        big_enough++;
        double free_space = b->capacity - b->used;
        if (free_space + 1e-9 < volume)
            continue;
        double key;
        if (policy == BL_STORAGE_BEST_FIT)
            key = free_space - volume;
        else if (policy == BL_STORAGE_BY_CLASS)
            key = popcount32(b->classes);
        else
            key = 0;
        if (key < best_key) {
            best_key = key;
            best = i;
            if (policy == BL_STORAGE_FIRST_FIT)
                break;
        }
    }
    if (policy != BL_STORAGE_FIRST_FIT && policy != BL_STORAGE_BEST_FIT &&
        policy != BL_STORAGE_BY_CLASS)
        return bl_error_set(err, BL_EINVAL,
                            "storage: unknown allocation policy %d (first_fit, best_fit, by_class)",
                            policy);
    if (allowed == 0)
        return bl_error_set(err, BL_EINVAL,
                            "storage: no bin of the layout may hold %s: add it to a room's classes",
                            cls);
    if (big_enough == 0)
        return bl_error_set(err, BL_EINVAL,
                            "storage: a %s seizure of %g volume units is larger than every bin "
                            "that may hold it",
                            cls, volume);
    if (best == SIZE_MAX)
        return bl_error_set(err, BL_ENOSPC,
                            "storage: no room for a %s seizure of %g volume units: the %zu bins "
                            "that may hold %s are full (utilisation %.1f%%)",
                            cls, volume, allowed, cls, 100 * bl_storage_utilisation(s));
    s->bins[best].used += volume;
    s->used += volume;
    *bin_out = best;
    return 0;
}

void bl_storage_unreserve(bl_storage_t *s, size_t bin, double volume) {
    if (bin >= s->n_bins)
        return;
    s->bins[bin].used -= volume;
    s->used -= volume;
    if (s->bins[bin].used < 0)
        s->bins[bin].used = 0;
    if (s->used < 0)
        s->used = 0;
}

/* ------------------------------------------------------------------ item index */

static size_t hash_id(uint64_t id, size_t cap) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id & (cap - 1);
}

static bl_storage_item_t *lookup(const bl_storage_t *s, uint64_t id) {
    if (s->index_cap == 0)
        return NULL;
    for (size_t h = hash_id(id, s->index_cap);; h = (h + 1) & (s->index_cap - 1)) {
        size_t v = s->index[h];
        if (v == 0)
            return NULL;
        if (s->items[v - 1].id == id)
            return &s->items[v - 1];
    }
}

static void index_put(bl_storage_t *s, uint64_t id, size_t at) {
    size_t h = hash_id(id, s->index_cap);
    while (s->index[h] != 0)
        h = (h + 1) & (s->index_cap - 1);
    s->index[h] = at + 1;
}

static int grow(bl_storage_t *s) {
    if (s->n_items == s->cap_items) {
        size_t ncap = s->cap_items ? 2 * s->cap_items : 256;
        bl_storage_item_t *p = realloc(s->items, ncap * sizeof *p);
        if (p == NULL)
            return BL_ENOMEM;
        s->items = p;
        s->cap_items = ncap;
    }
    if (2 * (s->n_items + 1) > s->index_cap) {
        size_t ncap = s->index_cap ? 2 * s->index_cap : 512;
        size_t *idx = calloc(ncap, sizeof *idx);
        if (idx == NULL)
            return BL_ENOMEM;
        free(s->index);
        s->index = idx;
        s->index_cap = ncap;
        for (size_t i = 0; i < s->n_items; i++)
            index_put(s, s->items[i].id, i);
    }
    return 0;
}

int bl_storage_track(bl_storage_t *s, uint64_t id, size_t bin, uint32_t threat, double volume) {
    if (bin >= s->n_bins || lookup(s, id) != NULL)
        return BL_EINVAL;
    if (grow(s) != 0)
        return BL_ENOMEM;
    bl_storage_item_t *it = &s->items[s->n_items];
    *it = (bl_storage_item_t){id, threat, true, volume, bin, bin};
    index_put(s, id, s->n_items++);
    s->bins[bin].items++;
    return 0;
}

static bl_storage_item_t *active(const bl_storage_t *s, uint64_t id) {
    bl_storage_item_t *it = lookup(s, id);
    return it != NULL && it->active ? it : NULL;
}

int bl_storage_move(bl_storage_t *s, uint64_t id, size_t to_bin, size_t true_bin) {
    bl_storage_item_t *it = active(s, id);
    if (it == NULL || to_bin >= s->n_bins || true_bin >= s->n_bins)
        return BL_ENOTFOUND;
    bool was = it->recorded_bin != it->true_bin, now = to_bin != true_bin;
    s->misplaced += (uint64_t)now - (uint64_t)was;
    bl_storage_unreserve(s, it->recorded_bin, it->volume);
    s->bins[it->recorded_bin].items--;
    s->bins[to_bin].items++;
    it->recorded_bin = to_bin;
    it->true_bin = true_bin;
    return 0;
}

int bl_storage_remove(bl_storage_t *s, uint64_t id) {
    bl_storage_item_t *it = active(s, id);
    if (it == NULL)
        return BL_ENOTFOUND;
    if (it->recorded_bin != it->true_bin)
        s->misplaced--;
    bl_storage_unreserve(s, it->recorded_bin, it->volume);
    s->bins[it->recorded_bin].items--;
    it->active = false;
    return 0;
}

int bl_storage_locate(const bl_storage_t *s, uint64_t id, size_t *recorded_bin, size_t *true_bin,
                      uint32_t *threat, double *volume) {
    const bl_storage_item_t *it = active(s, id);
    if (it == NULL)
        return BL_ENOTFOUND;
    if (recorded_bin)
        *recorded_bin = it->recorded_bin;
    if (true_bin)
        *true_bin = it->true_bin;
    if (threat)
        *threat = it->threat;
    if (volume)
        *volume = it->volume;
    return 0;
}

double bl_storage_utilisation(const bl_storage_t *s) {
    return s->capacity > 0 ? s->used / s->capacity : 0;
}

double bl_storage_retrieve_time(const bl_storage_t *s, uint64_t id) {
    const bl_storage_item_t *it = active(s, id);
    if (it == NULL)
        return NAN;
    const bl_storage_bin_t *t = &s->bins[it->true_bin];
    double time =
        BL_STORAGE_FETCH_BASE + BL_STORAGE_FETCH_SHELF * t->shelf + BL_STORAGE_FETCH_BIN * t->slot;
    if (it->recorded_bin != it->true_bin) {
        const bl_storage_bin_t *r = &s->bins[it->recorded_bin];
        size_t room_bins = 0;
        for (size_t i = 0; i < s->n_bins; i++)
            room_bins += s->bins[i].room == r->room;
        time += BL_STORAGE_FETCH_BIN * (double)room_bins;
        if (r->room != t->room)
            time += BL_STORAGE_FETCH_ROOM;
    }
    return time;
}

/* ------------------------------------------------------------------ inventory */

static int by_true_bin(const void *a, const void *b) {
    const bl_storage_discrepancy_t *x = a, *y = b;
    if (x->true_bin != y->true_bin)
        return x->true_bin < y->true_bin ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int bl_storage_inventory(bl_storage_t *s, bool correct, bl_storage_discrepancy_t *out,
                         size_t capacity, size_t *found) {
    size_t n = 0;
    for (size_t i = 0; i < s->n_items; i++) {
        bl_storage_item_t *it = &s->items[i];
        if (!it->active || it->recorded_bin == it->true_bin)
            continue;
        if (n < capacity)
            out[n] = (bl_storage_discrepancy_t){it->id, it->recorded_bin, it->true_bin};
        n++;
        if (correct) {
            bl_storage_unreserve(s, it->recorded_bin, it->volume);
            s->bins[it->recorded_bin].items--;
            s->bins[it->true_bin].used += it->volume;
            s->bins[it->true_bin].items++;
            s->used += it->volume;
            it->recorded_bin = it->true_bin;
            s->misplaced--;
        }
    }
    if (out != NULL)
        qsort(out, n < capacity ? n : capacity, sizeof *out, by_true_bin);
    *found = n;
    return 0;
}
