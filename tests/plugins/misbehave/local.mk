# Misbehaving fixture plugins for the isolation tests (see README.md here).
# Three sources, one misbehaviour per build (-DMISBEHAVE_<NAME>): detector.c
# (escape also links escape.c), risk.c and store.c.  Built by `make check`;
# the .so files land in tests/plugins/misbehave/.libs/.
# Built without the sanitizers even in a sanitizer build: their misbehaviour
# is the point, and a sanitizer would catch it first and turn a crash into
# an exit(1) (a plugin built so would, as a vendor's would not).
MISBEHAVE_CFLAGS = -std=c11 $(BL_WARN_CFLAGS)
MISBEHAVE_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
misbehave_detector = tests/plugins/misbehave/detector.c tests/plugins/misbehave/misbehave.h
misbehave_risk = tests/plugins/misbehave/risk.c tests/plugins/misbehave/misbehave.h
misbehave_store = tests/plugins/misbehave/store.c tests/plugins/misbehave/misbehave.h
check_LTLIBRARIES += \
	tests/plugins/misbehave/crash.la \
	tests/plugins/misbehave/abort.la \
	tests/plugins/misbehave/exit0.la \
	tests/plugins/misbehave/hang.la \
	tests/plugins/misbehave/slow.la \
	tests/plugins/misbehave/leak.la \
	tests/plugins/misbehave/chatty.la \
	tests/plugins/misbehave/scribble.la \
	tests/plugins/misbehave/counts.la \
	tests/plugins/misbehave/liar.la \
	tests/plugins/misbehave/create_fail.la \
	tests/plugins/misbehave/escape.la \
	tests/plugins/misbehave/risk_crash.la \
	tests/plugins/misbehave/risk_hang.la \
	tests/plugins/misbehave/store_crash.la
EXTRA_DIST += tests/plugins/misbehave/README.md
tests_plugins_misbehave_crash_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_crash_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_CRASH
tests_plugins_misbehave_crash_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_crash_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_abort_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_abort_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_ABORT
tests_plugins_misbehave_abort_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_abort_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_exit0_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_exit0_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_EXIT0
tests_plugins_misbehave_exit0_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_exit0_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_hang_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_hang_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_HANG
tests_plugins_misbehave_hang_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_hang_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_slow_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_slow_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_SLOW
tests_plugins_misbehave_slow_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_slow_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_leak_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_leak_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_LEAK
tests_plugins_misbehave_leak_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_leak_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_chatty_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_chatty_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_CHATTY
tests_plugins_misbehave_chatty_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_chatty_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_scribble_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_scribble_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_SCRIBBLE
tests_plugins_misbehave_scribble_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_scribble_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_counts_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_counts_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_COUNTS
tests_plugins_misbehave_counts_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_counts_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_liar_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_liar_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_LIAR
tests_plugins_misbehave_liar_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_liar_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_create_fail_la_SOURCES = $(misbehave_detector)
tests_plugins_misbehave_create_fail_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_CREATE_FAIL
tests_plugins_misbehave_create_fail_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_create_fail_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_escape_la_SOURCES = $(misbehave_detector) tests/plugins/misbehave/escape.c
tests_plugins_misbehave_escape_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_ESCAPE
tests_plugins_misbehave_escape_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_escape_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_risk_crash_la_SOURCES = $(misbehave_risk)
tests_plugins_misbehave_risk_crash_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_RISK_CRASH
tests_plugins_misbehave_risk_crash_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_risk_crash_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_risk_hang_la_SOURCES = $(misbehave_risk)
tests_plugins_misbehave_risk_hang_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_RISK_HANG
tests_plugins_misbehave_risk_hang_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_risk_hang_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
tests_plugins_misbehave_store_crash_la_SOURCES = $(misbehave_store)
tests_plugins_misbehave_store_crash_la_CPPFLAGS = $(PLUGIN_CPPFLAGS) -DMISBEHAVE_STORE_CRASH
tests_plugins_misbehave_store_crash_la_CFLAGS = $(MISBEHAVE_CFLAGS)
tests_plugins_misbehave_store_crash_la_LDFLAGS = $(MISBEHAVE_LDFLAGS)
