# Shared helpers for the scenario tests (sourced).  make check sets
# BORDERLAB, top_srcdir and top_builddir.
set -eu
: "${BORDERLAB:?run through make check}" "${top_srcdir:?}" "${top_builddir:?}"
failures=0
checks=0

pass() { checks=$((checks + 1)); echo "ok   $1"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $1"; }

# expect_failure NAME PATTERN CMD...: CMD must exit non-zero with PATTERN on stderr.
expect_failure() {
    name=$1 pattern=$2
    shift 2
    set +e
    "$@" >"$work/stdout" 2>"$work/stderr"
    code=$?
    set -e
    if [ "$code" -eq 0 ]; then
        fail "$name: exit 0, expected failure"
    elif ! grep -q -- "$pattern" "$work/stderr"; then
        fail "$name: stderr lacks '$pattern':"
        sed 's/^/    /' "$work/stderr"
    else
        pass "$name (exit $code): $(head -n 1 "$work/stderr")"
    fi
}

# no_results DIR: nothing that looks like a results file (finished or temporary) in DIR.
no_results() {
    if ls -A "$1" | grep -q '\.h5'; then
        fail "$2: results left behind in $1: $(ls -A "$1" | tr '\n' ' ')"
    else
        pass "$2: nothing written"
    fi
}

finish() {
    echo "$((checks - failures)) passed, $failures failed"
    [ "$failures" -eq 0 ]
}

# h5py_python: print the first python3 that can import h5py ($PYTHON3, then
# Debian's /usr/bin/python3); fail the test when there is none (scripts/build
# installs python3-h5py).
h5py_python() {
    for candidate in "${PYTHON3:-python3}" /usr/bin/python3; do
        if [ -n "$candidate" ] && [ "$candidate" != no ] &&
            "$candidate" -c 'import h5py' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    echo "no python3 with h5py (tried '${PYTHON3:-python3}' and /usr/bin/python3):" \
        "apt-get install python3-h5py (scripts/build installs it)" >&2
    return 1
}
