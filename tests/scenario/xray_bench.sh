#!/bin/sh
# scenarios/xray_bench.lua end to end through the real program, sized for
# speed (400 scans of 128 x 128): the results file holds per-scan scores and
# truth, ROC tables and metrics with intervals for both reference detectors;
# `borderlab compare` prints a table with p-values and writes compare.h5 and
# a ROC plot; a detector with invalid outputs has them counted and the run
# completes; --threads 1 and 2 give identical scores.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/xray_bench"
rm -rf "$work" && mkdir -p "$work"
H5DUMP=${H5DUMP:-h5dump}
scenario="$top_srcdir/scenarios/xray_bench.lua"
bad="$top_builddir/tests/plugins/.libs/bad_detector.so"

# bench NAME ARGS...: run the scenario small into $work/NAME.h5; 0 when it succeeded.
bench() {
    name=$1
    shift
    if "$BORDERLAB" run "$scenario" --set scans=400 --set size=128 --seed 7 --quiet \
        -o "$work/$name.h5" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
        pass "$name: run exit 0"
    else
        fail "$name: run exited $?:"
        sed 's/^/    /' "$work/$name.err" | head -n 20
        return 1
    fi
}

# detectors FILE: the detector groups of FILE, one per line.
detectors() {
    "$H5DUMP" -n 1 "$1" | sed -n 's|^ *group *\(/detector/detectors/[^/]*\)$|\1|p'
}

# rows FILE DATASET: the number of rows of a table (0 when missing).
rows() {
    "$H5DUMP" -H -d "$2" "$1" 2>/dev/null |
        sed -n 's/.*DATASPACE *SIMPLE *{ *( *\([0-9]*\) *).*/\1/p' | head -n 1 | grep . || echo 0
}

# ---------------------------------------------------------------- the bench, both detectors
if ! bench bench --threads 2; then
    finish
    exit 1
fi
file="$work/bench.h5"
job=$("$H5DUMP" -a /job "$file" | sed -n 's/.*(0): "\(.*\)".*/\1/p')
if [ "$job" = detector_bench ]; then pass "job = detector_bench"; else fail "job is '$job'"; fi
if "$H5DUMP" -a /scan_set_sha256 "$file" | grep -q '"[0-9a-f]\{64\}"'; then
    pass "scan_set_sha256 recorded"
else
    fail "no scan_set_sha256 attribute"
fi
n=$(rows "$file" /detector/scans)
if [ "$n" = 400 ]; then pass "/detector/scans: 400 scans with truth"; else fail "/detector/scans has $n rows"; fi
if "$H5DUMP" -H -d /detector/scans "$file" | grep -q '"truth_mask"'; then
    pass "/detector/scans has truth_mask"
else
    fail "/detector/scans has no truth_mask"
fi

groups=$(detectors "$file")
count=$(printf '%s\n' "$groups" | grep -c . || true)
if [ "$count" -eq 2 ]; then pass "two detectors: $(echo $groups)"; else fail "$count detector groups: $groups"; fi
for g in $groups; do
    n=$(rows "$file" "$g/scores")
    if [ "$n" = 400 ]; then pass "$g/scores: one row per scan"; else fail "$g/scores has $n rows"; fi
    n=$(rows "$file" "$g/roc/any")
    if [ "$n" -gt 1 ]; then pass "$g/roc/any: $n points"; else fail "$g/roc/any has $n rows"; fi
    header=$("$H5DUMP" -H -d "$g/metrics" "$file" 2>&1)
    missing=""
    for column in class pd pd_low pd_high pfa pfa_low pfa_high auc auc_low auc_high \
        pd_at_pfa1_low pd_at_pfa5_high; do
        printf '%s\n' "$header" | grep -q "\"$column\"" || missing="$missing $column"
    done
    if [ -z "$missing" ]; then pass "$g/metrics has every metric with its interval"; else fail "$g/metrics lacks:$missing"; fi
done

# Values: every interval holds its estimate (read with h5py).
if python=$(h5py_python); then
    if "$python" - "$file" >"$work/intervals.txt" 2>&1 <<'EOF'; then
import math, sys
import h5py
f = h5py.File(sys.argv[1], "r")
bad = 0
for name, g in f["/detector/detectors"].items():
    m = g["metrics"][:]
    assert len(m) >= 1 and m["class"][0].decode() == "any", name
    for row in m:
        for key in ("pd", "pfa", "auc"):
            lo, x, hi = row[key + "_low"], row[key], row[key + "_high"]
            if not (lo <= x <= hi):
                print(name, row["class"], key, lo, x, hi)
                bad += 1
    s = g["scores"][:]
    assert all(0 <= v <= 1 for v in s["any"]), name
sys.exit(1 if bad else 0)
EOF
        pass "every pd, pfa and auc lies within its interval"
    else
        fail "intervals do not hold their estimates:"
        sed 's/^/    /' "$work/intervals.txt" | head -n 10
    fi
else
    fail "no python3 with h5py: interval values not checked"
fi

# ---------------------------------------------------------------- compare
if "$BORDERLAB" compare "$file" -o "$work/compare.h5" >"$work/compare.txt" 2>"$work/compare.err"; then
    pass "compare: exit 0"
else
    fail "compare exited $?:"
    sed 's/^/    /' "$work/compare.err" | head -n 10
fi
if grep -q 'p-value' "$work/compare.txt" &&
    grep -Eq '^ +any +pd +[0-9.]+ +[0-9.]+ +[-+][0-9.]+ +(<1e-16|[0-9.]+(e-[0-9]+)?) +mcnemar-exact' \
        "$work/compare.txt" &&
    grep -Eq '^ +any +auc .* delong' "$work/compare.txt"; then
    pass "compare prints a table with p-values"
else
    fail "compare's table lacks the any/pd McNemar or any/auc DeLong row:"
    sed 's/^/    /' "$work/compare.txt" | head -n 20
fi
n=$(rows "$work/compare.h5" /compare/pairs)
if [ "$n" -ge 3 ]; then pass "compare.h5: /compare/pairs has $n rows"; else fail "compare.h5: /compare/pairs has $n rows"; fi
cjob=$("$H5DUMP" -a /job "$work/compare.h5" 2>/dev/null | sed -n 's/.*(0): "\(.*\)".*/\1/p')
if [ "$cjob" = compare ]; then pass "compare.h5: job = compare"; else fail "compare.h5: job is '$cjob'"; fi
if command -v gnuplot >/dev/null 2>&1; then
    png="$work/compare-roc.png"
    signature=$(od -An -tx1 -N8 "$png" 2>/dev/null | tr -d ' \n')
    if [ -s "$png" ] && [ "$signature" = 89504e470d0a1a0a ]; then
        pass "ROC plot $png written (PNG)"
    else
        fail "no valid PNG at $png (signature '$signature')"
    fi
    if [ -s "$work/compare-roc.svg" ]; then pass "ROC plot as SVG too"; else fail "no SVG plot"; fi
else
    echo "skip gnuplot is not on PATH: no plot to check"
fi
if "$BORDERLAB" compare "$file" -o "$work/compare-json.h5" --json >"$work/compare.json" 2>/dev/null &&
    grep -q '"pairs"' "$work/compare.json" && grep -q '"p_value"' "$work/compare.json"; then
    pass "compare --json prints the pairs"
else
    fail "compare --json did not print the pairs"
fi
expect_failure "compare a compare file" "compare needs detector_bench runs" \
    "$BORDERLAB" compare "$file" "$work/compare.h5" -o "$work/none.h5"

# ---------------------------------------------------------------- a detector with invalid outputs
# The run finishes and writes its file, but the verdict on the detector is
# INVALID: exit status 4, one line naming it.
if [ -f "$bad" ]; then
    status=0
    "$BORDERLAB" run "$scenario" --set scans=400 --set size=128 --seed 7 --quiet \
        -o "$work/bad.h5" --plugin "detector=$bad" >"$work/bad.out" 2>"$work/bad.err" || status=$?
    if [ "$status" = 4 ] && grep -q "borderlab-tests.bad_detector.*INVALID: .*invalid outputs" \
        "$work/bad.err"; then
        pass "bad: run exit 4, the verdict INVALID named: $(head -c 120 "$work/bad.err")"
    else
        fail "bad: run exited $status, want 4 with the verdict:"
        sed 's/^/    /' "$work/bad.err" | head -n 20
    fi
    if [ -f "$work/bad.h5" ]; then
        g=$(detectors "$work/bad.h5" | head -n 1)
        invalid=$("$H5DUMP" -a "$g/invalid_outputs" "$work/bad.h5" 2>/dev/null |
            sed -n 's/.*(0): *\([0-9]*\).*/\1/p')
        if [ -n "$invalid" ] && [ "$invalid" -gt 0 ]; then
            pass "bad_detector: $invalid invalid outputs counted"
        else
            fail "bad_detector: invalid_outputs is '$invalid'"
        fi
        n=$(rows "$work/bad.h5" "$g/scores")
        if [ "$n" = 400 ]; then pass "bad_detector: every scan scored"; else fail "bad_detector: $n scores"; fi
        expect_failure "compare a one-detector run" "compare needs at least two" \
            "$BORDERLAB" compare "$work/bad.h5" -o "$work/none.h5"
    fi
else
    fail "$bad is not built"
fi

# ---------------------------------------------------------------- threads 1 and 2 agree
if bench threads1 --threads 1; then
    for g in $groups; do
        "$H5DUMP" -d "$g/scores" "$file" | sed 1d >"$work/scores-2.txt"
        "$H5DUMP" -d "$g/scores" "$work/threads1.h5" | sed 1d >"$work/scores-1.txt"
        if [ -s "$work/scores-1.txt" ] && cmp -s "$work/scores-1.txt" "$work/scores-2.txt"; then
            pass "$g/scores identical with --threads 1 and 2"
        else
            fail "$g/scores differ between --threads 1 and 2"
            diff "$work/scores-1.txt" "$work/scores-2.txt" | head -n 10
        fi
    done
fi
finish
