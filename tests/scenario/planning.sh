#!/bin/sh
# Checkpoint planning through the real program (issue 6, "Must show"):
#   (a) conservation on land_crossing_peak: for every station and
#       replication all_arrivals == all_departures + in_system, and for the
#       system total_arrivals == total_departures + in_system_end;
#   (b) a sweep over X-ray lanes (2, 4, 6, 8): the mean end-to-end wait does
#       not increase with lanes (each point's mean <= the previous point's
#       ci_high) and the X-ray queue falls;
#   (c) `borderlab plot` on the sweep writes valid PNG files (signature,
#       size > 0), among them a metric-versus-parameter plot;
#   (d) air_cargo_day runs, seizes something, and never X-rays more than the
#       budget in any clock hour of any replication (from the entity tables).
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/planning"
rm -rf "$work" && mkdir -p "$work"
land="$top_srcdir/scenarios/land_crossing_peak.lua"
cargo="$top_srcdir/scenarios/air_cargo_day.lua"
py=$(h5py_python) || {
    fail "h5py"
    finish
    exit 1
}

# check NAME SCRIPT ARGS...: run a python check that prints "ok ..." or
# "FAIL ..." lines; each becomes a pass or a fail.
check() {
    name=$1
    shift
    if ! "$py" - "$@" >"$work/$name.py.out" 2>&1; then
        fail "$name: python check crashed:"
        sed 's/^/    /' "$work/$name.py.out" | tail -n 15
        return
    fi
    while IFS= read -r line; do
        case $line in
        "ok "*) pass "$name: ${line#ok }" ;;
        "FAIL "*) fail "$name: ${line#FAIL }" ;;
        *) echo "     $line" ;;
        esac
    done <"$work/$name.py.out"
}

# run NAME ARGS...: borderlab run, stderr kept; 0 when it succeeded.
run() {
    name=$1
    shift
    if "$BORDERLAB" run "$@" --quiet >"$work/$name.txt" 2>"$work/$name.err"; then
        pass "$name ran"
        return 0
    fi
    fail "$name failed:"
    sed 's/^/    /' "$work/$name.err" | head -n 10
    return 1
}

# ---------------------------------------------------------------- (a) conservation
if run land "$land" --set replications=4 --threads 2 -o "$work/land.h5"; then
    check conservation "$work/land.h5" <<'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
reps = f["/checkpoint/replications"][:]
bad = [(int(r["replication"]), r["station"].decode())
       for r in reps if r["all_arrivals"] != r["all_departures"] + r["in_system"]]
n = len(reps)
print(("FAIL" if bad or n == 0 else "ok") +
      " %d (replication, station) rows: all_arrivals == all_departures + in_system%s"
      % (n, "; broken: %s" % bad[:5] if bad else ""))
arrived = sum(int(r["all_arrivals"]) for r in reps)
print(("ok" if arrived > 0 else "FAIL") + " %d station arrivals in all" % arrived)
sysrows = f["/checkpoint/system"][:]
bad = [int(s["replication"]) for s in sysrows
       if s["total_arrivals"] != s["total_departures"] + s["in_system_end"]]
print(("FAIL" if bad or len(sysrows) == 0 else "ok") +
      " system, %d replications: total_arrivals == total_departures + in_system_end "
      "(%d arrivals in replication 0)%s"
      % (len(sysrows), int(sysrows[0]["total_arrivals"]) if len(sysrows) else 0,
         "; broken in %s" % bad if bad else ""))
# The scenario is sensible: every station under 100% busy, seizures made.
st = f["/checkpoint/stations"][:]
busy = [(s["station"].decode(), float(s["utilisation"])) for s in st]
over = [b for b in busy if not b[1] < 1]
print(("FAIL" if over else "ok") + " utilisation < 1 everywhere: " +
      ", ".join("%s %.2f" % b for b in busy))
seized = int(f["/checkpoint/summary"][0]["seizures"])
print(("ok" if seized > 0 else "FAIL") + " %d seizures over 4 days" % seized)
EOF
fi

# ---------------------------------------------------------------- (b) sweep
if run sweep "$land" --sweep xray.servers=2,4,6,8 --set replications=4 --threads 2 \
    -o "$work/sweep.h5"; then
    check sweep "$work/sweep.h5" <<'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(("ok" if f.attrs.get("sweep", b"") in (b"xray.servers=2,4,6,8", "xray.servers=2,4,6,8")
       else "FAIL") + " root attribute sweep = %r" % f.attrs.get("sweep"))
pts = sorted(f["/sweep/points"][:], key=lambda p: p["point"])
print(("ok" if len(pts) == 4 else "FAIL") + " %d sweep points" % len(pts))
axes = {int(a["point"]): float(a["value_number"]) for a in f["/sweep/axes"][:]}
lanes = [axes.get(int(p["point"])) for p in pts]
print(("ok" if lanes == [2, 4, 6, 8] else "FAIL") + " lanes by point: %s" % lanes)
for p, n in zip(pts, lanes):
    print("   %s lanes: sojourn_mean %.1f s [%.1f, %.1f], xray settings %s"
          % (n, p["sojourn_mean"], p["sojourn_mean_ci_low"], p["sojourn_mean_ci_high"],
             p["settings"].decode()))
for a, b, na, nb in zip(pts, pts[1:], lanes, lanes[1:]):
    ok = b["sojourn_mean"] <= a["sojourn_mean_ci_high"]
    print(("ok" if ok else "FAIL") +
          " %s -> %s lanes: mean end-to-end wait %.1f s <= %.1f s (previous ci_high)"
          % (na, nb, b["sojourn_mean"], a["sojourn_mean_ci_high"]))
waits, queues = [], []
for p in pts:
    rows = [r for r in f[p["group"].decode() + "/stations"][:] if r["station"] == b"xray"]
    waits.append(float(rows[0]["wait_mean"]) if rows else float("nan"))
    queues.append(float(rows[0]["mean_queue"]) if rows else float("nan"))
falls = all(b <= a for a, b in zip(waits, waits[1:])) and waits[0] > 2 * waits[-1]
print(("ok" if falls else "FAIL") + " X-ray mean wait falls with lanes: " +
      ", ".join("%.1f s" % w for w in waits))
print(("ok" if queues[0] > queues[-1] else "FAIL") + " X-ray mean queue falls: " +
      ", ".join("%.2f" % q for q in queues))
EOF
fi

# ---------------------------------------------------------------- (c) plots
if [ -s "$work/sweep.h5" ]; then
    mkdir -p "$work/plots"
    if "$BORDERLAB" plot "$work/sweep.h5" -d "$work/plots" >"$work/plot.txt" 2>"$work/plot.err"; then
        pass "plot ran"
        check png "$work/plots" <<'EOF'
import sys, os
d = sys.argv[1]
pngs = sorted(n for n in os.listdir(d) if n.endswith(".png"))
print(("ok" if pngs else "FAIL") + " %d PNG files in %s" % (len(pngs), d))
bad = []
for n in pngs:
    with open(os.path.join(d, n), "rb") as fh:
        head = fh.read(8)
    if os.path.getsize(os.path.join(d, n)) == 0 or head != b"\x89PNG\r\n\x1a\n":
        bad.append(n)
print(("FAIL" if bad else "ok") + " every PNG has the signature and size > 0%s"
      % ("; bad: %s" % bad if bad else ""))
# metric-versus-parameter plots (the end-to-end wait at least), not the per-point ones
sweep = [n for n in pngs if "_p0" not in n and "sojourn_mean" in n]
print(("ok" if sweep else "FAIL") + " sweep metric plot of sojourn_mean against the lanes: %s"
      % (", ".join(sweep) or "none"))
print("   " + " ".join(pngs))
EOF
    else
        fail "plot failed:"
        sed 's/^/    /' "$work/plot.err" | head -n 10
    fi
fi

# ---------------------------------------------------------------- (d) air cargo budget
if run cargo "$cargo" --set replications=3 --set entity_table=true --threads 2 \
    -o "$work/cargo.h5"; then
    check cargo "$work/cargo.h5" <<'EOF'
import sys, h5py, collections
f = h5py.File(sys.argv[1], "r")
budget = 15
st = {s["station"].decode(): s for s in f["/checkpoint/stations"][:]}
busy = ", ".join("%s %.2f" % (k, float(s["utilisation"])) for k, s in st.items())
over = [k for k, s in st.items() if not float(s["utilisation"]) < 1]
print(("FAIL" if over else "ok") + " utilisation < 1 everywhere: " + busy)
seized = int(f["/checkpoint/summary"][0]["seizures"])
print(("ok" if seized > 0 else "FAIL") + " %d seizures over 3 days" % seized)
ents = f.get("/checkpoint/entities")
if ents is None:
    print("ok SKIP no per-entity tables: budget not checked")
    sys.exit(0)
# Risk is the first station and takes no time: an entity's selection is
# decided in its arrival's clock hour.
worst, hours, selected = 0, 0, 0
for name in ents:
    rows = ents[name][:]
    per_hour = collections.Counter(int(r["arrival"] // 3600) for r in rows
                                   if int(r["flags"]) & 0x2)
    selected += sum(per_hour.values())
    hours += len(per_hour)
    worst = max([worst] + list(per_hour.values()))
print(("ok" if 0 < worst <= budget else "FAIL") +
      " budget %d an hour never exceeded: at most %d selected in a clock hour "
      "(%d selected in %d hours of %d replications)" % (budget, worst, selected, hours, len(ents)))
xr = st.get("xray")
print(("ok" if xr is not None and int(xr["arrivals"]) <= 3 * 24 * budget else "FAIL") +
      " X-ray arrivals %s <= 3 days x 24 h x %d" % (int(xr["arrivals"]) if xr is not None else "?",
                                                   budget))
EOF
fi
finish
