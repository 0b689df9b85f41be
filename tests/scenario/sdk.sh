#!/bin/sh
# The plugin SDK as a vendor uses it: build a detector out of tree with only
# borderlab-plugin.pc and plugin.h, check it passes `borderlab plugin check`,
# and check that every plugin exports nothing but its entry symbol.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/sdk"
rm -rf "$work" && mkdir -p "$work"

# The uninstalled .pc with its includedir pointed at the source headers.
cflags=$(PKG_CONFIG_PATH="$top_builddir" pkg-config --cflags \
    --define-variable=includedir="$top_srcdir/core/include" borderlab-plugin)
if ${CC:-cc} -std=c11 -Wall -Werror -shared -fPIC -fvisibility=hidden $cflags \
    "$top_srcdir/tests/plugins/vendor_threshold.c" -o "$work/vendor_threshold.so" -lm; then
    pass "vendor plugin builds with pkg-config --cflags borderlab-plugin ($cflags)"
else
    fail "vendor plugin does not build"
fi
if "$BORDERLAB" plugin check "$work/vendor_threshold.so" >"$work/check.txt" 2>&1; then
    pass "vendor plugin passes plugin check ($(tail -n 1 "$work/check.txt"))"
else
    fail "vendor plugin check failed:"
    sed 's/^/    /' "$work/check.txt"
fi

# Only bl_plugin_entry is exported (defined dynamic symbols, text or data).
for so in "$work/vendor_threshold.so" "$top_builddir"/plugins/*/*/.libs/*.so; do
    exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort | tr '\n' ' ')
    if [ "$exported" = "bl_plugin_entry " ]; then
        pass "$(basename "$so") exports only bl_plugin_entry"
    else
        fail "$(basename "$so") exports: $exported"
    fi
done
finish
