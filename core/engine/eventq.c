/*
 * The event list: see eventq.h.
 *
 * The heap is 4-ary rather than binary: an event is 32 bytes, so the four
 * children of a node fill two cache lines and a sift-down touches half as
 * many levels.  Sifts move a hole instead of swapping, and the (time, seq)
 * comparison is written out inline: this is the engine's hot path.
 */
#include "engine/eventq.h"

#include <stdlib.h>

#include "base/error.h"

#define ARITY 4

/* True when a must come out before b.  seq is unique, so this is a strict
 * total order and equal times pop in scheduling order. */
static inline int before(const bl_event_t *a, const bl_event_t *b) {
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

int bl_eventq_init(bl_eventq_t *q, size_t initial_capacity) {
    if (initial_capacity < 16)
        initial_capacity = 16;
    q->heap = malloc(initial_capacity * sizeof *q->heap);
    if (q->heap == NULL) {
        q->capacity = 0;
        q->count = 0;
        q->next_seq = 0;
        return BL_ENOMEM;
    }
    q->capacity = initial_capacity;
    q->count = 0;
    q->next_seq = 0;
    return 0;
}

void bl_eventq_fini(bl_eventq_t *q) {
    free(q->heap);
    q->heap = NULL;
    q->count = 0;
    q->capacity = 0;
}

static int grow(bl_eventq_t *q) {
    size_t cap = q->capacity ? q->capacity * 2 : 16;
    bl_event_t *h = realloc(q->heap, cap * sizeof *h);
    if (h == NULL)
        return BL_ENOMEM;
    q->heap = h;
    q->capacity = cap;
    return 0;
}

int bl_eventq_push(bl_eventq_t *q, double time, uint32_t type, uint32_t target, uint64_t entity) {
    if (q->count == q->capacity && grow(q) != 0)
        return BL_ENOMEM;
    bl_event_t ev = {time, q->next_seq++, type, target, entity};
    bl_event_t *h = q->heap;
    size_t i = q->count++;
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (!before(&ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = ev;
    return 0;
}

int bl_eventq_pop(bl_eventq_t *q, bl_event_t *ev) {
    if (q->count == 0)
        return 1;
    bl_event_t *h = q->heap;
    *ev = h[0];
    size_t n = --q->count;
    if (n == 0)
        return 0;
    /* Sift the last event down from the root. */
    bl_event_t last = h[n];
    size_t i = 0;
    for (;;) {
        size_t c = i * ARITY + 1;
        if (c >= n)
            break;
        size_t best = c;
        size_t end = c + ARITY < n ? c + ARITY : n;
        for (size_t k = c + 1; k < end; k++)
            if (before(&h[k], &h[best]))
                best = k;
        if (!before(&h[best], &last))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
    return 0;
}
