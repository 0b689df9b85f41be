#!/bin/sh
# scenarios/store_soak.lua through the real program against both reference
# stores: the run completes, the custody chain verifies, and the SQLite
# database holds what the run reports.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/store_soak"
rm -rf "$work" && mkdir -p "$work"
scenario="$top_srcdir/scenarios/store_soak.lua"

for store in memory sqlite; do
    if "$BORDERLAB" run "$scenario" --set store=$store --set db="$work/soak.db" \
        --set operations=4000 -o "$work/$store.h5" >"$work/$store.txt" 2>"$work/$store.err"; then
        pass "$store: soak ran ($(grep -o '[0-9]* ops/s' "$work/$store.txt" | head -n 1))"
    else
        fail "$store: soak failed:"
        sed 's/^/    /' "$work/$store.err" | head -n 10
        continue
    fi
    if grep -q "verify passed" "$work/$store.txt"; then
        pass "$store: $(grep -o 'verify passed[^;]*' "$work/$store.txt")"
    else
        fail "$store: no 'verify passed' in the summary"
    fi
done
if [ -s "$work/soak.db" ]; then pass "sqlite database written"; else fail "no $work/soak.db"; fi

# A store that refuses its configuration fails the run with the reason.
mkdir -p "$work/refused"
expect_failure "sqlite without a writable path" "cannot open /nonexistent/x.db" \
    "$BORDERLAB" run "$scenario" --set store=sqlite --set db=/nonexistent/x.db \
    -o "$work/refused/bad.h5" --quiet
no_results "$work/refused" "refused store"
finish
