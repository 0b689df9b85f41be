#!/bin/sh
# The surrogate detector end to end through the real program: a
# detector_bench of dual_energy on 64 x 64 bags (tests/fixtures/surrogate/
# bench.lua), then the same checkpoint (checkpoint.lua: every traveller
# scanned, alarms searched) run twice, once calling the real detector on a
# synthetic scan per traveller and once with bl.surrogate{results = the
# bench file}.  The seizures and false alarms per replication of the two
# runs must agree: the difference of the means lies within the 95% Welch
# confidence interval of the difference.  Both runs use the scenario's seed,
# so replication r has the same travellers and contraband in both and only
# the detector's decisions (and the searches that follow) differ: Welch's
# interval ignores that pairing and is the wider, conservative one (the
# paired interval is printed beside it).  The surrogate run records the
# bench file's SHA-256 (surrogate_sha256), and a file that is not a
# detector_bench results file is refused.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/surrogate"
rm -rf "$work" && mkdir -p "$work"
fixtures="$top_srcdir/tests/fixtures/surrogate"

# run NAME SCENARIO ARGS...: run into $work/NAME.h5; 0 when it succeeded.
run() {
    name=$1 scenario=$2
    shift 2
    start=$(date +%s.%N)
    if "$BORDERLAB" run "$scenario" --threads 2 --quiet -o "$work/$name.h5" "$@" \
        >"$work/$name.out" 2>"$work/$name.err"; then
        end=$(date +%s.%N)
        pass "$name: run exit 0 ($(awk "BEGIN { printf \"%.1f\", $end - $start }") s)"
    else
        fail "$name: run exited $?:"
        sed 's/^/    /' "$work/$name.err" | head -n 20
        return 1
    fi
}

if ! run bench "$fixtures/bench.lua"; then
    finish
    exit 1
fi
bench="$work/bench.h5"
ok=true
run real "$fixtures/checkpoint.lua" || ok=false
run surrogate "$fixtures/checkpoint.lua" --set "surrogate=$bench" || ok=false
if [ "$ok" != true ]; then
    finish
    exit 1
fi

if ! python=$(h5py_python); then
    fail "no python3 with h5py"
    finish
    exit 1
fi

# The bench file's digest is recorded; the real run records none.
digest=$(sha256sum "$bench" | cut -d' ' -f1)
recorded=$("$python" - "$work/surrogate.h5" "$work/real.h5" <<'EOF'
import sys
import h5py

def text(path):
    with h5py.File(path, "r") as f:
        v = f.attrs.get("surrogate_sha256")
    if v is None:
        return ""
    return v.decode() if isinstance(v, bytes) else str(v)

print(text(sys.argv[1]), text(sys.argv[2]) or "-")
EOF
) || recorded="(unreadable)"
set -- $recorded
if [ "${1:-}" = "$digest" ]; then
    pass "surrogate run records surrogate_sha256 = sha256 of the bench file"
else
    fail "surrogate_sha256 is '${1:-}', the bench file's sha256 is $digest"
fi
if [ "${2:-}" = "-" ]; then
    pass "the real-detector run records no surrogate_sha256"
else
    fail "the real-detector run records surrogate_sha256 '${2:-}'"
fi

# Seizures and false alarms: surrogate vs real within the 95% Welch CI.
if "$python" - "$work/real.h5" "$work/surrogate.h5" >"$work/compare.txt" 2>&1 <<'EOF'; then
import math
import sys

import h5py
import numpy as np


def t_975(df):
    """The 0.975 quantile of Student's t with df degrees of freedom."""
    try:
        from scipy.stats import t

        return float(t.ppf(0.975, df))
    except ImportError:
        # Cornish-Fisher expansion about the normal quantile (Abramowitz and
        # Stegun 26.7.5): within 1e-3 for df >= 5.
        z = 1.959963984540054
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        return z + g1 / df + g2 / df**2 + g3 / df**3


def system(path):
    with h5py.File(path, "r") as f:
        return f["/checkpoint/system"][:]


real, sur = system(sys.argv[1]), system(sys.argv[2])
failed = False
print(f"replications: real {len(real)}, surrogate {len(sur)}")
for metric in ("seizures", "false_alarms"):
    a = real[metric].astype(float)
    b = sur[metric].astype(float)
    ma, mb = a.mean(), b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1e9
    h = t_975(df) * se
    d = mb - ma
    inside = -h <= d <= h
    sane = ma > 0 and mb > 0
    print(
        f"{metric}: real mean {ma:.2f} (sd {a.std(ddof=1):.2f}), surrogate mean {mb:.2f} "
        f"(sd {b.std(ddof=1):.2f}); difference {d:+.2f}, 95% Welch CI of the difference "
        f"[{d - h:+.2f}, {d + h:+.2f}] (df {df:.1f}) "
        + ("holds 0: agree" if inside and sane else "lacks 0: DISAGREE" if sane else ": no events")
    )
    if len(a) == len(b) and len(a) > 1:
        diff = b - a
        hp = t_975(len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
        print(f"    paired by replication (same travellers): 95% CI [{d - hp:+.2f}, {d + hp:+.2f}]")
    failed = failed or not (inside and sane)
sys.exit(1 if failed else 0)
EOF
    pass "seizures and false alarms agree within the 95% Welch CI:"
    sed 's/^/    /' "$work/compare.txt"
else
    fail "surrogate and real runs disagree (or the tables cannot be read):"
    sed 's/^/    /' "$work/compare.txt"
fi

# A file that is not a detector_bench results file is refused, saying what to do.
expect_failure "a checkpoint results file as the surrogate" \
    "is a checkpoint results file, not a detector_bench one" \
    "$BORDERLAB" run "$fixtures/checkpoint.lua" --quiet -o "$work/refused.h5" \
    --set "surrogate=$work/real.h5" --set replications=1
printf 'not hdf5\n' >"$work/notes.txt"
expect_failure "a text file as the surrogate" "is not an HDF5 file" \
    "$BORDERLAB" run "$fixtures/checkpoint.lua" --quiet -o "$work/refused.h5" \
    --set "surrogate=$work/notes.txt" --set replications=1
no_results_file() {
    if [ -e "$work/refused.h5" ]; then fail "refused runs left $work/refused.h5"; else pass "refused runs wrote nothing"; fi
}
no_results_file

finish
