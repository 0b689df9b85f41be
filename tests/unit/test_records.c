/* Unit tests for core/data/records.c: dictionaries, schemas, batches and views. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "data/records.h"

static void test_records_dict_intern_and_find(void **state) {
    (void)state;
    bl_dict_t *d = bl_dict_new();
    assert_non_null(d);
    assert_int_equal(bl_dict_find(d, "CN", 2), -1);
    assert_int_equal(bl_dict_intern(d, "CN", 2), 0);
    assert_int_equal(bl_dict_intern(d, "DE", 2), 1);
    assert_int_equal(bl_dict_intern(d, "CN", 2), 0);
    assert_int_equal(bl_dict_find(d, "DE", 2), 1);
    assert_int_equal(bl_dict_find(d, "US", 2), -1);
    assert_int_equal(bl_dict_size(d), 2);
    /* text need not be NUL-terminated: only len bytes count */
    assert_int_equal(bl_dict_intern(d, "CNX", 2), 0);
    const char *const *labels = bl_dict_labels(d);
    assert_string_equal(labels[0], "CN");
    assert_string_equal(labels[1], "DE");
    assert_int_equal(bl_dict_label_len(d, 1), 2);
    bl_dict_free(d);
}

/* Keys that differ only past the 16 bytes kept in a slot, only in length,
 * or by trailing NULs must stay distinct. */
static void test_records_dict_distinguishes_similar_keys(void **state) {
    (void)state;
    bl_dict_t *d = bl_dict_new();
    const char *keys[] = {"",
                          "0",
                          "00",
                          "0402",
                          "402",
                          "04020",
                          "abcdefghijklmnop",
                          "abcdefghijklmnopq",
                          "abcdefghijklmnopr",
                          "abcdefghijklmno",
                          "frozen milk powder, 25 kg bags",
                          "frozen milk powder, 25 kg bagz"};
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(bl_dict_intern(d, keys[i], strlen(keys[i])), (int32_t)i);
    assert_int_equal(bl_dict_intern(d, "a\0b", 3), (int32_t)n);
    assert_int_equal(bl_dict_intern(d, "a\0c", 3), (int32_t)n + 1);
    assert_int_equal(bl_dict_find(d, "a", 1), -1);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(bl_dict_find(d, keys[i], strlen(keys[i])), (int32_t)i);
    /* a 300-byte key: longer than the length byte of a slot tag */
    char long_a[300], long_b[300];
    memset(long_a, 'x', sizeof long_a);
    memcpy(long_b, long_a, sizeof long_b);
    long_b[299] = 'y';
    int32_t a = bl_dict_intern(d, long_a, sizeof long_a);
    int32_t b = bl_dict_intern(d, long_b, sizeof long_b);
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_int_equal(bl_dict_find(d, long_a, 299), -1);
    assert_int_equal(bl_dict_find(d, long_a, sizeof long_a), a);
    bl_dict_free(d);
}

/* Codes given before the table grows are the same after 100k keys. */
static void test_records_dict_growth_keeps_codes(void **state) {
    (void)state;
    bl_dict_t *d = bl_dict_new();
    char key[64];
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        int len = snprintf(key, sizeof key, "%s%07d", i % 3 ? "IMP" : "importer number ", i);
        assert_int_equal(bl_dict_intern(d, key, (size_t)len), i);
    }
    assert_int_equal(bl_dict_size(d), (size_t)n);
    const char *const *labels = bl_dict_labels(d);
    for (int i = 0; i < n; i++) {
        int len = snprintf(key, sizeof key, "%s%07d", i % 3 ? "IMP" : "importer number ", i);
        assert_int_equal(bl_dict_find(d, key, (size_t)len), i);
        assert_int_equal(bl_dict_intern(d, key, (size_t)len), i);
        assert_string_equal(labels[i], key);
    }
    assert_int_equal(bl_dict_find(d, "IMP9999999", 10), -1);
    assert_int_equal(bl_dict_size(d), (size_t)n);
    bl_dict_free(d);
}

static void test_records_dict_hashed_variants_agree(void **state) {
    (void)state;
    bl_dict_t *d = bl_dict_new();
    uint64_t h = bl_dict_hash("0402", 4);
    assert_true(h == bl_dict_hash("0402", 4));
    assert_true(h != bl_dict_hash("402", 3));
    bl_dict_prefetch(d, h);
    assert_int_equal(bl_dict_find_hashed(d, "0402", 4, h), -1);
    assert_int_equal(bl_dict_intern_hashed(d, "0402", 4, h), 0);
    assert_int_equal(bl_dict_find(d, "0402", 4), 0);
    bl_dict_free(d);
}

static void test_records_schema_add_find(void **state) {
    (void)state;
    bl_schema_t s = {0};
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_schema_add(&s, "declared value", BL_COLUMN_NUMERIC, &err), 0);
    assert_int_equal(bl_schema_add(&s, "hs code", BL_COLUMN_CATEGORICAL, &err), 0);
    assert_int_equal(bl_schema_find(&s, "hs code"), 1);
    assert_int_equal(bl_schema_find(&s, "declared value"), 0);
    assert_int_equal(bl_schema_find(&s, "declared"), -1);
    assert_int_equal(bl_schema_add(&s, "hs code", BL_COLUMN_NUMERIC, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "'hs code' is listed twice"));
    bl_error_clear(&err);
    assert_int_equal(bl_schema_add(&s, "x", 99, &err), BL_EINVAL);
    bl_error_clear(&err);
    assert_int_equal(bl_schema_add(&s, "", BL_COLUMN_NUMERIC, &err), BL_EINVAL);
    assert_int_equal(s.n, 2);
    bl_schema_fini(&s);
    assert_int_equal(s.n, 0);
}

static void make_schema(bl_schema_t *s) {
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_schema_add(s, "id", BL_COLUMN_IDENTIFIER, &err), 0);
    assert_int_equal(bl_schema_add(s, "value", BL_COLUMN_NUMERIC, &err), 0);
    assert_int_equal(bl_schema_add(s, "origin", BL_COLUMN_CATEGORICAL, &err), 0);
}

static void test_records_batch_view(void **state) {
    (void)state;
    bl_schema_t s = {0};
    make_schema(&s);
    bl_batch_t b;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_batch_init(&b, &s, 8, &err), 0);
    assert_null(b.numeric[0]);
    assert_non_null(b.codes[0]);
    assert_non_null(b.numeric[1]);
    assert_null(b.codes[1]);
    assert_null(b.dicts[1]);
    const char *origins[] = {"CN", "DE", "CN"};
    for (int i = 0; i < 3; i++) {
        char id[16];
        int len = snprintf(id, sizeof id, "D%03d", i);
        b.codes[0][i] = bl_dict_intern(b.dicts[0], id, (size_t)len);
        b.numeric[1][i] = 100.0 * i;
        b.codes[2][i] = bl_dict_intern(b.dicts[2], origins[i], 2);
    }
    b.numeric[1][1] = NAN;
    b.n_rows = 3;
    bl_records_t r = bl_batch_records(&b);
    assert_int_equal(r.size, sizeof(bl_records_t));
    assert_int_equal(r.n_columns, 3);
    assert_int_equal(r.n_rows, 3);
    assert_string_equal(r.columns[1].name, "value");
    assert_int_equal(r.columns[1].type, BL_COLUMN_NUMERIC);
    assert_true(isnan(r.columns[1].numeric[1]));
    assert_true(r.columns[1].numeric[2] == 200.0);
    assert_int_equal(r.columns[2].type, BL_COLUMN_CATEGORICAL);
    assert_int_equal(r.columns[2].n_categories, 2);
    assert_int_equal(r.columns[2].codes[2], 0);
    assert_string_equal(r.columns[2].categories[r.columns[2].codes[1]], "DE");
    assert_int_equal(r.columns[0].type, BL_COLUMN_IDENTIFIER);
    assert_string_equal(r.columns[0].categories[r.columns[0].codes[2]], "D002");

    /* clearing keeps dictionaries, so codes stay stable */
    bl_batch_clear(&b);
    assert_int_equal(b.n_rows, 0);
    assert_int_equal(bl_dict_find(b.dicts[2], "DE", 2), 1);
    r = bl_batch_records(&b);
    assert_int_equal(r.n_rows, 0);
    assert_int_equal(r.columns[2].n_categories, 2);
    bl_batch_fini(&b);
    bl_schema_fini(&s);
}

static void test_records_batch_share_dicts(void **state) {
    (void)state;
    bl_schema_t s = {0}, other = {0};
    make_schema(&s);
    bl_error_t err;
    bl_error_clear(&err);
    bl_batch_t a, b;
    assert_int_equal(bl_batch_init(&a, &s, 4, &err), 0);
    assert_int_equal(bl_batch_init(&b, &s, 2, &err), 0);
    assert_int_equal(bl_dict_intern(a.dicts[2], "CN", 2), 0);
    assert_int_equal(bl_batch_share_dicts(&b, &a, &err), 0);
    assert_ptr_equal(b.dicts[2], a.dicts[2]);
    assert_int_equal(bl_dict_intern(b.dicts[2], "DE", 2), 1);
    assert_int_equal(bl_dict_find(a.dicts[2], "DE", 2), 1);
    bl_batch_fini(&b); /* borrowed dictionaries survive */
    assert_int_equal(bl_dict_size(a.dicts[2]), 2);

    /* another schema cannot share */
    assert_int_equal(bl_schema_add(&other, "value", BL_COLUMN_NUMERIC, &err), 0);
    assert_int_equal(bl_batch_init(&b, &other, 2, &err), 0);
    assert_int_equal(bl_batch_share_dicts(&b, &a, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "1 and 3 columns"));
    bl_batch_fini(&b);
    bl_batch_fini(&a);
    bl_schema_fini(&s);
    bl_schema_fini(&other);
}

static void test_records_batch_init_refuses_zero_capacity(void **state) {
    (void)state;
    bl_schema_t s = {0};
    make_schema(&s);
    bl_batch_t b;
    bl_error_t err;
    bl_error_clear(&err);
    assert_int_equal(bl_batch_init(&b, &s, 0, &err), BL_EINVAL);
    assert_non_null(strstr(err.message, "capacity"));
    bl_batch_fini(&b); /* safe after a failed init */
    bl_schema_fini(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_dict_intern_and_find),
        cmocka_unit_test(test_records_dict_distinguishes_similar_keys),
        cmocka_unit_test(test_records_dict_growth_keeps_codes),
        cmocka_unit_test(test_records_dict_hashed_variants_agree),
        cmocka_unit_test(test_records_schema_add_find),
        cmocka_unit_test(test_records_batch_view),
        cmocka_unit_test(test_records_batch_share_dicts),
        cmocka_unit_test(test_records_batch_init_refuses_zero_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
