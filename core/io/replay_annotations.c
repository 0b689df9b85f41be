/* COCO JSON and CSV annotations of a replayed folder: see scan_io.h. */
#include "io/replay_internal.h"

#include <cjson/cJSON.h>
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ classes and boxes */

/* A threat class from its name, -1 when it is none. */
static int threat_of(const char *name) {
    int t = name ? bl_threat_by_name(name) : -1;
    return t > 0 && t < BL_THREAT_CLASS_COUNT ? t : -1;
}

static const char *threat_list(char buf[256]) {
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t t = 1; t < BL_THREAT_CLASS_COUNT && used < 256; t++) {
        const char *name = bl_threat_name(t);
        int k = snprintf(buf + used, 256 - used, "%s%s", used ? ", " : "", name ? name : "?");
        used += k > 0 ? (size_t)k : 0;
    }
    return buf;
}

/* Record a box (x0, y0, x1, y1 in pixels) of class threat on scan; where
 * says which file, row and image it came from. */
static int add_object(bl_replay_t *r, size_t scan, int threat, const double v[4], const char *where,
                      bl_error_t *err) {
    if (!(v[0] < v[2] && v[1] < v[3]))
        return bl_error_set(err, BL_EINVAL,
                            "%s: box x0 %g, y0 %g, x1 %g, y1 %g is empty: it needs x0 < x1 and "
                            "y0 < y1; fix its coordinates",
                            where, v[0], v[1], v[2], v[3]);
    float box[4] = {(float)fmax(v[0], 0), (float)fmax(v[1], 0), (float)fmin(v[2], r->width),
                    (float)fmin(v[3], r->height)};
    if (!(box[0] < box[2] && box[1] < box[3]))
        return bl_error_set(err, BL_EINVAL,
                            "%s: box x0 %g, y0 %g, x1 %g, y1 %g lies outside the %ux%u image: "
                            "fix its coordinates",
                            where, v[0], v[1], v[2], v[3], r->width, r->height);
    if (r->n_objects == r->cap_objects) {
        size_t cap = r->cap_objects ? 2 * r->cap_objects : 256;
        replay_object_t *grown = realloc(r->objects, cap * sizeof *grown);
        if (grown == NULL)
            return bl_error_set(err, BL_ENOMEM, "%s: out of memory", where);
        r->objects = grown;
        r->cap_objects = cap;
    }
    replay_object_t *o = &r->objects[r->n_objects];
    *o = (replay_object_t){scan, r->n_objects, (uint32_t)threat, {box[0], box[1], box[2], box[3]}};
    r->n_objects++;
    return 0;
}

/* The whole of a (small) text file, NUL-terminated, into *text. */
static int read_text(const char *path, char **text, size_t *len, bl_error_t *err) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                            "annotations %s: cannot open (%s): check the path", path,
                            strerror(errno));
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    int rc = 0;
    do {
        if (cap - n < 65536) {
            char *grown = realloc(buf, cap = cap * 2 + 65536);
            if (grown == NULL) {
                rc = bl_error_set(err, BL_ENOMEM, "annotations %s: out of memory", path);
                goto out;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    if (ferror(f))
        rc = bl_error_set(err, BL_EIO, "annotations %s: read error: check the file", path);
out:
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

typedef struct coco_image {
    double id;
    const char *file_name; /* borrowed from the cJSON tree */
    size_t scan;
    bool found;
} coco_image_t;

static int coco_image_cmp(const void *a, const void *b) {
    double x = ((const coco_image_t *)a)->id, y = ((const coco_image_t *)b)->id;
    return (x > y) - (x < y);
}

static int parse_coco(bl_replay_t *r, const char *path, bl_error_t *err) {
    size_t len = 0;
    char *text = NULL;
    int rc = read_text(path, &text, &len, err);
    if (rc != 0)
        return rc;
    coco_image_t *images = NULL;
    struct {
        double id;
        int threat;
    } *cats = NULL;
    char where[700], names[256];
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        size_t line = 1;
        for (const char *p = text; at != NULL && p < at && p < text + len; p++)
            line += *p == '\n';
        rc = bl_error_set(err, BL_EINVAL,
                          "annotations %s: not valid JSON (near line %zu): fix it or export the "
                          "COCO file again",
                          path, line);
        goto out;
    }
    const cJSON *jimages = cJSON_GetObjectItemCaseSensitive(root, "images");
    const cJSON *jcats = cJSON_GetObjectItemCaseSensitive(root, "categories");
    const cJSON *janns = cJSON_GetObjectItemCaseSensitive(root, "annotations");
    if (!cJSON_IsArray(jimages) || !cJSON_IsArray(jcats) ||
        (janns != NULL && !cJSON_IsArray(janns))) {
        rc = bl_error_set(err, BL_EINVAL,
                          "annotations %s: not a COCO file: it needs arrays images, categories "
                          "and annotations",
                          path);
        goto out;
    }
    int ncat = cJSON_GetArraySize(jcats), nimg = cJSON_GetArraySize(jimages), k = 0;
    cats = calloc((size_t)ncat + 1, sizeof *cats);
    images = calloc((size_t)nimg + 1, sizeof *images);
    if (cats == NULL || images == NULL) {
        rc = bl_error_set(err, BL_ENOMEM, "annotations %s: out of memory", path);
        goto out;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, jcats) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
        if (!cJSON_IsNumber(id) || !cJSON_IsString(name)) {
            rc = bl_error_set(err, BL_EINVAL,
                              "annotations %s: categories[%d] needs a numeric id and a name", path,
                              k);
            goto out;
        }
        cats[k].id = id->valuedouble;
        if ((cats[k].threat = threat_of(name->valuestring)) < 0) {
            rc = bl_error_set(err, BL_EINVAL,
                              "annotations %s: categories[%d]: \"%s\" is not a borderlab threat "
                              "class (known: %s): rename it in the file",
                              path, k, name->valuestring, threat_list(names));
            goto out;
        }
        k++;
    }
    k = 0;
    cJSON_ArrayForEach(item, jimages) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(item, "file_name");
        if (!cJSON_IsNumber(id) || !cJSON_IsString(file)) {
            rc = bl_error_set(err, BL_EINVAL,
                              "annotations %s: images[%d] needs a numeric id and a file_name", path,
                              k);
            goto out;
        }
        images[k] = (coco_image_t){id->valuedouble, file->valuestring, 0, false};
        images[k].found = bl_replay_find_scan(r, file->valuestring, &images[k].scan);
        k++;
    }
    qsort(images, (size_t)nimg, sizeof *images, coco_image_cmp);
    for (int i = 1; i < nimg; i++)
        if (images[i].id == images[i - 1].id) {
            rc = bl_error_set(err, BL_EINVAL,
                              "annotations %s: images %s and %s share id %g: give each image its "
                              "own id",
                              path, images[i - 1].file_name, images[i].file_name, images[i].id);
            goto out;
        }
    k = 0;
    cJSON_ArrayForEach(item, janns) {
        const cJSON *image_id = cJSON_GetObjectItemCaseSensitive(item, "image_id");
        const cJSON *cat_id = cJSON_GetObjectItemCaseSensitive(item, "category_id");
        const cJSON *bbox = cJSON_GetObjectItemCaseSensitive(item, "bbox");
        double v[4];
        int nb = 0;
        const cJSON *x, *list = cJSON_IsArray(bbox) ? bbox : NULL;
        cJSON_ArrayForEach(x, list) {
            if (nb < 4 && cJSON_IsNumber(x))
                v[nb] = x->valuedouble;
            nb += (nb < 4 && cJSON_IsNumber(x)) ? 1 : 5; /* 5: never 4 again */
        }
        if (!cJSON_IsNumber(image_id) || !cJSON_IsNumber(cat_id) || nb != 4) {
            rc = bl_error_set(err, BL_EINVAL,
                              "annotations %s: annotations[%d] needs image_id, category_id and "
                              "bbox [x, y, width, height]",
                              path, k);
            goto out;
        }
        coco_image_t key = {.id = image_id->valuedouble};
        const coco_image_t *img = bsearch(&key, images, (size_t)nimg, sizeof key, coco_image_cmp);
        int c = 0;
        while (c < ncat && cats[c].id != cat_id->valuedouble)
            c++;
        if (img == NULL || !img->found || c == ncat) {
            if (img == NULL)
                rc = bl_error_set(err, BL_EINVAL,
                                  "annotations %s: annotations[%d]: image_id %g is not in "
                                  "images[]: add the image or remove the annotation",
                                  path, k, key.id);
            else if (!img->found)
                rc = bl_error_set(err, BL_EINVAL,
                                  "annotations %s: annotations[%d]: image %s is not in folder "
                                  "%s: copy the image there or remove its annotations",
                                  path, k, img->file_name, r->folder);
            else
                rc = bl_error_set(err, BL_EINVAL,
                                  "annotations %s: annotations[%d] (image %s): category_id %g "
                                  "is not in categories[]: add it or fix the id",
                                  path, k, img->file_name, cat_id->valuedouble);
            goto out;
        }
        snprintf(where, sizeof where, "annotations %s: annotations[%d] (image %s)", path, k,
                 img->file_name);
        double box[4] = {v[0], v[1], v[0] + v[2], v[1] + v[3]};
        if ((rc = add_object(r, img->scan, cats[c].threat, box, where, err)) != 0)
            goto out;
        k++;
    }
out:
    cJSON_Delete(root);
    free(images);
    free(cats);
    free(text);
    return rc;
}

#define CSV_COLUMNS 6
static const char *const csv_header[CSV_COLUMNS] = {"image", "class", "x0", "y0", "x1", "y1"};

typedef struct csv_ctx {
    bl_replay_t *r;
    const char *path;
    bl_error_t *err;
    int rc;
    size_t row; /* records seen; the header is row 1 */
    size_t n_fields;
    char *field[CSV_COLUMNS];
} csv_ctx_t;

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void csv_on_field(void *s, size_t len, void *data) {
    csv_ctx_t *c = data;
    if (c->rc == 0 && c->n_fields < CSV_COLUMNS &&
        (c->field[c->n_fields] = strndup(s ? s : "", s ? len : 0)) == NULL)
        c->rc = bl_error_set(c->err, BL_ENOMEM, "annotations %s: out of memory", c->path);
    c->n_fields++;
}

static int csv_take_row(csv_ctx_t *c) {
    bl_replay_t *r = c->r;
    char names[256], where[700];
    if (c->row == 1) {
        int k = 0;
        for (; k < CSV_COLUMNS && k < (int)c->n_fields; k++) {
            char *f = c->field[k];
            if (k == 0 && strncmp(f, "\xEF\xBB\xBF", 3) == 0) /* a spreadsheet's BOM */
                f += 3;
            if (strcasecmp(trim(f), csv_header[k]) != 0)
                break;
        }
        if (k < CSV_COLUMNS || c->n_fields != CSV_COLUMNS)
            return bl_error_set(c->err, BL_EINVAL,
                                "annotations %s row 1: the header must be image,class,x0,y0,x1,y1 "
                                "(found %zu columns, column %d is \"%s\"): fix the first line",
                                c->path, c->n_fields, k + 1,
                                k < CSV_COLUMNS && k < (int)c->n_fields ? c->field[k] : "");
        return 0;
    }
    if (c->n_fields != CSV_COLUMNS)
        return bl_error_set(c->err, BL_EINVAL,
                            "annotations %s row %zu: %zu columns, expected 6 "
                            "(image,class,x0,y0,x1,y1): fix that row (quote a name that holds a "
                            "comma)",
                            c->path, c->row, c->n_fields);
    const char *image = trim(c->field[0]), *cls = trim(c->field[1]);
    size_t scan;
    if (!bl_replay_find_scan(r, image, &scan))
        return bl_error_set(c->err, BL_EINVAL,
                            "annotations %s row %zu: image %s is not in folder %s: copy the image "
                            "there or remove its rows",
                            c->path, c->row, image, r->folder);
    int threat = threat_of(cls);
    if (threat < 0)
        return bl_error_set(c->err, BL_EINVAL,
                            "annotations %s row %zu (image %s): class \"%s\" is not a borderlab "
                            "threat class (known: %s): rename it",
                            c->path, c->row, image, cls, threat_list(names));
    double v[4];
    for (int k = 0; k < 4; k++) {
        const char *text = trim(c->field[2 + k]);
        if (bl_parse_number(text, &v[k]) != 0)
            return bl_error_set(c->err, BL_EINVAL,
                                "annotations %s row %zu (image %s): %s is \"%s\", not a number: "
                                "fix that cell",
                                c->path, c->row, image, csv_header[2 + k], text);
    }
    snprintf(where, sizeof where, "annotations %s row %zu (image %s)", c->path, c->row, image);
    return add_object(r, scan, threat, v, where, c->err);
}

static void csv_on_row(int term, void *data) {
    csv_ctx_t *c = data;
    (void)term;
    c->row++;
    if (c->rc == 0)
        c->rc = csv_take_row(c);
    for (int k = 0; k < CSV_COLUMNS; k++) {
        free(c->field[k]);
        c->field[k] = NULL;
    }
    c->n_fields = 0;
}

static int parse_csv(bl_replay_t *r, const char *path, bl_error_t *err) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return bl_error_set(err, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                            "annotations %s: cannot open (%s): check the path", path,
                            strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fclose(f);
        return bl_error_set(err, BL_ENOMEM, "annotations %s: out of memory", path);
    }
    csv_ctx_t c = {.r = r, .path = path, .err = err};
    char buf[65536];
    size_t got;
    bool bad = false;
    while (c.rc == 0 && !bad && (got = fread(buf, 1, sizeof buf, f)) > 0)
        bad = csv_parse(&p, buf, got, csv_on_field, csv_on_row, &c) != got;
    if (c.rc == 0 && !bad && ferror(f))
        c.rc = bl_error_set(err, BL_EIO, "annotations %s: read error: check the file", path);
    if (c.rc == 0 && !bad)
        bad = csv_fini(&p, csv_on_field, csv_on_row, &c) != 0;
    if (c.rc == 0 && bad)
        c.rc = bl_error_set(err, BL_EINVAL,
                            "annotations %s row %zu: malformed CSV (%s): check the quotes (RFC "
                            "4180: a quote inside a quoted field is doubled)",
                            path, c.row + 1, csv_strerror(csv_error(&p)));
    if (c.rc == 0 && c.row == 0)
        c.rc = bl_error_set(err, BL_EINVAL,
                            "annotations %s: empty: the first line must be the header "
                            "image,class,x0,y0,x1,y1",
                            path);
    for (int k = 0; k < CSV_COLUMNS; k++)
        free(c.field[k]);
    csv_free(&p);
    fclose(f);
    return c.rc;
}

static int object_cmp(const void *a, const void *b) {
    const replay_object_t *x = a, *y = b;
    if (x->scan != y->scan)
        return x->scan < y->scan ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sort the objects by scan and give each scan its slice. */
static int index_objects(bl_replay_t *r, const char *annotations, bl_error_t *err) {
    qsort(r->objects, r->n_objects, sizeof *r->objects, object_cmp);
    for (size_t i = 0, j; i < r->n_objects; i = j) {
        for (j = i; j < r->n_objects && r->objects[j].scan == r->objects[i].scan; j++)
            ;
        replay_scan_t *s = &r->scans[r->objects[i].scan];
        if (j - i > BL_SCAN_MAX_OBJECTS)
            return bl_error_set(err, BL_EINVAL,
                                "annotations %s: image %s has %zu threat objects, borderlab "
                                "takes at most %d per scan: merge overlapping boxes or leave the "
                                "image out",
                                annotations, s->name, j - i, BL_SCAN_MAX_OBJECTS);
        s->first = i;
        s->n = (uint32_t)(j - i);
    }
    return 0;
}

/* ------------------------------------------------------------------ the file */

int bl_replay_read_annotations(bl_replay_t *r, const char *annotations, bl_error_t *err) {
    int rc;
    const char *ext = strrchr(annotations, '.');
    if (ext != NULL && strcasecmp(ext, ".json") == 0)
        rc = parse_coco(r, annotations, err);
    else if (ext != NULL && strcasecmp(ext, ".csv") == 0)
        rc = parse_csv(r, annotations, err);
    else
        rc = bl_error_set(err, BL_EINVAL,
                          "annotations %s: unknown format: give a COCO .json file or a .csv "
                          "with header image,class,x0,y0,x1,y1",
                          annotations);
    if (rc == 0)
        rc = index_objects(r, annotations, err);
    return rc;
}
