#!/bin/sh
# The libffi adapters end to end through the real program: a detector_bench
# (tests/fixtures/ffi/detector_bench.lua, 256 scans of 128 x 128 on 4
# threads, so several adapter instances call the SDK at once) runs the
# fixture vendor SDK through borderlab.ffi_detector beside its native twin,
# and a risk_validation (risk_validation.lua, 5000 declarations, on 1 and
# 4 threads) the risk SDK through borderlab.ffi_risk beside its twin: the
# results files must
# hold identical per-scan scores and detections, and identical per-record
# scores.  `borderlab plugin check` passes both adapters given a
# declaration; a misspelt declaration fails the run, naming the key.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/ffi_adapter"
rm -rf "$work" && mkdir -p "$work"
fixtures="$top_srcdir/tests/fixtures/ffi"
# The adapter opens `library` as given: hand the scenarios an absolute folder.
sdk=$(cd "$top_builddir/tests/plugins/vendor_sdk/.libs" 2>/dev/null && pwd) || sdk=""
for so in libvsdk_detect.so vsdk_native.so libvrisk.so vrisk_native.so; do
    if [ -z "$sdk" ] || [ ! -f "$sdk/$so" ]; then
        fail "fixture $so is not built under tests/plugins/vendor_sdk/.libs (make check builds it)"
        finish
        exit 1
    fi
done
if ! python=$(h5py_python); then
    fail "no python3 with h5py: the results cannot be compared"
    finish
    exit 1
fi

# run NAME SCENARIO ARGS...: run it into $work/NAME.h5; 0 when it succeeded.
run() {
    name=$1 scenario=$2
    shift 2
    if "$BORDERLAB" run "$fixtures/$scenario" --set "sdk=$sdk" --quiet -o "$work/$name.h5" "$@" \
        >"$work/$name.out" 2>"$work/$name.err"; then
        pass "$name: run exit 0"
    else
        fail "$name: run exited $?:"
        sed 's/^/    /' "$work/$name.err" | head -n 20
        return 1
    fi
}

# ---------------------------------------------------------------- detector: adapter = native
if run detector detector_bench.lua --set scans=256 --threads 4; then
    if "$python" - "$work/detector.h5" >"$work/detector.txt" 2>&1 <<'EOF'; then
import sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["/detector/detectors"]
names = list(g.keys())
assert names == ["borderlab.ffi_detector", "vendor.vsdk_native"], names
a, b = (g[n] for n in names)
sa, sb = a["scores"][:], b["scores"][:]
assert len(sa) == 256 and len(sb) == 256, (len(sa), len(sb))
for column in sa.dtype.names:
    if not np.array_equal(sa[column], sb[column]):
        i = int(np.flatnonzero(sa[column] != sb[column])[0])
        sys.exit(f"scores.{column} differ first at scan {i}: {sa[column][i]!r} vs {sb[column][i]!r}")
da, db = a["detections"][:], b["detections"][:]
assert len(da) == len(db) and len(da) > 0, (len(da), len(db))
assert da.tobytes() == db.tobytes(), "detections differ"
for n in names:
    assert g[n].attrs["invalid_outputs"] == 0, (n, g[n].attrs["invalid_outputs"])
alarmed = int((sa["any"] > 0).sum())
assert 0 < alarmed < 256, alarmed  # scores that vary: the comparison means something
assert (sa["metal"] > 0).any() and (sa["drugs"] > 0).any()
print(f"{len(da)} detections on {alarmed} of 256 scans, identical bit for bit")
EOF
        pass "detector: scores and detections identical: $(tail -n 1 "$work/detector.txt")"
    else
        fail "detector: the adapter and the native plugin differ:"
        sed 's/^/    /' "$work/detector.txt" | tail -n 10
    fi
fi

# ---------------------------------------------------------------- risk: adapter = native
# On one thread, then on four (both models score batches at the same time).
for threads in 1 4; do
    name=risk$threads
    run "$name" risk_validation.lua --threads "$threads" || continue
    if "$python" - "$work/$name.h5" >"$work/$name.txt" 2>&1 <<'EOF'; then
import sys
import h5py
import numpy as np
f = h5py.File(sys.argv[1], "r")
g = f["/risk/models"]
names = list(g.keys())
assert names == ["borderlab.ffi_risk", "vendor.vrisk_native"], names
sa, sb = (g[n]["scores"][:] for n in names)
assert len(sa) == len(sb) and len(sa) > 1000, (len(sa), len(sb))
for n, s in zip(names, (sa, sb)):
    assert not np.isnan(s["score"]).any(), f"{n}: {int(np.isnan(s['score']).sum())} NaN scores"
    assert g[n]["summary"][0]["invalid_scores"] == 0, n
assert sa.tobytes() == sb.tobytes(), "scores differ"
assert len(np.unique(sa["score"])) > len(sa) // 2  # scores that vary
print(f"{len(sa)} scores identical bit for bit, AUC {g[names[0]]['summary'][0]['auc']:.3f}")
EOF
        pass "$name: scores identical: $(tail -n 1 "$work/$name.txt")"
    else
        fail "$name: the adapter and the native plugin differ:"
        sed 's/^/    /' "$work/$name.txt" | tail -n 10
    fi
done

# ---------------------------------------------------------------- conformance with a declaration
# tests/fixtures/ffi/{detector,risk}.conf: the declarations as --config pairs.
for plugin in detector/ffi_detector risk/ffi_risk; do
    so="$top_builddir/plugins/$plugin/.libs/${plugin#*/}.so"
    conf="$fixtures/${plugin%%/*}.conf"
    # shellcheck disable=SC2046
    set -- $(sed -e '/^#/d' -e "s|@SDK@|$sdk|" -e 's/^/--config /' "$conf")
    if "$BORDERLAB" plugin check "$so" "$@" >"$work/check.txt" 2>&1; then
        pass "plugin check ${plugin#*/}.so with ${conf##*/}: $(tail -n 1 "$work/check.txt")"
    else
        fail "plugin check ${plugin#*/}.so with ${conf##*/} failed:"
        sed 's/^/    /' "$work/check.txt" | tail -n 10
    fi
done

# ---------------------------------------------------------------- a bad declaration
# The run fails (exit non-zero) and the adapter's message names the key.  A
# plugin refused in the plugin host process leaves its message in the
# results file (/plugin_logs) instead of on stderr: look in both.
want='detect.args.3 = "widht": unknown argument kind; use one of handle'
set +e
"$BORDERLAB" run "$fixtures/bad_declaration.lua" --set "sdk=$sdk" --quiet -o "$work/bad.h5" \
    >"$work/bad.out" 2>"$work/bad.err"
code=$?
set -e
[ -f "$work/bad.h5" ] && "${H5DUMP:-h5dump}" "$work/bad.h5" >"$work/bad.dump" 2>/dev/null
if [ "$code" -eq 0 ]; then
    fail "a misspelt argument kind: exit 0, expected failure"
elif grep -qF -- "$want" "$work/bad.err" || { [ -f "$work/bad.dump" ] && grep -qF -- "$want" "$work/bad.dump"; }; then
    pass "a misspelt argument kind (exit $code): $want..."
else
    fail "a misspelt argument kind (exit $code): neither stderr nor the results say '$want':"
    sed 's/^/    /' "$work/bad.err" | head -n 10
fi
finish
