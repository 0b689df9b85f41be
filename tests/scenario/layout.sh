#!/bin/sh
# The results file of the quickstart has the documented layout (core/results/results.h):
# h5dump sees the tables and root attributes, and h5py (what users read it
# with) reads the tables and decodes the names.
. "$top_srcdir/tests/scenario/common.sh"
H5DUMP=${H5DUMP:-h5dump}

out="$top_builddir/tests/out"
file="$out/layout.h5"
mkdir -p "$out"
rm -f "$file"

if ! "$BORDERLAB" run "$top_srcdir/scenarios/quickstart.lua" -o "$file" --quiet; then
    echo "FAIL $BORDERLAB run scenarios/quickstart.lua -o $file exited with an error"
    exit 1
fi
if [ ! -s "$file" ]; then
    echo "FAIL $file was not written"
    exit 1
fi
pass "quickstart wrote $file"

# --- h5dump: the header shows every documented object.
header="$out/layout.header.txt"
if ! "$H5DUMP" -H "$file" >"$header" 2>&1; then
    echo "FAIL $H5DUMP -H $file failed:"
    sed 's/^/    /' "$header" | head -n 20
    exit 1
fi
for group in checkpoint; do
    if grep -q "GROUP \"$group\"" "$header"; then pass "group /$group"; else fail "no group /$group"; fi
done
for dataset in plugins stations replications system summary classes contraband queue hourly \
    waits; do
    if grep -q "DATASET \"$dataset\"" "$header"; then
        pass "dataset $dataset"
    else
        fail "no dataset $dataset in $H5DUMP -H output"
    fi
done
# The full paths, not just the names.
for path in /plugins /checkpoint/stations /checkpoint/replications /checkpoint/system \
    /checkpoint/summary /checkpoint/classes /checkpoint/contraband /checkpoint/queue \
    /checkpoint/hourly /checkpoint/waits; do
    if "$H5DUMP" -H -d "$path" "$file" >/dev/null 2>&1; then
        pass "dataset $path"
    else
        fail "no dataset $path"
    fi
done
for attribute in borderlab_schema scenario_source seed harness_version host start_time \
    plugin_detector_id plugin_detector_version plugin_detector_sha256 plugin_risk_id \
    plugin_risk_sha256 plugin_store_id plugin_store_sha256; do
    if grep -q "ATTRIBUTE \"$attribute\"" "$header"; then
        pass "root attribute $attribute"
    else
        fail "no root attribute $attribute"
    fi
done
schema=$("$H5DUMP" -a /borderlab_schema "$file" | sed -n 's/.*(0): *\([0-9]*\).*/\1/p')
if [ "$schema" = 1 ]; then pass "borderlab_schema is 1"; else fail "borderlab_schema is '$schema'"; fi

# --- h5py: the first python3 that can import it.
if ! python=$(h5py_python); then
    fail "no python3 with h5py"
    finish
    exit 1
fi
if "$python" - "$file" <<'EOF'; then
import sys
import h5py

path = sys.argv[1]
problems = []
with h5py.File(path, "r") as f:
    schema = int(f.attrs["borderlab_schema"])
    if schema != 1:
        problems.append("borderlab_schema is %d" % schema)
    src = f.attrs["scenario_source"]
    if isinstance(src, bytes):
        src = src.decode("utf-8")
    if len(src) == 0:
        problems.append("scenario_source is empty")

    stations = f["/checkpoint/stations"][()]
    names = [n.decode("utf-8") for n in stations["station"]]
    print("stations:", ", ".join(names))
    for want in ("document_check", "risk", "xray", "search"):
        if want not in names:
            problems.append("station %s missing from /checkpoint/stations" % want)
    if len(stations) != len(set(names)):
        problems.append("station names repeat")
    if any(a == 0 for a in stations["arrivals"]):
        problems.append("a station has no arrivals")
    for name in ("units", "description"):
        if name not in f["/checkpoint/stations"].attrs:
            problems.append("/checkpoint/stations has no %s attribute" % name)

    reps = int(f.attrs["replications"])
    if len(f["/checkpoint/replications"]) != reps * len(stations):
        problems.append("/checkpoint/replications has %d rows, expected %d x %d"
                        % (len(f["/checkpoint/replications"]), reps, len(stations)))
    if len(f["/checkpoint/system"]) != reps:
        problems.append("/checkpoint/system has %d rows for %d replications"
                        % (len(f["/checkpoint/system"]), reps))
    if len(f["/checkpoint/summary"]) != 1:
        problems.append("/checkpoint/summary has %d rows" % len(f["/checkpoint/summary"]))

    # The planning tables carry the documented columns (H7 plots, H8 read them).
    columns = {
        "stations": "reneged officer_hours wait_p95",
        "replications": "reneged wait_p95 officer_hours all_arrivals all_departures",
        "system": "travellers false_alarms confirmed overridden reneged total_departures "
                  "in_system_end sojourn_p95 officer_hours",
        "summary": "travellers false_alarms confirmed overridden reneged seizures_mean "
                   "seizures_ci_low seizures_ci_high false_alarms_mean false_alarms_ci_low "
                   "false_alarms_ci_high officer_hours officer_hours_ci_low "
                   "officer_hours_ci_high half_width",
        "classes": "class priority entities completed travellers reneged carriers seizures "
                   "sojourn_mean sojourn_ci_low sojourn_ci_high sojourn_p50 sojourn_p90 "
                   "sojourn_p95 sojourn_p99",
        "contraband": "contraband carriers seized through value_seized value_through "
                      "seized_mean seized_ci_low seized_ci_high through_mean through_ci_low "
                      "through_ci_high",
        "queue": "station time queue_mean queue_ci_low queue_ci_high",
        "hourly": "station hour utilisation utilisation_ci_low utilisation_ci_high "
                  "servers_on_duty served_per_hour served_ci_low served_ci_high",
        "waits": "station quantile wait",
    }
    for table, names in columns.items():
        have = f["/checkpoint/" + table].dtype.names
        for name in names.split():
            if name not in have:
                problems.append("/checkpoint/%s has no column %s" % (table, name))
    hourly = f["/checkpoint/hourly"][()]
    if not any(s.decode("utf-8") == "(system)" for s in hourly["station"]):
        problems.append("/checkpoint/hourly has no (system) rows")
    waits = f["/checkpoint/waits"][()]
    if len(waits) != 101 * (len(stations) + 1):
        problems.append("/checkpoint/waits has %d rows for %d stations" % (len(waits), len(stations)))

    plugins = f["/plugins"][()]
    roles = sorted(r.decode("utf-8") for r in plugins["role"])
    print("plugins:", ", ".join("%s=%s %s" % (r.decode(), i.decode(), v.decode())
                                for r, i, v in zip(plugins["role"], plugins["id"],
                                                   plugins["version"])))
    if roles != ["detector", "risk", "store"]:
        problems.append("/plugins roles are %s" % roles)
    for row in plugins:
        sha = row["sha256"].decode("ascii")
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            problems.append("plugin %s: sha256 %r" % (row["id"].decode(), sha))

for p in problems:
    print("FAIL", p)
sys.exit(1 if problems else 0)
EOF
    pass "h5py ($python) reads /checkpoint/stations, the planning tables and /plugins"
else
    fail "h5py ($python) checks failed"
fi

finish
