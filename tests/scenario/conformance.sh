#!/bin/sh
# Conformance through the real binary: `borderlab plugin check` must pass
# every reference plugin in the build tree and refuse the ABI-99 fixture.
# Run by `make check` with BORDERLAB and top_builddir set.  Never skips:
# a missing binary or plugin is a failure.

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

: "${top_builddir:=.}"
[ -n "$BORDERLAB" ] || fail "BORDERLAB is not set (run through make check)"
[ -x "$BORDERLAB" ] || fail "borderlab program not found or not executable: $BORDERLAB (build it with make)"

# Run `borderlab plugin check` on one .so with the configuration it needs.
check_plugin() {
    so=$1
    case "$(basename "$so")" in
    logistic.so)
        set -- --config weights.x1=0.8 --config weights.x2=-0.5 --config intercept=-1
        ;;
    xgboost.so)
        # A tiny model over the checker's columns (x1, x2, x3, origin), made by
        # scripts/train_xgboost.py --conformance.
        fx="${top_srcdir:-$top_builddir}/tests/fixtures/xgboost/conformance"
        set -- --config "model=$fx/model.json" --config "encoding=$fx/encoding.json"
        ;;
    rules.so)
        # A tiny rules file over the checker's columns, both rule forms.
        set -- --config "rules=${top_srcdir:-$top_builddir}/tests/fixtures/rules/conformance.lua"
        ;;
    sqlite.so)
        # A new database file each run, under the build tree (removed at exit).
        dbdir=$(mktemp -d "$top_builddir/tests/out/conformance_sqlite.XXXXXX") ||
            fail "cannot make a scratch folder under $top_builddir/tests/out"
        # The check runs the file in its sandbox: the database folder is
        # named writable (a key of the harness's, not the plugin's).
        set -- --config "path=$dbdir/store.db" --config group_commit=3 --config "writable=$dbdir"
        ;;
    ffi_detector.so | ffi_risk.so)
        # The libffi adapters over the fixture vendor SDKs, declared as in
        # tests/fixtures/ffi/*.conf (@SDK@: the folder of the SDKs).
        conf="${top_srcdir:-$top_builddir}/tests/fixtures/ffi/$(basename "$so" .so | sed 's/^ffi_//').conf"
        sdk=$(cd "$top_builddir/tests/plugins/vendor_sdk/.libs" && pwd) ||
            fail "the fixture vendor SDKs are not built (make check builds them)"
        # shellcheck disable=SC2046
        set -- $(sed -e '/^#/d' -e "s|@SDK@|$sdk|" -e 's/^/--config /' "$conf")
        ;;
    *)
        set --
        ;;
    esac
    echo "# $BORDERLAB plugin check $so $*"
    "$BORDERLAB" plugin check "$so" "$@"
}

mkdir -p "$top_builddir/tests/out" || fail "cannot make $top_builddir/tests/out"
dbdir=
trap '[ -z "$dbdir" ] || rm -rf "$dbdir"' EXIT
found=0
for so in "$top_builddir"/plugins/*/*/.libs/*.so; do
    [ -f "$so" ] || continue
    found=$((found + 1))
    check_plugin "$so"
    rc=$?
    [ "$rc" -eq 0 ] || fail "plugin check $so exited with $rc, want 0"
done
# logistic again, its model from a JSON file (numeric and categorical weights).
lg="$top_builddir/plugins/risk/logistic/.libs/logistic.so"
[ -f "$lg" ] || fail "$lg not built (build it with make)"
lgcfg="model=${top_srcdir:-$top_builddir}/tests/fixtures/logistic/conformance.json"
echo "# $BORDERLAB plugin check $lg --config $lgcfg"
"$BORDERLAB" plugin check "$lg" --config "$lgcfg"
rc=$?
[ "$rc" -eq 0 ] || fail "plugin check $lg --config $lgcfg exited with $rc, want 0"

[ "$found" -ge 3 ] ||
    fail "found $found reference plugins under $top_builddir/plugins/*/*/.libs (want at least 3: dual_energy, logistic, memory); build them with make"

abi99="$top_builddir/tests/plugins/.libs/abi99.so"
[ -f "$abi99" ] || fail "fixture $abi99 not built (make check builds it)"
echo "# $BORDERLAB plugin check $abi99 (must be refused)"
"$BORDERLAB" plugin check "$abi99"
rc=$?
# 1 is "check failed / plugin refused"; 2 would be a usage error and >= 126 a crash.
[ "$rc" -eq 1 ] || fail "plugin check $abi99 (ABI major 99) exited with $rc, want 1 (refused)"

echo "conformance: $found plugins pass, abi99 refused"
exit 0
