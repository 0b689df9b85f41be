"""Read back what an isolated, misbehaving plugin left in a results file.

Used by tests/scenario/isolation.sh.  Each command prints one line per
finding and exits non-zero on the first that does not hold.

  same BASE RUN GROUP...        every dataset under each GROUP is identical in BASE and RUN
  plugin RUN ID KEY=VALUE...    the /plugins row of ID has these values (verdict=INVALID...)
  failures RUN ID VERB CAUSE ITEM...
                                /plugin_failures names ITEM(s) of ID with VERB (* any) and CAUSE
  failed_scans RUN GROUP N ITEM...
                                the detector group says N failed scans, these among them,
                                and its scores table flags exactly them
  log RUN ID PATTERN            the plugin's log (/plugin_logs) holds PATTERN
"""
import sys

import h5py
import numpy as np


def text(v):
    return v.decode(errors="replace") if isinstance(v, bytes) else str(v)


def plugin_row(f, ident):
    rows = f["plugins"][:]
    for i, r in enumerate(rows):
        if text(r["id"]) == ident:
            return i, r
    sys.exit("no /plugins row for %s (rows: %s)" % (ident, [text(r["id"]) for r in rows]))


def datasets(group):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]

    group.visititems(visit)
    return out


def cmd_same(base, run, *groups):
    a, b = h5py.File(base, "r"), h5py.File(run, "r")
    for g in groups:
        da, db = datasets(a[g]), datasets(b[g])
        if sorted(da) != sorted(db):
            sys.exit("%s: datasets differ: %s vs %s" % (g, sorted(da), sorted(db)))
        for name in da:
            if da[name].tobytes() != db[name].tobytes():
                sys.exit("%s/%s differs between %s and %s" % (g, name, base, run))
        attrs = {k: text(v) for k, v in a[g].attrs.items()}
        battrs = {k: text(v) for k, v in b[g].attrs.items()}
        if attrs != battrs:
            sys.exit("%s: attributes differ" % g)
        print("%s: %d datasets identical byte for byte" % (g, len(da)))


def cmd_plugin(run, ident, *pairs):
    f = h5py.File(run, "r")
    _, r = plugin_row(f, ident)
    for pair in pairs:
        key, want = pair.split("=", 1)
        got = text(r[key])
        if want.startswith("~"):
            if want[1:] not in got:
                sys.exit("%s %s = %r lacks %r" % (ident, key, got, want[1:]))
        elif want.startswith(">"):
            if not float(got) > float(want[1:]):
                sys.exit("%s %s = %s, want > %s" % (ident, key, got, want[1:]))
        elif got != want:
            sys.exit("%s %s = %r, want %r" % (ident, key, got, want))
    print("%s: %s" % (ident, ", ".join("%s=%s" % (k, text(r[k])) for k in
                                       ("isolation", "verdict", "failures", "skipped",
                                        "verdict_reason"))))


def cmd_failures(run, ident, verb, cause, *items):
    f = h5py.File(run, "r")
    index, _ = plugin_row(f, ident)
    rows = [r for r in f["plugin_failures"][:] if r["plugin"] == index]
    named = {int(r["item"]) for r in rows
             if verb in ("*", text(r["verb"])) and text(r["cause"]) == cause}
    for item in items:
        if int(item) not in named:
            sys.exit("%s: no %s failure of %s %s (rows: %s)" % (
                ident, cause, verb, item,
                [(text(r["verb"]), int(r["item"]), text(r["cause"])) for r in rows[:10]]))
    what = sorted({text(r["what"]) for r in rows if text(r["cause"]) == cause})
    print("%s: %s %s of %s named (%s)" % (ident, cause, verb, " ".join(items), "; ".join(what)))


def cmd_failed_scans(run, group, n, *items):
    f = h5py.File(run, "r")
    g = f[group]
    got = int(g.attrs["failures"])
    if got != int(n):
        sys.exit("%s: failures = %d, want %s" % (group, got, n))
    flagged = {int(r["scan"]) for r in g["scores"][:] if r["failed"]}
    if len(flagged) != got or not {int(i) for i in items} <= flagged:
        sys.exit("%s: scans flagged failed %s, want %s among %d" % (group, sorted(flagged)[:10],
                                                                   items, got))
    any_row = g["metrics"][0]
    print("%s: %d failed scans %s; any: pd %.3f, pd_operational %.3f, failed %d+%d" % (
        group, got, sorted(flagged)[:5], any_row["pd"], any_row["pd_operational"],
        any_row["failed_positives"], any_row["failed_negatives"]))


def cmd_log(run, ident, pattern):
    f = h5py.File(run, "r")
    index, _ = plugin_row(f, ident)
    log = text(f["plugin_logs/%d" % index][()])
    if pattern not in log:
        sys.exit("%s: log lacks %r (log starts %r)" % (ident, pattern, log[:200]))
    print("%s: log holds %r (%d bytes)" % (ident, pattern, len(log)))


if __name__ == "__main__":
    commands = {"same": cmd_same, "plugin": cmd_plugin, "failures": cmd_failures,
                "failed_scans": cmd_failed_scans, "log": cmd_log}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
