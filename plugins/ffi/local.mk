# libffi adapter plugins (see README.md here): borderlab.ffi_detector and
# borderlab.ffi_risk call a vendor SDK's own C functions as a scenario
# declares them.  They live in their kinds' folders so the loader finds them
# by name (bl.plugin{"ffi_detector", ...}); the declaration parser and the
# libffi calls they share live here and are built into both.
FFI_ADAPTER_SOURCES = plugins/ffi/ffi_decl.c plugins/ffi/ffi_decl.h plugins/ffi/ffi_call.c \
	plugins/ffi/ffi_call.h

pkglib_LTLIBRARIES += plugins/detector/ffi_detector/ffi_detector.la
plugins_detector_ffi_detector_ffi_detector_la_SOURCES = \
	plugins/detector/ffi_detector/ffi_detector.c $(FFI_ADAPTER_SOURCES)
plugins_detector_ffi_detector_ffi_detector_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) $(FFI_CFLAGS)
plugins_detector_ffi_detector_ffi_detector_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_detector_ffi_detector_ffi_detector_la_LIBADD = $(FFI_LIBS) $(PTHREAD_LIBS) -ldl -lm

pkglib_LTLIBRARIES += plugins/risk/ffi_risk/ffi_risk.la
plugins_risk_ffi_risk_ffi_risk_la_SOURCES = plugins/risk/ffi_risk/ffi_risk.c \
	$(FFI_ADAPTER_SOURCES)
plugins_risk_ffi_risk_ffi_risk_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) $(FFI_CFLAGS)
plugins_risk_ffi_risk_ffi_risk_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_risk_ffi_risk_ffi_risk_la_LIBADD = $(FFI_LIBS) $(PTHREAD_LIBS) -ldl -lm

# ---- fixture vendor SDKs (tests/plugins/vendor_sdk): plain shared objects
# with their own C API, no bl_plugin_entry; and their native twins, the
# same algorithm source built as borderlab plugins.
VSDK_ALGO_SOURCES = tests/plugins/vendor_sdk/vsdk_algo.c tests/plugins/vendor_sdk/vsdk_algo.h \
	tests/plugins/vendor_sdk/vsdk.h
VRISK_ALGO_SOURCES = tests/plugins/vendor_sdk/vrisk_algo.c tests/plugins/vendor_sdk/vrisk_algo.h \
	tests/plugins/vendor_sdk/vrisk.h
check_LTLIBRARIES += tests/plugins/vendor_sdk/libvsdk_detect.la \
	tests/plugins/vendor_sdk/libvrisk.la tests/plugins/vendor_sdk/vsdk_native.la \
	tests/plugins/vendor_sdk/vrisk_native.la
tests_plugins_vendor_sdk_libvsdk_detect_la_SOURCES = tests/plugins/vendor_sdk/vsdk.c \
	$(VSDK_ALGO_SOURCES)
tests_plugins_vendor_sdk_libvsdk_detect_la_CPPFLAGS = -D_GNU_SOURCE
tests_plugins_vendor_sdk_libvsdk_detect_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS) \
	-export-symbols-regex '^vsdk_(open|open_into|close|inspect|inspect_f32|inspect_sloppy)$$'
tests_plugins_vendor_sdk_libvsdk_detect_la_LIBADD = -lm
tests_plugins_vendor_sdk_libvrisk_la_SOURCES = tests/plugins/vendor_sdk/vrisk.c \
	$(VRISK_ALGO_SOURCES)
tests_plugins_vendor_sdk_libvrisk_la_CPPFLAGS = -D_GNU_SOURCE
tests_plugins_vendor_sdk_libvrisk_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS) \
	-export-symbols-regex '^vrisk_(open|close|score|score_into|logit)$$'
tests_plugins_vendor_sdk_libvrisk_la_LIBADD = -lm
tests_plugins_vendor_sdk_vsdk_native_la_SOURCES = tests/plugins/vendor_sdk/vsdk_native.c \
	$(VSDK_ALGO_SOURCES)
tests_plugins_vendor_sdk_vsdk_native_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
tests_plugins_vendor_sdk_vsdk_native_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS) \
	-export-symbols-regex '^bl_plugin_entry$$'
tests_plugins_vendor_sdk_vsdk_native_la_LIBADD = -lm
tests_plugins_vendor_sdk_vrisk_native_la_SOURCES = tests/plugins/vendor_sdk/vrisk_native.c \
	$(VRISK_ALGO_SOURCES)
tests_plugins_vendor_sdk_vrisk_native_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
tests_plugins_vendor_sdk_vrisk_native_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS) \
	-export-symbols-regex '^bl_plugin_entry$$'
tests_plugins_vendor_sdk_vrisk_native_la_LIBADD = -lm

# ---- tests: the adapters against the twins through the real loader, the
# refused declarations (cmocka); and the same through the real program.
check_PROGRAMS += tests/unit/test_ffi_adapter
TESTS += tests/unit/test_ffi_adapter tests/scenario/ffi_adapter.sh
tests_unit_test_ffi_adapter_SOURCES = tests/unit/test_ffi_adapter.c tests/unit/test_util.c \
	tests/unit/test_util.h $(VSDK_ALGO_SOURCES)
tests_unit_test_ffi_adapter_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ffi_adapter_LDADD = $(UNIT_LDADD)
EXTRA_DIST += plugins/ffi/README.md tests/scenario/ffi_adapter.sh \
	tests/fixtures/ffi/detector_bench.lua tests/fixtures/ffi/risk_validation.lua \
	tests/fixtures/ffi/bad_declaration.lua tests/fixtures/ffi/detector.conf \
	tests/fixtures/ffi/risk.conf
