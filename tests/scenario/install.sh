#!/bin/sh
# The install as a new user and a vendor meet it: `make install` into a
# staging folder (DESTDIR, under the build tree), then, from a folder that
# is neither the source nor the build tree, run the installed program on an
# installed scenario (by path and by name), read the results back with
# `borderlab show`, and build a detector out of tree with nothing but the
# installed borderlab-plugin.pc and header, and check it.  The staged
# program is not where configure said it would be, so this also proves it
# finds its plugins and scenarios relative to itself (core/base/datadir.h).
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/install"
rm -rf "$work" && mkdir -p "$work/run"
stage="$work/stage"
unset BORDERLAB_PLUGIN_PATH BORDERLAB_SCENARIO_PATH

# The test runs inside `make check`: a nested make must not try to join the
# parent's job server, and everything it needs is already built.
if (cd "$top_builddir" && MAKEFLAGS= MFLAGS= ${MAKE:-make} install DESTDIR="$stage") \
    >"$work/install.log" 2>&1; then
    pass "make install DESTDIR=$stage"
else
    fail "make install DESTDIR=$stage failed:"
    tail -n 20 "$work/install.log" | sed 's/^/    /'
    finish || exit 1
fi

# Read the layout from the installed .pc, moved under the stage the way a
# vendor points pkg-config at an install that is not at its prefix.
pc=$(find "$stage" -name borderlab-plugin.pc)
pcdir=$(dirname "$pc")
prefix=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=prefix borderlab-plugin)
pc() { PKG_CONFIG_PATH="$pcdir" pkg-config --define-variable=prefix="$stage$prefix" "$@"; }
bl=$(pc --variable=borderlab borderlab-plugin)
scenarios=$(pc --variable=scenariodir borderlab-plugin)
plugins=$(pc --variable=pkglibdir borderlab-plugin)
for f in "$bl" "$(dirname "$bl")/borderlab-plugin-host" "$stage$prefix/include/borderlab/plugin.h" \
    "$scenarios/quickstart.lua" \
    "$scenarios/models/cargo_xgboost.json" "$scenarios/validation/mmc.lua" \
    "$plugins/dual_energy.so" "$plugins/xgboost.so"; do
    if [ -f "$f" ]; then
        pass "installed ${f#"$stage"}"
    else
        fail "not installed: ${f#"$stage"}"
    fi
done
if ls "$plugins" | grep -q '\.la$'; then
    fail "libtool archives installed in $plugins: $(ls "$plugins" | tr '\n' ' ')"
else
    pass "no libtool archives among the installed plugins"
fi

# The installed program, from an unrelated folder, on the installed scenario.
cd "$work/run"
if "$bl" run "$scenarios/quickstart.lua" --quiet >run.txt 2>&1 && [ -f results/quickstart.h5 ]; then
    pass "installed borderlab runs the installed quickstart.lua (results/quickstart.h5)"
else
    fail "installed borderlab run of $scenarios/quickstart.lua:"
    sed 's/^/    /' run.txt
fi
if "$bl" show results/quickstart.h5 >show.txt 2>&1 && grep -q '^quickstart: ' show.txt; then
    pass "borderlab show reads it: $(head -n 1 show.txt)"
else
    fail "borderlab show results/quickstart.h5:"
    sed 's/^/    /' show.txt
fi
# The reference detector it used is the installed one, found beside the
# program although configure said $prefix.
sha=$(sha256sum "$plugins/dual_energy.so" | cut -d ' ' -f 1)
if "$bl" show results/quickstart.h5 --json 2>&1 | grep -q "$sha"; then
    pass "the run used the staged dual_energy.so"
else
    fail "the run did not use $plugins/dual_energy.so (sha256 $sha)"
fi

# A scenario by name: the installed one, and from BORDERLAB_SCENARIO_PATH.
rm -rf results
if "$bl" run validation/nhpp --set replications=2 --quiet >run.txt 2>&1 &&
    [ -f results/nhpp.h5 ]; then
    pass "borderlab run validation/nhpp finds the installed scenario"
else
    fail "borderlab run validation/nhpp:"
    sed 's/^/    /' run.txt
fi
mkdir -p mine
sed 's/^\( *name = \)"quickstart"/\1"mine"/' "$scenarios/quickstart.lua" >mine/mine.lua
if BORDERLAB_SCENARIO_PATH="$work/none:$work/run/mine" "$bl" run mine --quiet >run.txt 2>&1 &&
    [ -f results/mine.h5 ]; then
    pass "borderlab run mine finds mine.lua on BORDERLAB_SCENARIO_PATH"
else
    fail "borderlab run mine with BORDERLAB_SCENARIO_PATH:"
    sed 's/^/    /' run.txt
fi
expect_failure "missing scenario lists where it looked" "$scenarios/no_such_scenario.lua" \
    "$bl" run no_such_scenario --quiet

# A vendor's detector, built out of tree with the installed .pc only.
src="$top_srcdir/tests/plugins/vendor_threshold.c"
flags=$(pc --cflags --libs borderlab-plugin)
case "$flags" in
*"-I$stage$prefix/include"*) pass "pkg-config --cflags --libs borderlab-plugin: $flags" ;;
*) fail "pkg-config --cflags --libs borderlab-plugin does not point at the install: $flags" ;;
esac
# shellcheck disable=SC2086
if ${CC:-cc} -std=c11 -Wall -Werror -shared -fPIC -fvisibility=hidden $flags "$src" \
    -o vendor_threshold.so -lm >cc.txt 2>&1; then
    pass "vendor plugin builds against the installed header"
else
    fail "vendor plugin does not build against the installed header:"
    sed 's/^/    /' cc.txt
fi
# A file is checked in the installed plugin host process, found beside the program.
if "$bl" plugin check vendor_threshold.so >check.txt 2>&1; then
    pass "installed borderlab plugin check passes it, in its plugin host ($(tail -n 1 check.txt))"
else
    fail "installed borderlab plugin check vendor_threshold.so:"
    sed 's/^/    /' check.txt
fi
finish
