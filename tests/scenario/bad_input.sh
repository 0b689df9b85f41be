#!/bin/sh
# Bad input gets a clear error, a non-zero exit, and leaves no results file.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/bad_input"
rm -rf "$work" && mkdir -p "$work/out"
quickstart="$top_srcdir/scenarios/quickstart.lua"
libs="$top_builddir/tests/plugins/.libs"

# A scenario with a syntax error on line 3.
printf 'local bl = bl\n-- fine so far\nreturn bl.checkpoint{ name = "x" stations = {} }\n' \
    >"$work/syntax.lua"
expect_failure "syntax error" "syntax.lua:3:" \
    "$BORDERLAB" run "$work/syntax.lua" -o "$work/out/syntax.h5" --quiet
no_results "$work/out" "syntax error"

# A runtime error in the description names file and line.
cat >"$work/route.lua" <<'LUA'
return bl.checkpoint{
    name = "route", max_entities = 10, arrivals = bl.poisson{ rate = 1 },
    stations = {
        bl.station{ "a", servers = 1, service = bl.exponential{ mean = 1 }, next = "nowhere" },
    },
}
LUA
expect_failure "unknown route target" "route.lua:4:" \
    "$BORDERLAB" run "$work/route.lua" -o "$work/out/route.h5" --quiet
no_results "$work/out" "unknown route target"

# A shift schedule whose times overlap: the bl.shifts line and both shifts.
cat >"$work/shifts.lua" <<'LUA'
return bl.checkpoint{
    name = "shifts", max_entities = 10, arrivals = bl.poisson{ rate = 1 },
    stations = {
        bl.station{ "a", servers = bl.shifts{
            { from = bl.hours(0), to = bl.hours(9), servers = 4 },
            { from = bl.hours(8), to = bl.hours(24), servers = 2 } },
            service = bl.exponential{ mean = 1 } },
    },
}
LUA
expect_failure "overlapping shifts" "shifts.lua:4: bl.shifts: shifts overlap: shift 1 (0:00 to 9:00" \
    "$BORDERLAB" run "$work/shifts.lua" -o "$work/out/shifts.h5" --quiet
no_results "$work/out" "overlapping shifts"

# A negative arrival rate, in each constructor that takes rates.
cat >"$work/rate.lua" <<'LUA'
return bl.checkpoint{
    name = "rate", max_entities = 10, arrivals = bl.poisson{ rate = -2 },
    stations = { bl.station{ "a", servers = 1, service = 1 } },
}
LUA
expect_failure "negative rate (bl.poisson)" "rate.lua:2: bl.poisson: rate must be a rate >= 0" \
    "$BORDERLAB" run "$work/rate.lua" -o "$work/out/rate.h5" --quiet
cat >"$work/weekly.lua" <<'LUA'
local day = {}
for h = 1, 24 do day[h] = bl.per_hour(h == 13 and -5 or 60) end
return bl.checkpoint{
    name = "weekly", duration = bl.days(7),
    classes = { bl.class{ "car", arrivals = bl.weekly{ day = day } } },
    stations = { bl.station{ "a", servers = 1, service = 1 } },
}
LUA
expect_failure "negative rate (bl.weekly)" "weekly.lua:5: bl.weekly: day\[13\] must be a rate >= 0" \
    "$BORDERLAB" run "$work/weekly.lua" -o "$work/out/weekly.h5" --quiet
cat >"$work/class.lua" <<'LUA'
return bl.checkpoint{
    name = "class", duration = 100,
    classes = {
        bl.class{ "foot", arrivals = bl.poisson{ rate = 1 } },
        bl.class{ "car", arrivals = bl.poisson{ profile = { 1, -0.5 }, step = 60 } },
    },
    stations = { bl.station{ "a", servers = 1, service = 1 } },
}
LUA
expect_failure "negative rate (bl.class)" "class.lua:5: bl.poisson: profile\[2\] must be a rate >= 0" \
    "$BORDERLAB" run "$work/class.lua" -o "$work/out/class.h5" --quiet
no_results "$work/out" "negative arrival rates"

# A malformed row in replayed arrivals: the scenario line, the file and row.
printf 'time,class\n0,foot\n-30,foot\n' >"$work/arrivals.csv"
cat >"$work/replay.lua" <<'LUA'
return bl.checkpoint{
    name = "replay", duration = 100,
    classes = { bl.class{ "foot" } },
    replay = bl.arrivals_csv{ path = "arrivals.csv" },
    stations = { bl.station{ "a", servers = 1, service = 1 } },
}
LUA
expect_failure "malformed arrivals row" "replay.lua:4: bl.arrivals_csv: .*arrivals.csv:3: column 'time' is -30" \
    "$BORDERLAB" run "$work/replay.lua" -o "$work/out/replay.h5" --quiet
no_results "$work/out" "malformed arrivals row"

# Plugins that are not plugins.
expect_failure "text file as plugin" "not a shared object" \
    "$BORDERLAB" run "$quickstart" --plugin "detector=$top_srcdir/tests/plugins/not_a_plugin.txt" \
    -o "$work/out/text.h5" --quiet
expect_failure "shared object without entry symbol" "bl_plugin_entry" \
    "$BORDERLAB" run "$quickstart" --plugin "detector=$libs/no_entry.so" -o "$work/out/ne.h5" --quiet
expect_failure "plugin built for ABI major 99" "ABI major 99" \
    "$BORDERLAB" run "$quickstart" --plugin "detector=$libs/abi99.so" -o "$work/out/abi.h5" --quiet
expect_failure "risk model given as detector" "a detector is expected" \
    "$BORDERLAB" run "$quickstart" \
    --plugin "detector=$top_builddir/plugins/risk/logistic/.libs/logistic.so" \
    -o "$work/out/kind.h5" --quiet
no_results "$work/out" "refused plugins"

# Where a plugin runs and its limits: a wrong value is named with its line.
cat >"$work/limits.lua" <<'LUA'
return bl.detector_bench {
    scans = 10,
    generator = bl.xray { width = 64, height = 64 },
    detectors = { bl.plugin { "dual_energy", timeout = -1 } },
}
LUA
expect_failure "negative plugin timeout" "limits.lua:4: bl.plugin: timeout = -1: give a number of seconds" \
    "$BORDERLAB" run "$work/limits.lua" -o "$work/out/limits.h5" --quiet
expect_failure "--plugin-config without --plugin" "configures the plugin --plugin names" \
    "$BORDERLAB" run "$quickstart" --plugin-config timeout=2 -o "$work/out/pc.h5" --quiet
expect_failure "--plugin-config of a bad limit" "memory_limit = lots: give a size" \
    "$BORDERLAB" run "$quickstart" --plugin "detector=dual_energy" --plugin-config memory_limit=lots \
    -o "$work/out/pc.h5" --quiet
expect_failure "--isolation of no known kind" "needs process or none" \
    "$BORDERLAB" run "$quickstart" --isolation sandbox -o "$work/out/iso.h5" --quiet
expect_failure "a second store" "runs one store" \
    "$BORDERLAB" run "$top_srcdir/scenarios/store_soak.lua" --plugin "store+=memory" \
    -o "$work/out/store.h5" --quiet
no_results "$work/out" "refused plugin limits"

# A rollout gate's bound outside 0..1 can never be met (or always is).
expect_failure "--fail-under bound above 1" "the bound 7 is outside 0..1" \
    "$BORDERLAB" run "$top_srcdir/scenarios/cargo_risk.lua" --fail-under auc=7 \
    -o "$work/out/gate.h5" --quiet
no_results "$work/out" "a gate bound above 1"

# A run stopped by SIGTERM removes its temporary file; a temporary file
# left by a process that is gone (killed before it could) is removed by the
# next run of the same output.
true &
gone=$!
wait "$gone"
touch "$work/out/.stopped.h5.tmp.$gone"
"$BORDERLAB" run "$top_srcdir/scenarios/xray_bench.lua" --set scans=20000 --quiet \
    -o "$work/out/stopped.h5" >/dev/null 2>&1 &
run_pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -e "$work/out/.stopped.h5.tmp.$run_pid" ] && break
    sleep 0.3
done
if [ -e "$work/out/.stopped.h5.tmp.$gone" ]; then
    fail "a stale temporary file of a process that is gone was not removed"
else
    pass "a stale temporary file of a process that is gone is removed by the next run"
fi
kill -TERM "$run_pid"
status=0
wait "$run_pid" || status=$?
if [ "$status" = 143 ] && [ -z "$(ls -A "$work/out")" ]; then
    pass "a run stopped by SIGTERM (exit $status) leaves no file behind"
else
    fail "a run stopped by SIGTERM: exit $status, left: $(ls -A "$work/out" | tr '\n' ' ')"
fi

# A run's name is its results file's: it cannot lead out of results/.  And
# a name goes into tables, plot scripts and file names: printable only.
cat >"$work/escape_name.lua" <<'LUA'
return bl.detector_bench { name = "../../../escaped", scans = 10,
    generator = bl.xray { width = 64, height = 64 }, detectors = { bl.plugin { "dual_energy" } } }
LUA
expect_failure "a run name with ../" "a run's name is its results file's name" \
    "$BORDERLAB" run "$work/escape_name.lua" --quiet
if [ -e "$top_builddir/../../escaped.h5" ] || [ -e "$top_builddir/results/../../../escaped.h5" ]; then
    fail "a run name with ../: a file was written outside results/"
else
    pass "a run name with ../: nothing written outside results/"
fi
cat >"$work/newline_name.lua" <<'LUA'
return bl.checkpoint {
    duration = bl.hours(1),
    classes = { bl.class { name = "foot", arrivals = bl.poisson { rate = 0.1 }, first = "desk" } },
    stations = { bl.station { name = "desk\nx", servers = 1, service = bl.exponential { mean = 5 } } },
}
LUA
expect_failure "a station name with a newline" "newline_name.lua:4: station: name holds a control" \
    "$BORDERLAB" run "$work/newline_name.lua" -o "$work/out/newline.h5" --quiet
no_results "$work/out" "names that are not names"

# A service time that can be negative would silently become 0.
sed 's/bl.exponential { mean = 5 }/bl.uniform { low = -2, high = 8 }/' "$work/newline_name.lua" |
    sed 's/desk\\nx/desk/' >"$work/negative_service.lua"
expect_failure "a service time that can be negative" \
    "negative_service.lua:4: station 'desk': service can draw -2 seconds: a duration cannot be negative" \
    "$BORDERLAB" run "$work/negative_service.lua" -o "$work/out/negative.h5" --quiet
no_results "$work/out" "a negative duration"

# Messages that say what is wrong: a folder given as the scenario, and
# show on the file of a compare.
expect_failure "a folder as the scenario" "is a folder: give a scenario file in it" \
    "$BORDERLAB" run "$top_srcdir/scenarios/." -o "$work/out/folder.h5" --quiet
if "$BORDERLAB" run "$top_srcdir/scenarios/xray_bench.lua" --set scans=40 --set size=64 \
    --set timing=false --quiet -o "$work/out/two.h5" 2>/dev/null &&
    "$BORDERLAB" compare "$work/out/two.h5" -o "$work/out/pair.h5" >/dev/null 2>&1; then
    expect_failure "show on a compare file" "is the file of a borderlab compare, not of a run" \
        "$BORDERLAB" show "$work/out/pair.h5"
else
    fail "show on a compare file: the compare file could not be made"
fi
rm -f "$work/out/two.h5" "$work/out/pair.h5" "$work/out/"*.png "$work/out/"*.svg

# An output never replaces an input: the scenario itself, or a compared file.
cp "$quickstart" "$work/out/scenario_copy.lua"
expect_failure "-o naming the scenario file" "is the scenario file: it would be overwritten" \
    "$BORDERLAB" run "$work/out/scenario_copy.lua" -o "$work/out/scenario_copy.lua" --quiet
if cmp -s "$quickstart" "$work/out/scenario_copy.lua"; then
    pass "-o naming the scenario file: the scenario is untouched"
else
    fail "-o naming the scenario file: the scenario was changed"
fi
rm -f "$work/out/scenario_copy.lua"
printf 'not results\n' >"$work/out/input.h5"
expect_failure "compare -o naming an input" "is one of the files compared" \
    "$BORDERLAB" compare "$work/out/input.h5" -o "$work/out/input.h5"
if [ "$(cat "$work/out/input.h5")" = "not results" ]; then
    pass "compare -o naming an input: the input is untouched"
else
    fail "compare -o naming an input: the input was changed"
fi
rm -f "$work/out/input.h5"

# --set of a key the scenario does not declare lists the known ones.
expect_failure "--set unknown key" "parameters are" \
    "$BORDERLAB" run "$quickstart" --set no_such_knob=3 -o "$work/out/set.h5" --quiet
no_results "$work/out" "--set unknown key"

# Output folders that cannot be written.
expect_failure "output folder missing" "$work/missing" \
    "$BORDERLAB" run "$quickstart" -o "$work/missing/q.h5" --quiet
touch "$work/plainfile"
expect_failure "output folder is a file" "plainfile" \
    "$BORDERLAB" run "$quickstart" -o "$work/plainfile/q.h5" --quiet
if [ "$(id -u)" -ne 0 ]; then
    mkdir -p "$work/readonly" && chmod 555 "$work/readonly"
    expect_failure "output folder read-only" "readonly" \
        "$BORDERLAB" run "$quickstart" -o "$work/readonly/q.h5" --quiet
    chmod 755 "$work/readonly"
else
    # root writes through permission bits; /proc refuses everyone
    expect_failure "output folder read-only (/proc)" "/proc" \
        "$BORDERLAB" run "$quickstart" -o "/proc/borderlab-test.h5" --quiet
fi

# A results file from another tool.
expect_failure "show a text file" "not an HDF5 file" "$BORDERLAB" show "$work/syntax.lua"

# Wrong usage is exit 2.
set +e
"$BORDERLAB" run "$quickstart" --frobnicate >/dev/null 2>&1
code=$?
set -e
if [ "$code" -eq 2 ]; then pass "unknown option exits 2"; else fail "unknown option exits $code"; fi

finish
