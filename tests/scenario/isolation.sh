#!/bin/sh
# Vendor code behind a wall (README "Trust"): fixture plugins that misbehave
# on purpose (tests/plugins/misbehave/README.md), added beside the reference
# plugins of the shipped scenarios with --plugin ROLE+=FILE.so, run in
# sandboxed plugin host processes.  Each run must end, write a complete
# results file, name the plugin and the scans (records, operations) it
# failed on, count them, give the documented exit status (0, or 4 when the
# verdict on a plugin is INVALID), and leave the other plugins' results
# byte for byte as in a run without it.  Then a library that tries to get
# out of its sandbox: no file, no connection, no process.
. "$(dirname "$0")/common.sh"

work="$top_builddir/tests/out/isolation"
rm -rf "$work"
mkdir -p "$work"
fx="$top_builddir/tests/plugins/misbehave/.libs"
check="$top_srcdir/tests/scenario/isolation_check.py"
if ! python=$(h5py_python); then
    fail "no python3 with h5py: the results cannot be read back"
    finish
    exit 1
fi
py() { "$python" "$check" "$@"; }

# run NAME WANT ARGS...: borderlab run ARGS -o NAME.h5; the exit status
# must be WANT and the file complete (it is only renamed into place then).
run() {
    name=$1 want=$2
    shift 2
    status=0
    start=$(date +%s)
    "$BORDERLAB" run "$@" --quiet -o "$work/$name.h5" >"$work/$name.out" 2>"$work/$name.err" ||
        status=$?
    took=$(($(date +%s) - start))
    if [ "$status" != "$want" ]; then
        fail "$name: exit $status, want $want:"
        sed 's/^/    /' "$work/$name.err" | head -n 10
        return 1
    fi
    if [ ! -f "$work/$name.h5" ]; then
        fail "$name: exit $status but no results file"
        return 1
    fi
    pass "$name: exit $status in ${took}s$(head -c 150 "$work/$name.err" | tr '\n' ' ' |
        sed 's/^./: &/')"
}

# expect NAME CMD...: the isolation_check.py command must hold.
expect() {
    name=$1
    shift
    if out=$(py "$@" 2>&1); then
        pass "$name: $(echo "$out" | tail -n 1)"
    else
        fail "$name: $out"
    fi
}

# ---------------------------------------------------------------- detectors
bench="$top_srcdir/scenarios/xray_bench.lua"
b="--set scans=300 --set size=128 --set timing=false --seed 7"
others="/detector/detectors/borderlab.dual_energy /detector/detectors/borderlab.density"
# shellcheck disable=SC2086
run bench_alone 0 "$bench" $b

# fixture STATUS [--plugin-config ...]: one misbehaving detector beside the two.
fixture() {
    f=$1 want=$2
    shift 2
    # shellcheck disable=SC2086
    if run "$f" "$want" "$bench" $b --plugin "detector+=$fx/$f.so" "$@"; then
        # shellcheck disable=SC2086
        expect "$f: the other detectors" same "$work/bench_alone.h5" "$work/$f.h5" $others
    fi
}

# Crashes, abort() and exit(0) on scan 7: one failure to process, named;
# scan 7 counts as an alarm in the operational figures; the verdict VALID.
for f in crash abort exit0; do
    fixture "$f" 0
    expect "$f: verdict" plugin "$work/$f.h5" "borderlab-tests.$f" isolation=process verdict=VALID \
        failures=1
    expect "$f: scan 7 flagged" failed_scans "$work/$f.h5" \
        "/detector/detectors/borderlab-tests.$f" 1 7
done
expect "crash: cause" failures "$work/crash.h5" borderlab-tests.crash detect signal 7
expect "abort: cause" failures "$work/abort.h5" borderlab-tests.abort detect signal 7
expect "exit0: cause" failures "$work/exit0.h5" borderlab-tests.exit0 detect exit 7

# A hang on scan 7 ends at its deadline (timeout 1 s + 0.2 s a scan), killed.
fixture hang 0 --plugin-config timeout=1 --plugin-config item_timeout=0.2
expect "hang: cause" failures "$work/hang.h5" borderlab-tests.hang detect deadline 7
if [ "$took" -le 30 ]; then pass "hang: the run took ${took}s (deadline budget)"; else
    fail "hang: the run took ${took}s"
fi

# Slow, leaking and chatty: no failure; the leak is bounded by its process
# (its peak memory is recorded); the chatter stays in the plugin's log.
fixture slow 0 --plugin-config ms=2
fixture leak 0
expect "leak: peak memory recorded" plugin "$work/leak.h5" borderlab-tests.leak verdict=VALID \
    "peak_rss_mib=>30"
fixture chatty 0
expect "chatty: its output kept in its log" log "$work/chatty.h5" borderlab-tests.chatty '{"broken"'
if grep -q broken "$work/chatty.out" "$work/chatty.err"; then
    fail "chatty: its output reached borderlab's own"
else
    pass "chatty: none of its output on borderlab's stdout or stderr"
fi
status=0
"$BORDERLAB" run "$bench" $b --plugin "detector+=$fx/chatty.so" --json -o "$work/chatty_json.h5" \
    >"$work/chatty.json" 2>/dev/null || status=$?
if [ "$status" = 0 ] && "$python" -c 'import json,sys; json.load(open(sys.argv[1]))' \
    "$work/chatty.json"; then
    pass "chatty: --json output still parses"
else
    fail "chatty: --json exit $status or not JSON: $(head -c 200 "$work/chatty.json")"
fi

# Writing into its input: the scans are read-only in its process, so every
# call crashes; after max_failures it is INVALID and the others are untouched.
fixture scribble 4
expect "scribble: verdict" plugin "$work/scribble.h5" borderlab-tests.scribble verdict=INVALID \
    "verdict_reason=~max_failures"
# A count of SIZE_MAX: one invalid output, nothing scored, no wrap.
fixture counts 4
expect "counts: verdict" plugin "$work/counts.h5" borderlab-tests.counts verdict=INVALID \
    "verdict_reason=~invalid outputs"
if "$python" - "$work/counts.h5" <<'EOF'; then
import sys, h5py
g = h5py.File(sys.argv[1])["/detector/detectors/borderlab-tests.counts"]
inv = int(g.attrs["invalid_outputs"])
assert 0 < inv < 1000, inv
assert len(g["detections"]) == 0, len(g["detections"])
EOF
    pass "counts: invalid outputs counted without wrapping, no stale detection scored"
else
    fail "counts: invalid outputs wrapped or stale detections scored"
fi
# create() failing: INVALID, every scan skipped, the run goes on.
fixture create_fail 4
expect "create_fail: verdict" plugin "$work/create_fail.h5" borderlab-tests.create_fail \
    verdict=INVALID "verdict_reason=~create failed" skipped=300
# Lying about thread safety: each instance has its own process, so its
# global state cannot leak between them: the same scores on 1 and 2 threads.
fixture liar 0 --threads 2
run liar_1 0 "$bench" $b --plugin "detector+=$fx/liar.so" --threads 1 &&
    expect "liar: threads 1 and 2 agree" same "$work/liar.h5" "$work/liar_1.h5" \
        /detector/detectors/borderlab-tests.liar
# ... and plugin check, which keeps its instances in one process, catches it.
status=0
"$BORDERLAB" plugin check "$fx/liar.so" >"$work/liar_check.out" 2>&1 || status=$?
if [ "$status" = 1 ] && grep -q "FAIL .*same seed gives same output" "$work/liar_check.out"; then
    pass "liar: plugin check fails it (same seed, other output)"
else
    fail "liar: plugin check exit $status: $(grep FAIL "$work/liar_check.out" | head -n 3)"
fi

# ---------------------------------------------------------------- risk models
risk="$top_srcdir/scenarios/cargo_risk.lua"
r="--set records=8192 --set bootstrap=50 --seed 5"
models="/risk/models/borderlab.xgboost /risk/models/borderlab.logistic /risk/models/borderlab.rules"
# shellcheck disable=SC2086
run risk_alone 0 "$risk" $r
# shellcheck disable=SC2086
if run risk_crash 0 "$risk" $r --plugin "risk+=$fx/risk_crash.so"; then
    # row 5 of each batch of 4096: declarations 5 and 4101
    expect "risk_crash: cause" failures "$work/risk_crash.h5" borderlab-tests.risk_crash score \
        signal 5 4101
    # shellcheck disable=SC2086
    expect "risk_crash: the other models" same "$work/risk_alone.h5" "$work/risk_crash.h5" $models
fi
# shellcheck disable=SC2086
if run risk_hang 0 "$risk" $r --plugin "risk+=$fx/risk_hang.so" --plugin-config timeout=0.5 \
    --plugin-config item_timeout=0.0002; then
    expect "risk_hang: cause" failures "$work/risk_hang.h5" borderlab-tests.risk_hang score \
        deadline 5 4101
    # shellcheck disable=SC2086
    expect "risk_hang: the other models" same "$work/risk_alone.h5" "$work/risk_hang.h5" $models
fi

# ---------------------------------------------------------------- a store
soak="$top_srcdir/scenarios/store_soak.lua"
# It crashes every 5000th operation and forgets what it held: crashes are
# failures, its lost items errors in the per-verb table; INVALID.
if run store_crash 4 "$soak" --plugin "store=$fx/store_crash.so"; then
    # which verb the 5000th operation is depends on how the clients interleave
    expect "store_crash: cause" failures "$work/store_crash.h5" borderlab-tests.store_crash '*' \
        signal 5000 10000
    if "$python" - "$work/store_crash.h5" <<'EOF'; then
import sys, h5py
v = h5py.File(sys.argv[1])["/store/verbs"][:]
assert sum(int(r["errors"]) for r in v) > 0
EOF
        pass "store_crash: errors in the soak's per-verb table"
    else
        fail "store_crash: no errors in /store/verbs"
    fi
fi

# A store whose custody chain does not verify at the end: the soak finishes
# and writes its file, and the verdict on the store is INVALID (exit 4).
if run store_broken_chain 4 "$soak" --plugin "store=$fx/store_crash.so" \
    --plugin-config op=1000000000 --plugin-config broken_at=3; then
    expect "store_broken_chain: verdict" plugin "$work/store_broken_chain.h5" \
        borderlab-tests.store_crash verdict=INVALID "verdict_reason=~custody chain verify failed" \
        failures=0
fi

# ---------------------------------------------------------------- the reference plugins isolated
# The instance's RNG state and the clock travel with every call: isolated,
# the reference plugins give the same results byte for byte.
# shellcheck disable=SC2086
run bench_isolated 0 "$bench" $b --isolation process &&
    expect "--isolation process: the detectors" same "$work/bench_alone.h5" \
        "$work/bench_isolated.h5" $others
# shellcheck disable=SC2086
run risk_isolated 0 "$risk" $r --isolation process &&
    expect "--isolation process: the risk models" same "$work/risk_alone.h5" \
        "$work/risk_isolated.h5" $models
run quickstart_alone 0 "$top_srcdir/scenarios/quickstart.lua" --seed 3
run quickstart_isolated 0 "$top_srcdir/scenarios/quickstart.lua" --seed 3 --isolation process &&
    expect "--isolation process: a checkpoint's every table" same "$work/quickstart_alone.h5" \
        "$work/quickstart_isolated.h5" /checkpoint
expect "--isolation process: recorded" plugin "$work/quickstart_isolated.h5" \
    borderlab.dual_energy isolation=process verdict=VALID "sandbox=~seccomp"

# ---------------------------------------------------------------- the sandbox
# Without Landlock (as on an older kernel) the filter refuses every file
# write; a store given its database folder as writable still works, and the
# sandbox line says that its writes are not confined.
db="$work/db"
mkdir -p "$db"
status=0
BORDERLAB_SANDBOX_NO_LANDLOCK=1 "$BORDERLAB" plugin check \
    "$top_builddir/plugins/store/sqlite/.libs/sqlite.so" --config "path=$db/store.db" \
    --config "writable=$db" >"$work/no_landlock.out" 2>&1 || status=$?
if [ "$status" = 0 ]; then
    pass "no Landlock: the sqlite store with its folder writable passes plugin check"
else
    fail "no Landlock: plugin check of the sqlite store exit $status: $(tail -n 3 "$work/no_landlock.out")"
fi
if BORDERLAB_SANDBOX_NO_LANDLOCK=1 "$BORDERLAB" run "$soak" --quiet -o "$work/no_landlock.h5" \
    --isolation process >/dev/null 2>&1 &&
    py plugin "$work/no_landlock.h5" borderlab.memory_store \
        "sandbox=~file writes refused everywhere" >/dev/null; then
    pass "no Landlock: a plugin without writable folders can write nowhere (its sandbox says so)"
else
    fail "no Landlock: the sandbox line does not say writes are refused"
fi
# A library whose constructor (and create) tries to write a file outside its
# scratch folder, connect to a listener and start processes.
esc="$work/escape"
mkdir -p "$esc"
"$python" - "$esc" <<'EOF' &
import socket, sys, os
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(5)
s.settimeout(60)
open(os.path.join(sys.argv[1], "port"), "w").write(str(s.getsockname()[1]))
try:
    c, _ = s.accept()
    open(os.path.join(sys.argv[1], "connected"), "w").write("yes")
except socket.timeout:
    pass
EOF
listener=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$esc/port" ] && break; sleep 0.5; done
BL_ESCAPE_DIR=$esc
BL_ESCAPE_PORT=$(cat "$esc/port")
export BL_ESCAPE_DIR BL_ESCAPE_PORT
status=0
"$BORDERLAB" plugin check "$fx/escape.so" >"$work/escape_check.out" 2>&1 || status=$?
if [ "$status" = 0 ] && grep -q "log | escape: write at dlopen: failed" "$work/escape_check.out"; then
    pass "escape: plugin check passes it and shows its attempts failing in its log"
else
    fail "escape: plugin check exit $status: $(tail -n 5 "$work/escape_check.out")"
fi
# shellcheck disable=SC2086
run escape 0 "$bench" $b --plugin "detector+=$fx/escape.so" &&
    expect "escape: its attempts in its log" log "$work/escape.h5" borderlab-tests.escape \
        "escape: connect at create: failed"
kill "$listener" 2>/dev/null || true
wait "$listener" 2>/dev/null || true
for what in escaped_write escaped_exec connected; do
    if [ -e "$esc/$what" ]; then
        fail "escape: $what happened ($esc/$what exists)"
    else
        pass "escape: no $what"
    fi
done
unset BL_ESCAPE_DIR BL_ESCAPE_PORT
# Nothing of the plugin hosts is left behind.
if ls -d "${TMPDIR:-/tmp}"/borderlab-plugin-* >/dev/null 2>&1 &&
    [ -n "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'borderlab-plugin-*' -newer "$work/bench_alone.h5")" ]; then
    fail "plugin host folders left in ${TMPDIR:-/tmp}"
else
    pass "no plugin host folder left behind"
fi

finish
