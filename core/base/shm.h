/*
 * Memory the host shares with its plugin host processes.
 *
 * An isolated plugin (plugin/isolated.h) runs in a child process that must
 * see the scans and records it is given without a copy per call (a batch of
 * 16 scans at 512 x 512 is 32 MB) and without being able to change them.
 * So the buffers the host fills for plugins (scan pixels, staging areas)
 * come from here: anonymous files (memfd) mapped read-write in this process,
 * sealed with F_SEAL_FUTURE_WRITE so that any later mapping, the child's
 * included, can only be read-only.  bl_shm_find tells which file and offset
 * a pointer lies in, so the isolation layer can pass the file to a child
 * once and then name data by offset.
 *
 * Allocations are carved from regions of BL_SHM_REGION_BYTES (bigger ones
 * get a region of their own); a region is unmapped when its last
 * allocation is freed and it is not the one being filled.  Region ids are
 * never reused in a process, so a child may cache its mappings by id.
 * Thread-safe.  When memfd is unavailable the allocator falls back to
 * malloc and bl_shm_find reports "not shared" (the isolation layer then
 * copies into its own staging area).
 */
#ifndef BL_SHM_H
#define BL_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_SHM_REGION_BYTES ((size_t)64 << 20)

/* Where a shared pointer lives: region id, its file (owned by this module:
 * do not close it), its size and the offset of the pointer in it. */
typedef struct bl_shm_ref {
    uint64_t region;
    int fd;
    size_t region_size;
    size_t offset;
} bl_shm_ref_t;

/* size bytes (64-byte aligned, not zeroed), or NULL when memory runs out.
 * Free with bl_shm_free. */
void *bl_shm_alloc(size_t size);

/* Release p (NULL is ignored).  p must come from bl_shm_alloc. */
void bl_shm_free(void *p);

/* Whether [p, p + len) lies inside one shared region; fills *ref when so. */
bool bl_shm_find(const void *p, size_t len, bl_shm_ref_t *ref);

#endif
