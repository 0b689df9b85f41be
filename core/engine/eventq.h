/*
 * The event list: a binary min-heap ordered by (time, sequence number).
 * The sequence number is assigned at scheduling, so events at equal times
 * come out in the order they were scheduled and a run is deterministic.
 */
#ifndef BL_EVENTQ_H
#define BL_EVENTQ_H

#include <stddef.h>
#include <stdint.h>

typedef struct bl_event {
    double time;
    uint64_t seq;
    uint32_t type;   /* engine-defined */
    uint32_t target; /* engine-defined: station index... */
    uint64_t entity; /* engine-defined: entity slot... */
} bl_event_t;

typedef struct bl_eventq {
    bl_event_t *heap; /* owned */
    size_t count;
    size_t capacity;
    uint64_t next_seq;
} bl_eventq_t;

int bl_eventq_init(bl_eventq_t *q, size_t initial_capacity);
void bl_eventq_fini(bl_eventq_t *q);

/* Schedule an event (its seq is assigned here).  Returns BL_ENOMEM on
 * allocation failure. */
int bl_eventq_push(bl_eventq_t *q, double time, uint32_t type, uint32_t target, uint64_t entity);

/* Remove the earliest event into *ev; returns 0, or 1 when empty. */
int bl_eventq_pop(bl_eventq_t *q, bl_event_t *ev);

static inline size_t bl_eventq_size(const bl_eventq_t *q) { return q->count; }

#endif
