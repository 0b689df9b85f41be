/*
 * Plugin loader: see loader.h for the validation order.  Every refusal
 * names the file, says why and says what to do; nothing of a refused file
 * stays loaded.
 *
 * A spec or path "builtin:NAME" (builtin_plugins.h) is a plugin compiled
 * into the program: bl_plugin_resolve returns it unchanged, bl_plugin_load
 * runs steps 4..10 on its descriptor without dlopen (the handle's dl is
 * NULL and its sha256 is that of /proc/self/exe), and bl_plugin_unload
 * releases only the path.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "base/datadir.h"
#include "base/paths.h"
#include "plugin/builtin_plugins.h"
#include "plugin/loader.h"

#include <ctype.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1"
#endif

/* "0.1.0" -> "0.1": the headers a plugin must be rebuilt against. */
static const char *series(void) {
    static char buf[32];
    const char *v = PACKAGE_VERSION;
    const char *dot = strchr(v, '.');
    size_t n = strlen(v);
    if (dot != NULL && strchr(dot + 1, '.') != NULL)
        n = (size_t)(strchr(dot + 1, '.') - v);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

const char *bl_plugin_kind_name(int kind) {
    switch (kind) {
    case BL_KIND_DETECTOR:
        return "detector";
    case BL_KIND_RISK:
        return "risk model";
    case BL_KIND_STORE:
        return "seizure store";
    default:
        return "unknown";
    }
}

/* Folder name of a kind in the build tree. */
static const char *kind_folder(int kind) {
    switch (kind) {
    case BL_KIND_DETECTOR:
        return "detector";
    case BL_KIND_RISK:
        return "risk";
    case BL_KIND_STORE:
        return "store";
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------------ SHA-256 */

int bl_sha256_file(const char *path, char out[65], bl_error_t *err) {
    static const char hex[] = "0123456789abcdef";
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    int rc = BL_OK;
    EVP_MD_CTX *ctx = NULL;
    FILE *f = NULL;

    out[0] = '\0';
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                          "%s: cannot open for hashing (%s): check the path and permissions", path,
                          strerror(errno));
        goto out;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = bl_error_set(err, BL_ENOMEM, "%s: cannot start SHA-256 (libcrypto failed)", path);
        goto out;
    }
    for (;;) {
        size_t got = fread(buf, 1, sizeof buf, f);
        if (got > 0 && EVP_DigestUpdate(ctx, buf, got) != 1) {
            rc = bl_error_set(err, BL_EIO, "%s: SHA-256 update failed (libcrypto)", path);
            goto out;
        }
        if (got < sizeof buf) {
            if (ferror(f)) {
                rc =
                    bl_error_set(err, BL_EIO, "%s: read error while hashing: check the disk", path);
                goto out;
            }
            break;
        }
    }
    if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32) {
        rc = bl_error_set(err, BL_EIO, "%s: SHA-256 finalisation failed (libcrypto)", path);
        goto out;
    }
    for (unsigned i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0xf];
    }
    out[64] = '\0';
out:
    EVP_MD_CTX_free(ctx);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* ------------------------------------------------------------------ resolve */

static int readable_file(const char *path) { return access(path, R_OK) == 0; }

/* Append "path" to the list of places looked at (for the error message). */
static void note_looked(char *looked, size_t cap, const char *path) {
    size_t n = strlen(looked);
    if (n + 4 >= cap)
        return;
    snprintf(looked + n, cap - n, "%s%s", n > 0 ? ", " : "", path);
}

/* Try candidate; on a hit return it (owned by the caller), else free it. */
static char *try_candidate(char *candidate, char *looked, size_t cap) {
    if (candidate == NULL)
        return NULL;
    if (readable_file(candidate))
        return candidate;
    note_looked(looked, cap, candidate);
    free(candidate);
    return NULL;
}

/* ------------------------------------------------------------------ built-ins */

static int is_builtin(const char *spec) {
    return strncmp(spec, BL_BUILTIN_PREFIX, sizeof BL_BUILTIN_PREFIX - 1) == 0;
}

/* The descriptor spec ("builtin:NAME") names, or NULL with err set. */
static const bl_plugin_t *builtin_lookup(const char *spec, bl_error_t *err) {
    const bl_plugin_t *d = bl_builtin_plugin(spec + sizeof BL_BUILTIN_PREFIX - 1);
    if (d == NULL) {
        char list[256];
        bl_error_set(err, BL_ENOTFOUND,
                     "plugin %s: no such built-in plugin (this borderlab has %s): use one of "
                     "those, or give a plugin name or the path of a .so",
                     spec, bl_builtin_plugin_list(list, sizeof list));
    }
    return d;
}

static char *strdup_or_error(const char *s, bl_error_t *err) {
    char *copy = strdup(s);
    if (copy == NULL)
        bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", s);
    return copy;
}

char *bl_plugin_resolve(const char *spec, int kind, const char *base_dir, bl_error_t *err) {
    char looked[768] = "";
    char *found = NULL, *dir = NULL, *file = NULL;
    size_t len;

    if (spec == NULL || spec[0] == '\0') {
        bl_error_set(err, BL_EINVAL,
                     "empty plugin name: give a plugin name (dual_energy) or a path to a .so");
        return NULL;
    }
    /* "builtin:NAME" names a plugin compiled into the program: it is its
     * own path.  An unknown name is refused here, with the list. */
    if (is_builtin(spec))
        return builtin_lookup(spec, err) != NULL ? strdup_or_error(spec, err) : NULL;
    len = strlen(spec);
    if (strchr(spec, '/') != NULL || (len > 3 && strcmp(spec + len - 3, ".so") == 0)) {
        found = try_candidate(strdup(spec), looked, sizeof looked);
        if (found == NULL && base_dir != NULL && spec[0] != '/')
            found = try_candidate(bl_path_join(base_dir, spec), looked, sizeof looked);
        if (found == NULL)
            bl_error_set(err, BL_ENOTFOUND,
                         "plugin %s: no such readable file (looked at %s): check the path", spec,
                         looked);
        return found;
    }

    file = malloc(len + 4);
    if (file == NULL)
        goto nomem;
    memcpy(file, spec, len);
    memcpy(file + len, ".so", 4);

    /* 1. $BORDERLAB_PLUGIN_PATH, colon-separated. */
    const char *env = getenv("BORDERLAB_PLUGIN_PATH");
    if (env != NULL) {
        const char *p = env;
        while (found == NULL && *p != '\0') {
            const char *colon = strchr(p, ':');
            size_t n = colon != NULL ? (size_t)(colon - p) : strlen(p);
            if (n > 0) {
                char *folder = strndup(p, n);
                if (folder == NULL)
                    goto nomem;
                found = try_candidate(bl_path_join(folder, file), looked, sizeof looked);
                free(folder);
            }
            p += n;
            if (*p == ':')
                p++;
        }
    }

    /* 2. The build tree beside the running program. */
    dir = bl_datadir_program_dir();
    if (found == NULL && dir != NULL) {
        static const int kinds[] = {BL_KIND_DETECTOR, BL_KIND_RISK, BL_KIND_STORE};
        for (size_t i = 0; found == NULL && i < sizeof kinds / sizeof kinds[0]; i++) {
            if (kind != 0 && kind != kinds[i])
                continue;
            const char *kf = kind_folder(kinds[i]);
            size_t n = strlen(dir) + strlen(kf) + 2 * len + 32;
            char *candidate = malloc(n);
            if (candidate == NULL)
                goto nomem;
            snprintf(candidate, n, "%s/plugins/%s/%s/.libs/%s", dir, kf, spec, file);
            found = try_candidate(candidate, looked, sizeof looked);
        }
    }

    /* 3. The installed plugin folder beside the program (an install staged
     * with DESTDIR or moved), then 4. where configure put it (once when
     * they are the same folder). */
    const char *configured = bl_datadir_configured(BL_DATADIR_PLUGINS);
    char *relocated = found == NULL ? bl_datadir_relocated(BL_DATADIR_PLUGINS) : NULL;
    if (found == NULL && relocated != NULL)
        found = try_candidate(bl_path_join(relocated, file), looked, sizeof looked);
    if (found == NULL && (relocated == NULL || strcmp(relocated, configured) != 0))
        found = try_candidate(bl_path_join(configured, file), looked, sizeof looked);
    free(relocated);

    if (found == NULL)
        bl_error_set(err, BL_ENOTFOUND,
                     "plugin %s: not found (looked at %s): build it (make), set "
                     "BORDERLAB_PLUGIN_PATH to its folder, or give the path of the .so",
                     spec, looked);
    free(dir);
    free(file);
    return found;
nomem:
    free(dir);
    free(file);
    free(found);
    bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory while resolving", spec);
    return NULL;
}

/* ------------------------------------------------------------------ load */

/*
 * Step 2a: look at the first bytes ourselves so "not a plugin" gets a clear
 * message instead of the dynamic linker's.  Returns 0 or a BL_E code.
 */
static int check_elf(const char *path, bl_error_t *err) {
    unsigned char h[EI_NIDENT + 4];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                            "plugin %s: cannot open (%s): check the path and permissions", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: is a folder, not a shared object: give the path of the "
                            ".so inside it",
                            path);
    }
    size_t got = fread(h, 1, sizeof h, f);
    fclose(f);

    if (got == 0)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: not a shared object (the file is empty): give the path "
                            "of a .so built against borderlab-plugin",
                            path);
    if (got < SELFMAG || memcmp(h, ELFMAG, SELFMAG) != 0) {
        int text = 1;
        for (size_t i = 0; i < got && i < 16; i++)
            if (!isprint(h[i]) && !isspace(h[i]))
                text = 0;
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: not a shared object (it starts with %s, not an ELF "
                            "header): give the path of a .so built against borderlab-plugin",
                            path, text ? "text" : "other data");
    }
    if (got < sizeof h)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: not a shared object (truncated ELF header): rebuild it",
                            path);
    int want_class = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
    if (h[EI_CLASS] != want_class)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: built for %d-bit, this borderlab is %d-bit: rebuild it "
                            "for this machine",
                            path, h[EI_CLASS] == ELFCLASS64 ? 64 : 32, (int)sizeof(void *) * 8);
    /* e_type follows e_ident in both classes; read it in the file's byte order. */
    unsigned type = h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[EI_NIDENT] << 8 | h[EI_NIDENT + 1])
                                              : (unsigned)(h[EI_NIDENT] | h[EI_NIDENT + 1] << 8);
    if (type != ET_DYN)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: not a shared object (it is an ELF %s): link it with "
                            "-shared (libtool -module) against borderlab-plugin",
                            path,
                            type == ET_REL    ? "object file (.o)"
                            : type == ET_EXEC ? "executable"
                                              : "file of another type");
    return BL_OK;
}

static int nonempty(const char *s) { return s != NULL && s[0] != '\0'; }

/* Steps 4..10 on a descriptor the entry returned. */
static int check_descriptor(const bl_plugin_t *d, const char *path, int expected_kind,
                            bl_error_t *err) {
    const char *ser = series();

    if (d == NULL)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: its entry returned no descriptor for ABI major %d: it "
                            "does not support this borderlab; rebuild it against borderlab %s "
                            "headers (pkg-config --cflags borderlab-plugin)",
                            path, BL_ABI_MAJOR, ser);
    if (d->header.abi_major != BL_ABI_MAJOR)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: ABI major %u, this borderlab speaks %d: rebuild it "
                            "against borderlab %s headers (pkg-config --cflags borderlab-plugin)",
                            path, d->header.abi_major, BL_ABI_MAJOR, ser);
    if (d->header.struct_size < sizeof(bl_plugin_t))
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: descriptor is %u bytes, ABI %d.0 needs at least %zu: it "
                            "was built against broken headers; rebuild it against borderlab %s "
                            "headers",
                            path, d->header.struct_size, BL_ABI_MAJOR, sizeof(bl_plugin_t), ser);
    if (d->header.fingerprint != BL_ABI_FINGERPRINT)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: type-size fingerprint 0x%08x, this borderlab has 0x%08x: "
                            "it was built for another platform or with changed headers; rebuild "
                            "it for this machine against borderlab %s headers",
                            path, d->header.fingerprint, (unsigned)BL_ABI_FINGERPRINT, ser);

    uint32_t kind = d->header.kind;
    if (kind != BL_KIND_DETECTOR && kind != BL_KIND_RISK && kind != BL_KIND_STORE)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: unknown kind %u (this borderlab knows detector=1, risk "
                            "model=2, seizure store=3): it needs a newer borderlab, or its "
                            "descriptor is wrong",
                            path, kind);
    if (expected_kind != 0 && (int)kind != expected_kind)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: it is a %s, but a %s is expected here: give it where a "
                            "%s is expected, or pick a %s plugin",
                            path, bl_plugin_kind_name((int)kind),
                            bl_plugin_kind_name(expected_kind), bl_plugin_kind_name((int)kind),
                            bl_plugin_kind_name(expected_kind));

    const char *id = d->header.id;
    if (!nonempty(id) || strchr(id, '.') == NULL || id[0] == '.' || id[strlen(id) - 1] == '.')
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s: id \"%s\" is not of the form vendor.product: set the id "
                            "in its BL_PLUGIN_HEADER",
                            path, id != NULL ? id : "(null)");
    if (!nonempty(d->header.name) || !nonempty(d->header.vendor) || !nonempty(d->header.version))
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s (%s): name, vendor or version is missing: fill them in "
                            "its BL_PLUGIN_HEADER",
                            path, id);

    /* Step 10: exactly the kind's ops table, large enough, every verb present.
     * Each kind names its table, its size and its verbs in order; verbs are
     * read only from a table whose size field (its first member) says it
     * is large enough. */
    const void *table = NULL;
    int tables = (d->detector != NULL) + (d->risk != NULL) + (d->store != NULL);
    size_t need = 0;
    const char *names[12];
    const void *verbs[12];
    size_t n_verbs = 0;
#define VERB(ops, verb) (names[n_verbs] = #verb, verbs[n_verbs++] = (const void *)(ops)->verb)
#define BIG_ENOUGH(ops)                                                                            \
    ((table = (ops)) != NULL && *(const uint32_t *)table >= (need = sizeof *(ops)))
    switch (kind) {
    case BL_KIND_DETECTOR:
        if (BIG_ENOUGH(d->detector))
            VERB(d->detector, create), VERB(d->detector, detect), VERB(d->detector, destroy);
        break;
    case BL_KIND_RISK:
        if (BIG_ENOUGH(d->risk))
            VERB(d->risk, create), VERB(d->risk, score), VERB(d->risk, destroy);
        break;
    default:
        if (BIG_ENOUGH(d->store)) {
            const bl_store_ops_t *o = d->store;
            VERB(o, create), VERB(o, deposit), VERB(o, move), VERB(o, retrieve);
            VERB(o, dispose), VERB(o, get), VERB(o, list), VERB(o, verify), VERB(o, sync);
            VERB(o, destroy);
        }
        break;
    }
#undef BIG_ENOUGH
#undef VERB
    int no_table = table == NULL, others = tables > (table != NULL);
    /* the size field leads every ops table */
    uint32_t have = table != NULL ? *(const uint32_t *)table : 0;
    const char *missing = NULL;
    for (size_t i = 0; i < n_verbs && missing == NULL; i++)
        if (verbs[i] == NULL)
            missing = names[i];
    if (no_table)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s (%s): it says it is a %s but has no %s ops table: set "
                            "the descriptor's ops pointer for its kind",
                            path, id, bl_plugin_kind_name((int)kind),
                            bl_plugin_kind_name((int)kind));
    if (missing != NULL)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s (%s): %s verb %s is missing (NULL): every verb of a %s is "
                            "required; fill its ops table",
                            path, id, bl_plugin_kind_name((int)kind), missing,
                            bl_plugin_kind_name((int)kind));
    if (!no_table && have < need)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s (%s): %s ops table is %u bytes, ABI %d.0 needs at least "
                            "%zu: set its size field to sizeof the table and rebuild",
                            path, id, bl_plugin_kind_name((int)kind), have, BL_ABI_MAJOR, need);
    if (others)
        return bl_error_set(err, BL_EPLUGIN,
                            "plugin %s (%s): it is a %s but also fills another kind's ops table: "
                            "leave the other ops pointers NULL",
                            path, id, bl_plugin_kind_name((int)kind));
    return BL_OK;
}

/*
 * A built-in plugin: no file and no dlopen (h->dl stays NULL), the same
 * descriptor checks (steps 4..10), and the SHA-256 of the running program,
 * since that is the code that runs.
 */
static int load_builtin(bl_plugin_handle_t *h, const char *path, int expected_kind,
                        bl_error_t *err) {
    const bl_plugin_t *desc = builtin_lookup(path, err);
    int rc;
    if (desc == NULL)
        return BL_ENOTFOUND;
    rc = check_descriptor(desc, path, expected_kind, err);
    if (rc != BL_OK)
        goto out;
    h->path = strdup_or_error(path, err);
    if (h->path == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    rc = bl_sha256_file("/proc/self/exe", h->sha256, err);
    if (rc != BL_OK) {
        bl_error_prefix(err, "plugin %s (hashing the running program)", path);
        goto out;
    }
    h->desc = desc;
    return BL_OK;
out:
    free(h->path);
    memset(h, 0, sizeof *h);
    return rc;
}

int bl_plugin_load(bl_plugin_handle_t *h, const char *path, int expected_kind, bl_error_t *err) {
    int rc;
    void *dl = NULL;
    bl_plugin_entry_fn entry;
    const bl_plugin_t *desc;
    bl_host_services_t hs;

    memset(h, 0, sizeof *h);
    if (path == NULL || path[0] == '\0')
        return bl_error_set(err, BL_EINVAL, "plugin: empty path: give the path of a .so");
    if (is_builtin(path))
        return load_builtin(h, path, expected_kind, err);

    /* 1 and 2a: readable, ELF shared object. */
    rc = check_elf(path, err);
    if (rc != BL_OK)
        goto out;

    /* 2b: the dynamic linker accepts it.  A path without '/' would be
     * searched in the library path, so make it explicit. */
    char *dlpath = strchr(path, '/') != NULL ? strdup(path) : bl_path_join(".", path);
    if (dlpath == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", path);
        goto out;
    }
    dlerror();
    dl = dlopen(dlpath, RTLD_NOW | RTLD_LOCAL);
    free(dlpath);
    if (dl == NULL) {
        const char *why = dlerror();
        rc = bl_error_set(err, BL_EPLUGIN,
                          "plugin %s: the dynamic linker refused it (%s): check that the "
                          "libraries it needs are installed (ldd %s) and that it was built for "
                          "this machine",
                          path, why != NULL ? why : "no reason given", path);
        goto out;
    }

    /* 3: the entry symbol. */
    dlerror();
    void *sym = dlsym(dl, BL_PLUGIN_ENTRY_NAME);
    if (sym == NULL) {
        rc = bl_error_set(err, BL_EPLUGIN,
                          "plugin %s: no entry symbol " BL_PLUGIN_ENTRY_NAME
                          ": it is not a borderlab plugin, or it was built without "
                          "BL_PLUGIN_EXPORT",
                          path);
        goto out;
    }
    /* POSIX guarantees object and function pointers convert through dlsym. */
    memcpy(&entry, &sym, sizeof entry);

    /* 4..10.  The host table passed to the entry is valid during the call
     * only: the descriptor is constant and may not keep it. */
    bl_host_services_init(&hs, 0, 0, BL_STREAM_PLUGIN_BASE, NULL, path);
    desc = entry(BL_ABI_MAJOR, &hs.host);
    rc = check_descriptor(desc, path, expected_kind, err);
    if (rc != BL_OK)
        goto out;

    h->path = strdup(path);
    if (h->path == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "plugin %s: out of memory", path);
        goto out;
    }
    rc = bl_sha256_file(path, h->sha256, err);
    if (rc != BL_OK) {
        bl_error_prefix(err, "plugin %s", path);
        goto out;
    }
    h->dl = dl;
    h->desc = desc;
    return BL_OK;
out:
    if (dl != NULL)
        dlclose(dl);
    free(h->path);
    memset(h, 0, sizeof *h);
    return rc;
}

int bl_plugin_default_isolation(const char *spec) {
    static const char *const vendor_code[] = {"ffi_detector", "ffi_risk"};
    if (spec == NULL || is_builtin(spec))
        return BL_ISOLATION_NONE;
    size_t len = strlen(spec);
    if (strchr(spec, '/') != NULL || (len > 3 && strcmp(spec + len - 3, ".so") == 0))
        return BL_ISOLATION_PROCESS;
    for (size_t i = 0; i < sizeof vendor_code / sizeof *vendor_code; i++)
        if (strcmp(spec, vendor_code[i]) == 0)
            return BL_ISOLATION_PROCESS;
    return BL_ISOLATION_NONE;
}

const char *bl_isolation_mode_name(int mode) {
    return mode == BL_ISOLATION_PROCESS ? "process"
           : mode == BL_ISOLATION_NONE  ? "none"
                                        : "default";
}

int bl_plugin_open(bl_plugin_handle_t *h, const char *spec, const char *path, int expected_kind,
                   int mode, const bl_isolation_opts_t *opts, bl_error_t *err) {
    if (mode == BL_ISOLATION_DEFAULT)
        mode = bl_plugin_default_isolation(spec != NULL ? spec : path);
    if (mode == BL_ISOLATION_PROCESS) {
        memset(h, 0, sizeof *h);
        if (path == NULL || path[0] == '\0')
            return bl_error_set(err, BL_EINVAL, "plugin: empty path: give the path of a .so");
        /* Only what the child can reach is checked here: it runs steps 1..10. */
        if (!is_builtin(path)) {
            int rc = check_elf(path, err);
            if (rc != BL_OK)
                return rc;
        }
        return bl_isolated_load(h, path, expected_kind, opts, err);
    }
    return bl_plugin_load(h, path, expected_kind, err);
}

void bl_plugin_unload(bl_plugin_handle_t *h) {
    if (h == NULL)
        return;
    if (h->isolated != NULL)
        bl_isolated_free(h->isolated);
    if (h->dl != NULL) /* NULL for a built-in plugin: nothing was opened */
        dlclose(h->dl);
    free(h->path);
    memset(h, 0, sizeof *h);
}
