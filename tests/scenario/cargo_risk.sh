#!/bin/sh
# scenarios/cargo_risk.lua end to end through the real program, sized for
# speed: the rollout gate's exit codes (an unreachable --fail-under bound
# exits non-zero naming the metric and the shortfall; an achievable one
# exits 0), and a --baseline comparison against an earlier run.
. "$top_srcdir/tests/scenario/common.sh"
work="$top_builddir/tests/out/cargo_risk"
rm -rf "$work" && mkdir -p "$work"
scenario="$top_srcdir/scenarios/cargo_risk.lua"
small="--set records=20000 --quiet"

# An unreachable bound: non-zero exit, the metric and its shortfall named,
# and the finished results file still written.
set +e
# shellcheck disable=SC2086
"$BORDERLAB" run "$scenario" $small --fail-under precision@5=0.99 -o "$work/strict.h5" \
    >"$work/strict.out" 2>"$work/strict.err"
code=$?
set -e
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ] && [ "$code" -ne 2 ]; then
    pass "--fail-under precision@5=0.99 exits $code (gate failed)"
else
    fail "--fail-under precision@5=0.99 exits $code, want the gate's own non-zero code"
    sed 's/^/    /' "$work/strict.err" | head -n 10
fi
if grep -q "precision@5" "$work/strict.err" && grep -q "short of 0.99" "$work/strict.err"; then
    pass "the message names the metric and the shortfall: $(grep 'short of' "$work/strict.err" | head -n 1)"
else
    fail "no 'precision@5 ... short of 0.99' on stderr:"
    sed 's/^/    /' "$work/strict.err" | head -n 10
fi
if [ -s "$work/strict.h5" ]; then pass "the results file is written"; else fail "no results file"; fi

# An achievable bound: exit 0.
# shellcheck disable=SC2086
if "$BORDERLAB" run "$scenario" $small --fail-under precision@5=0.01 -o "$work/easy.h5" \
    >"$work/easy.out" 2>"$work/easy.err"; then
    pass "--fail-under precision@5=0.01 exits 0"
else
    fail "--fail-under precision@5=0.01 failed:"
    sed 's/^/    /' "$work/easy.err" | head -n 10
fi

# The candidate against a baseline run on the same declarations.
# shellcheck disable=SC2086
if "$BORDERLAB" run "$scenario" $small --baseline "$work/easy.h5" -o "$work/paired.h5" \
    >"$work/paired.out" 2>"$work/paired.err"; then
    pass "--baseline on the same declarations runs"
else
    fail "--baseline failed:"
    sed 's/^/    /' "$work/paired.err" | head -n 10
fi
if "${H5DUMP:-h5dump}" -H -d /risk/comparison "$work/paired.h5" >/dev/null 2>&1; then
    pass "/risk/comparison written"
else
    fail "no /risk/comparison in the paired run"
fi

# A baseline run on other declarations is refused.
# shellcheck disable=SC2086
"$BORDERLAB" run "$scenario" $small --seed 99 -o "$work/other.h5" >/dev/null 2>&1 || true
expect_failure "baseline on other declarations" "other declarations" \
    "$BORDERLAB" run "$scenario" --set records=20000 --quiet --baseline "$work/other.h5" \
    -o "$work/refused.h5"
finish
