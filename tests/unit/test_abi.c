/*
 * Pins the plugin ABI (core/include/borderlab/plugin.h) on x86_64: the size
 * of every public struct and the offset of every field, the ABI major and
 * the type-size fingerprint, as literal numbers.
 *
 * If this test fails you changed the ABI.  Append-only changes (a field
 * added at the end of a struct that has a `size` field and is never passed
 * as an array) bump BL_ABI_MINOR; any other change (reordering, removing or
 * resizing a field, growing a struct passed as an array such as bl_scan_t or
 * bl_seizure_t) bumps BL_ABI_MAJOR.  Then update these numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "borderlab/plugin.h"

#define SIZE(type, n) assert_int_equal(sizeof(type), n)
#define OFF(type, field, n) assert_int_equal(offsetof(type, field), n)

static void test_abi_plugin_header(void **state) {
    (void)state;
    SIZE(bl_plugin_header_t, 56);
    OFF(bl_plugin_header_t, abi_major, 0);
    OFF(bl_plugin_header_t, abi_minor, 4);
    OFF(bl_plugin_header_t, struct_size, 8);
    OFF(bl_plugin_header_t, fingerprint, 12);
    OFF(bl_plugin_header_t, kind, 16);
    OFF(bl_plugin_header_t, flags, 20);
    OFF(bl_plugin_header_t, id, 24);
    OFF(bl_plugin_header_t, name, 32);
    OFF(bl_plugin_header_t, vendor, 40);
    OFF(bl_plugin_header_t, version, 48);
}

static void test_abi_plugin(void **state) {
    (void)state;
    SIZE(bl_plugin_t, 80);
    OFF(bl_plugin_t, header, 0);
    OFF(bl_plugin_t, detector, 56);
    OFF(bl_plugin_t, risk, 64);
    OFF(bl_plugin_t, store, 72);
}

static void test_abi_host(void **state) {
    (void)state;
    SIZE(bl_host_t, 64);
    OFF(bl_host_t, size, 0);
    OFF(bl_host_t, abi_minor, 4);
    OFF(bl_host_t, ctx, 8);
    OFF(bl_host_t, alloc, 16);
    OFF(bl_host_t, realloc, 24);
    OFF(bl_host_t, free, 32);
    OFF(bl_host_t, log, 40);
    OFF(bl_host_t, random_u64, 48);
    OFF(bl_host_t, now, 56);
}

static void test_abi_scan(void **state) {
    (void)state;
    SIZE(bl_scan_t, 56);
    OFF(bl_scan_t, size, 0);
    OFF(bl_scan_t, width, 4);
    OFF(bl_scan_t, height, 8);
    OFF(bl_scan_t, depth, 12);
    OFF(bl_scan_t, energies, 16);
    OFF(bl_scan_t, reserved, 20);
    OFF(bl_scan_t, pixel_mm, 24);
    OFF(bl_scan_t, id, 32);
    OFF(bl_scan_t, low, 40);
    OFF(bl_scan_t, high, 48);
}

static void test_abi_detection(void **state) {
    (void)state;
    SIZE(bl_detection_t, 28);
    OFF(bl_detection_t, scan, 0);
    OFF(bl_detection_t, threat, 4);
    OFF(bl_detection_t, confidence, 8);
    OFF(bl_detection_t, box, 12);
}

static void test_abi_detections(void **state) {
    (void)state;
    SIZE(bl_detections_t, 24);
    OFF(bl_detections_t, items, 0);
    OFF(bl_detections_t, capacity, 8);
    OFF(bl_detections_t, count, 16);
}

static void test_abi_detector_ops(void **state) {
    (void)state;
    SIZE(bl_detector_ops_t, 32);
    OFF(bl_detector_ops_t, size, 0);
    OFF(bl_detector_ops_t, create, 8);
    OFF(bl_detector_ops_t, detect, 16);
    OFF(bl_detector_ops_t, destroy, 24);
}

static void test_abi_column(void **state) {
    (void)state;
    SIZE(bl_column_t, 40);
    OFF(bl_column_t, name, 0);
    OFF(bl_column_t, type, 8);
    OFF(bl_column_t, n_categories, 12);
    OFF(bl_column_t, numeric, 16);
    OFF(bl_column_t, codes, 24);
    OFF(bl_column_t, categories, 32);
}

static void test_abi_records(void **state) {
    (void)state;
    SIZE(bl_records_t, 24);
    OFF(bl_records_t, size, 0);
    OFF(bl_records_t, n_columns, 4);
    OFF(bl_records_t, n_rows, 8);
    OFF(bl_records_t, columns, 16);
}

static void test_abi_reason(void **state) {
    (void)state;
    SIZE(bl_reason_t, 8);
    OFF(bl_reason_t, column, 0);
    OFF(bl_reason_t, contribution, 4);
}

static void test_abi_risk_ops(void **state) {
    (void)state;
    SIZE(bl_risk_ops_t, 32);
    OFF(bl_risk_ops_t, size, 0);
    OFF(bl_risk_ops_t, create, 8);
    OFF(bl_risk_ops_t, score, 16);
    OFF(bl_risk_ops_t, destroy, 24);
}

static void test_abi_seizure(void **state) {
    (void)state;
    SIZE(bl_seizure_t, 248);
    OFF(bl_seizure_t, id, 0);
    OFF(bl_seizure_t, threat, 8);
    OFF(bl_seizure_t, state, 12);
    OFF(bl_seizure_t, quantity, 16);
    OFF(bl_seizure_t, value, 24);
    OFF(bl_seizure_t, time, 32);
    OFF(bl_seizure_t, case_id, 40);
    OFF(bl_seizure_t, description, 88);
    OFF(bl_seizure_t, unit, 136);
    OFF(bl_seizure_t, officer, 152);
    OFF(bl_seizure_t, location, 200);
}

static void test_abi_custody_report(void **state) {
    (void)state;
    SIZE(bl_custody_report_t, 144);
    OFF(bl_custody_report_t, entries, 0);
    OFF(bl_custody_report_t, first_bad, 8);
    OFF(bl_custody_report_t, reason, 16);
}

static void test_abi_store_ops(void **state) {
    (void)state;
    SIZE(bl_store_ops_t, 88);
    OFF(bl_store_ops_t, size, 0);
    OFF(bl_store_ops_t, create, 8);
    OFF(bl_store_ops_t, deposit, 16);
    OFF(bl_store_ops_t, move, 24);
    OFF(bl_store_ops_t, retrieve, 32);
    OFF(bl_store_ops_t, dispose, 40);
    OFF(bl_store_ops_t, get, 48);
    OFF(bl_store_ops_t, list, 56);
    OFF(bl_store_ops_t, verify, 64);
    OFF(bl_store_ops_t, sync, 72);
    OFF(bl_store_ops_t, destroy, 80);
}

static void test_abi_config(void **state) {
    (void)state;
    SIZE(bl_config_t, 24);
    OFF(bl_config_t, n, 0);
    OFF(bl_config_t, keys, 8);
    OFF(bl_config_t, values, 16);
}

static void test_abi_version(void **state) {
    (void)state;
    assert_int_equal(BL_ABI_MAJOR, 1);
    assert_int_equal(BL_ABI_MINOR, 0);
    /* pointer 8 | size_t 8 << 4 | long 8 << 8 | double 8 << 12 | sizeof(bl_scan_t) 56 << 16 |
     * (sizeof(bl_seizure_t) 248 & 0xff) << 24 */
    assert_int_equal(BL_ABI_FINGERPRINT, 0xf8388888u);
    assert_int_equal(BL_STORE_TEXT, 48);
    assert_string_equal(BL_PLUGIN_ENTRY_NAME, "bl_plugin_entry");
}

static void test_abi_enum_values(void **state) {
    (void)state;
    assert_int_equal(BL_KIND_DETECTOR, 1);
    assert_int_equal(BL_KIND_RISK, 2);
    assert_int_equal(BL_KIND_STORE, 3);
    assert_int_equal(BL_FLAG_THREAD_SAFE, 1);
    assert_int_equal(BL_FLAG_DETERMINISTIC, 2);
    assert_int_equal(BL_THREAT_METAL, 7);
    assert_int_equal(BL_THREAT_CLASS_COUNT, 8);
    assert_int_equal(BL_COLUMN_NUMERIC, 1);
    assert_int_equal(BL_COLUMN_CATEGORICAL, 2);
    assert_int_equal(BL_COLUMN_IDENTIFIER, 3);
    assert_int_equal(BL_SEIZURE_STORED, 1);
    assert_int_equal(BL_SEIZURE_RETRIEVED, 2);
    assert_int_equal(BL_SEIZURE_DISPOSED, 3);
    assert_int_equal(BL_PURPOSE_COURT, 1);
    assert_int_equal(BL_PURPOSE_RETURN, 3);
    assert_int_equal(BL_EINVAL, -1);
    assert_int_equal(BL_EINTEGRITY, -10);
}

int main(void) {
#if !defined(__x86_64__)
    return 77; /* the numbers are for x86_64; automake counts 77 as skipped */
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi_plugin_header),  cmocka_unit_test(test_abi_plugin),
        cmocka_unit_test(test_abi_host),           cmocka_unit_test(test_abi_scan),
        cmocka_unit_test(test_abi_detection),      cmocka_unit_test(test_abi_detections),
        cmocka_unit_test(test_abi_detector_ops),   cmocka_unit_test(test_abi_column),
        cmocka_unit_test(test_abi_records),        cmocka_unit_test(test_abi_reason),
        cmocka_unit_test(test_abi_risk_ops),       cmocka_unit_test(test_abi_seizure),
        cmocka_unit_test(test_abi_custody_report), cmocka_unit_test(test_abi_store_ops),
        cmocka_unit_test(test_abi_config),         cmocka_unit_test(test_abi_version),
        cmocka_unit_test(test_abi_enum_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
