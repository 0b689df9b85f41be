# The sandbox unit test (core/plugin/sandbox.c is compiled in directly until
# the plugin host program and the core library take it).
check_PROGRAMS += tests/unit/test_sandbox
TESTS += tests/unit/test_sandbox
tests_unit_test_sandbox_SOURCES = tests/unit/test_sandbox.c tests/unit/test_util.c \
	tests/unit/test_util.h core/plugin/sandbox.c core/plugin/sandbox.h
tests_unit_test_sandbox_CFLAGS = $(UNIT_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_test_sandbox_LDADD = $(UNIT_LDADD) $(SECCOMP_LIBS) $(PTHREAD_LIBS)
