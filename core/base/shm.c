/* Shared memory for plugin host processes: see shm.h. */
#include "base/shm.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define ALIGN 64

typedef struct region {
    uint64_t id;
    int fd;
    unsigned char *base;
    size_t size, used;
    size_t live; /* allocations not yet freed */
} region_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static region_t *regions;
static size_t n_regions, cap_regions;
static uint64_t next_id = 1;
/* The region being filled (by id: the array moves as it grows). */
static uint64_t filling_id;

static region_t *region_by_id(uint64_t id) {
    for (size_t i = 0; i < n_regions; i++)
        if (regions[i].id == id)
            return &regions[i];
    return NULL;
}

static region_t *region_of(const void *p) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n_regions; i++)
        if (c >= regions[i].base && c < regions[i].base + regions[i].size)
            return &regions[i];
    return NULL;
}

/* A new region of size bytes, or NULL (no memfd, no memory). */
static region_t *region_new(size_t size) {
    if (n_regions == cap_regions) {
        size_t cap = cap_regions ? 2 * cap_regions : 8;
        region_t *grown = realloc(regions, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        regions = grown;
        cap_regions = cap;
    }
    int fd = memfd_create("borderlab-shared", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return NULL;
    if (ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        return NULL;
    }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (base == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    /* From now on nobody can map it writable, nor resize it: our mapping is
     * the only writable one there will ever be. */
    (void)fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
    region_t *r = &regions[n_regions++];
    r->id = next_id++;
    r->fd = fd;
    r->base = base;
    r->size = size;
    r->used = 0;
    r->live = 0;
    return r;
}

static void region_drop(region_t *r) {
    munmap(r->base, r->size);
    close(r->fd);
    *r = regions[--n_regions];
}

void *bl_shm_alloc(size_t size) {
    if (size == 0)
        size = 1;
    size_t need = (size + ALIGN - 1) / ALIGN * ALIGN;
    if (need < size)
        return NULL;
    void *p = NULL;
    pthread_mutex_lock(&lock);
    region_t *r = need > BL_SHM_REGION_BYTES / 4 ? NULL : region_by_id(filling_id);
    if (need > BL_SHM_REGION_BYTES / 4) {
        r = region_new(need); /* a region of its own */
    } else if (r == NULL || r->size - r->used < need) {
        if (r != NULL && r->live == 0) /* full and unused: let it go */
            region_drop(r);
        r = region_new(BL_SHM_REGION_BYTES);
        filling_id = r != NULL ? r->id : 0;
    }
    if (r != NULL) {
        p = r->base + r->used;
        r->used += need;
        r->live++;
    }
    pthread_mutex_unlock(&lock);
    return p != NULL ? p : aligned_alloc(ALIGN, need);
}

void bl_shm_free(void *p) {
    if (p == NULL)
        return;
    pthread_mutex_lock(&lock);
    region_t *r = region_of(p);
    if (r != NULL) {
        if (--r->live == 0) {
            if (r->id == filling_id)
                r->used = 0; /* empty: fill it again from the start */
            else
                region_drop(r);
        }
    }
    pthread_mutex_unlock(&lock);
    if (r == NULL)
        free(p);
}

bool bl_shm_find(const void *p, size_t len, bl_shm_ref_t *ref) {
    bool found = false;
    pthread_mutex_lock(&lock);
    region_t *r = p != NULL ? region_of(p) : NULL;
    if (r != NULL) {
        size_t off = (size_t)((const unsigned char *)p - r->base);
        if (len <= r->size - off) {
            ref->region = r->id;
            ref->fd = r->fd;
            ref->region_size = r->size;
            ref->offset = off;
            found = true;
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}
