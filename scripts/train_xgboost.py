#!/usr/bin/python3
"""Train the example XGBoost risk model and write the risk/xgboost fixture.

Usage:
    /usr/bin/python3 scripts/train_xgboost.py [OUTDIR]          (default tests/fixtures/xgboost)
    /usr/bin/python3 scripts/train_xgboost.py --conformance OUTDIR
    /usr/bin/python3 scripts/train_xgboost.py --cargo DECLARATIONS.csv OUTDIR

Needs Debian's python3-xgboost and python3-numpy (not needed to run borderlab).
Everything is generated from a fixed numpy RandomState seed and trained with
tree_method "exact" on one thread, so the same XGBoost gives the same files.

Writes into OUTDIR:
    model.json            the booster, Booster.save_model("model.json")
    encoding.json         the feature encoding read by risk/xgboost (README:
                          "risk/xgboost feature encoding")
    declarations.csv      raw, un-encoded declarations: empty cells are missing,
                          HS codes keep their leading zeros, some origins and HS
                          codes are not in the vocabulary (unseen)
    expected_scores.csv   Booster.predict on the encoded declarations, %.9g

--cargo CSV OUTDIR trains the example model of scenarios/cargo_risk.lua and writes
OUTDIR/cargo_xgboost.json and OUTDIR/cargo_encoding.json.  CSV holds synthetic
declarations with their truth: the columns of the generator's schema
(core/gen/declaration_gen.h, BL_DECLARATION_COLUMNS; declaration_id may be absent)
plus "fraud" (0/1) and "labelled" (0/1); only labelled rows are trained on, as a
service only learns the outcome of the declarations it inspected.  The shipped
files were trained on bl_declaration_gen's records 200000, seed 1, world_seed 7
(the scenario scores seed 2026 of the same world), written as CSV by a few lines
of C over bl_declaration_gen_next (numbers with %.17g, labels as text).

--conformance writes only model.json and encoding.json for a tiny model over the
columns that `borderlab plugin check` feeds a risk model (x1, x2, x3, origin with
labels AA, BB, CC).

The scores are computed from the text written to declarations.csv (parsed back
with float()), with the encoding rules applied exactly as the plugin applies
them: numeric = float32((x - offset) * scale) computed in double, missing -> NaN;
categorical = float32(vocabulary code), unseen -> the "unseen" code (NaN when
null), missing -> NaN.
"""

import csv
import json
import math
import os
import sys

import numpy as np
import xgboost as xgb

SEED = 20240504
N_TRAIN = 4000
N_FIXTURE = 500

ORIGINS = ["BR", "CN", "DE", "IN", "TR", "US", "VN"]
ORIGIN_P = [0.08, 0.30, 0.12, 0.15, 0.10, 0.10, 0.15]
# HS heading -> tariff rate; codes keep their leading zeros as text.
HS_TARIFF = {
    "0302": 0.08,
    "0901": 0.03,
    "2402": 0.35,
    "6109": 0.16,
    "8517": 0.05,
    "8703": 0.10,
    "9403": 0.06,
}
HS_CODES = sorted(HS_TARIFF)
HS_P = [0.10, 0.12, 0.10, 0.22, 0.20, 0.10, 0.16]
CSV_COLUMNS = [
    "declaration_id",
    "origin",
    "hs_code",
    "value_usd",
    "weight_kg",
    "tariff_rate",
    "prior_inspections",
]

PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 4,
    "eta": 0.3,
    "tree_method": "exact",
    "nthread": 1,
    "seed": 0,
    "eval_metric": "logloss",
}
N_TREES = 20


def encoding_for_declarations():
    """The feature encoding: one entry per model feature, in model order."""
    return {
        "objective": "binary:logistic",
        "features": [
            {"name": "value_kusd", "column": "value_usd", "kind": "numeric",
             "scale": 0.001, "offset": 0.0},
            {"name": "weight_t", "column": "weight_kg", "kind": "numeric",
             "scale": 0.001, "offset": 0.0},
            {"name": "tariff_pct", "column": "tariff_rate", "kind": "numeric",
             "scale": 100.0, "offset": 0.0},
            {"name": "prior_inspections", "column": "prior_inspections", "kind": "numeric",
             "scale": 1.0, "offset": 1.5},
            {"name": "origin", "column": "origin", "kind": "categorical",
             "vocabulary": {label: code for code, label in enumerate(ORIGINS)},
             "unseen": None},
            {"name": "hs_code", "column": "hs_code", "kind": "categorical",
             "vocabulary": {label: code for code, label in enumerate(HS_CODES)},
             "unseen": -1},
        ],
    }


def fmt(x, spec):
    return "" if x is None else spec % x


def generate_declarations(rng, n, first_id, unseen):
    """n raw declarations as rows of text cells (CSV_COLUMNS order) and labels.

    unseen: also draw origins and HS codes that are not in the vocabulary."""
    rows, labels = [], []
    for i in range(n):
        origin = ORIGINS[rng.choice(len(ORIGINS), p=ORIGIN_P)]
        hs = HS_CODES[rng.choice(len(HS_CODES), p=HS_P)]
        value = float(np.round(rng.lognormal(8.0, 1.2), 2))
        weight = float(np.round(rng.lognormal(5.5, 1.0), 3))
        tariff = HS_TARIFF[hs]
        prior = int(rng.poisson(1.5))
        # Fraud: undervaluation (low value per kg), risky origin/product pairs,
        # high tariffs; prior inspections deter.
        per_kg = value / weight
        z = (-2.2 + 1.4 * (origin in ("CN", "VN") and hs in ("2402", "8517"))
             + 1.0 * (per_kg < 6.0) + 4.0 * tariff - 0.35 * prior
             + 0.6 * (origin == "TR"))
        label = int(rng.uniform() < 1.0 / (1.0 + math.exp(-z)))
        # Missing cells and unseen categories.
        u = rng.uniform(size=6)
        cells = {
            "declaration_id": "D%07d" % (first_id + i),
            "origin": "" if u[0] < 0.03 else origin,
            "hs_code": "" if u[1] < 0.03 else hs,
            "value_usd": "" if u[2] < 0.04 else fmt(value, "%.2f"),
            "weight_kg": "" if u[3] < 0.06 else fmt(weight, "%.3f"),
            "tariff_rate": fmt(tariff, "%.2f"),
            "prior_inspections": "" if u[4] < 0.05 else "%d" % prior,
        }
        if unseen and u[5] < 0.04:
            cells["origin"] = ["ZZ", "XK", "KP"][int(rng.randint(3))]
        elif unseen and u[5] > 0.96:
            cells["hs_code"] = ["0000", "9999", "0102"][int(rng.randint(3))]
        rows.append([cells[c] for c in CSV_COLUMNS])
        labels.append(label)
    return rows, np.array(labels, dtype=np.float32)


def encode(columns, rows, encoding):
    """Encode text rows (a list of cells per row, named by columns) into a
    float32 matrix by the rules in the module docstring."""
    index = {name: j for j, name in enumerate(columns)}
    features = encoding["features"]
    x = np.empty((len(rows), len(features)), dtype=np.float32)
    for r, row in enumerate(rows):
        for k, f in enumerate(features):
            cell = row[index[f["column"]]]
            if f["kind"] == "numeric":
                if cell == "":
                    v = float("nan")
                else:
                    v = (float(cell) - float(f["offset"])) * float(f["scale"])
            else:
                if cell == "":
                    v = float("nan")
                elif cell in f["vocabulary"]:
                    v = float(f["vocabulary"][cell])
                elif f["unseen"] is None:
                    v = float("nan")
                else:
                    v = float(f["unseen"])
            x[r, k] = np.float32(v)
    return x


def train(x, y, names):
    dtrain = xgb.DMatrix(x, label=y, missing=float("nan"), feature_names=names)
    return xgb.train(PARAMS, dtrain, num_boost_round=N_TREES)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def make_declarations_fixture(outdir):
    rng = np.random.RandomState(SEED)
    encoding = encoding_for_declarations()
    names = [f["name"] for f in encoding["features"]]
    train_rows, y = generate_declarations(rng, N_TRAIN, 1, unseen=False)
    booster = train(encode(CSV_COLUMNS, train_rows, encoding), y, names)

    rows, _ = generate_declarations(rng, N_FIXTURE, N_TRAIN + 1, unseen=True)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "declarations.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        w.writerows(rows)
    # Re-read what was written so the scores come from exactly that text.
    with open(os.path.join(outdir, "declarations.csv"), newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == CSV_COLUMNS and len(table) == N_FIXTURE + 1
    x = encode(table[0], table[1:], encoding)
    scores = booster.predict(xgb.DMatrix(x, missing=float("nan"), feature_names=names))
    with open(os.path.join(outdir, "expected_scores.csv"), "w", encoding="utf-8") as f:
        f.write("declaration_id,score\n")
        for row, s in zip(table[1:], scores):
            f.write("%s,%.9g\n" % (row[0], s))
    booster.save_model(os.path.join(outdir, "model.json"))
    write_json(os.path.join(outdir, "encoding.json"), encoding)
    print("%s: %d trees over %d features, %d declarations scored (mean %.4f)"
          % (outdir, N_TREES, len(names), len(rows), float(np.mean(scores))))


def make_conformance_fixture(outdir):
    """A tiny model over the columns of `borderlab plugin check`."""
    rng = np.random.RandomState(SEED + 1)
    labels = ["AA", "BB", "CC"]
    encoding = {
        "objective": "binary:logistic",
        "features": [
            {"name": "x1", "column": "x1", "kind": "numeric", "scale": 1.0, "offset": 0.0},
            {"name": "x2", "column": "x2", "kind": "numeric", "scale": 1.0, "offset": 0.0},
            {"name": "x3", "column": "x3", "kind": "numeric", "scale": 0.1, "offset": 5.0},
            {"name": "origin", "column": "origin", "kind": "categorical",
             "vocabulary": {label: code for code, label in enumerate(labels)},
             "unseen": None},
        ],
    }
    n = 400
    x = np.empty((n, 4), dtype=np.float32)
    x[:, 0] = rng.uniform(-1.5, 2.0, n)
    x[:, 1] = rng.uniform(-2.0, 2.0, n)
    x[:, 2] = (rng.uniform(0.0, 11.0, n) - 5.0) * 0.1
    x[:, 3] = rng.randint(0, 3, n)
    x[rng.uniform(size=n) < 0.1, 1] = np.nan
    z = 0.8 * x[:, 0] - 0.5 * np.nan_to_num(x[:, 1]) + (x[:, 3] == 2) - 0.5
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    params = dict(PARAMS, max_depth=2)
    dtrain = xgb.DMatrix(x, label=y, missing=float("nan"),
                         feature_names=[f["name"] for f in encoding["features"]])
    booster = xgb.train(params, dtrain, num_boost_round=5)
    os.makedirs(outdir, exist_ok=True)
    booster.save_model(os.path.join(outdir, "model.json"))
    write_json(os.path.join(outdir, "encoding.json"), encoding)
    print("%s: 5 trees over x1, x2, x3, origin" % outdir)


# --cargo: the generator's columns the model reads.  Categorical codes are the
# position of the label in the sorted vocabulary of the training rows; a label
# not seen in training is missing.
CARGO_NUMERIC = [
    "tariff_rate",
    "value_per_kg",
    "declared_value",
    "quantity_kg",
    "importer_past_declarations",
    "importer_past_inspections",
    "importer_past_frauds",
]
CARGO_CATEGORICAL = ["hs_code", "origin", "route", "declarant", "importer"]
CARGO_PARAMS = dict(PARAMS, max_depth=5, eta=0.2, subsample=1.0)
CARGO_TREES = 40


def make_cargo_model(csv_path, outdir):
    with open(csv_path, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    header, rows = table[0], table[1:]
    index = {name: j for j, name in enumerate(header)}
    for name in CARGO_NUMERIC + CARGO_CATEGORICAL + ["fraud", "labelled"]:
        if name not in index:
            sys.exit("%s: no column '%s' (columns: %s)" % (csv_path, name, ", ".join(header)))
    rows = [r for r in rows if r[index["labelled"]] == "1"]
    if not rows:
        sys.exit("%s: no labelled rows to train on" % csv_path)
    features = []
    for name in CARGO_NUMERIC:
        features.append({"name": name, "column": name, "kind": "numeric",
                         "scale": 1.0, "offset": 0.0})
    for name in CARGO_CATEGORICAL:
        labels = sorted({r[index[name]] for r in rows if r[index[name]] != ""})
        features.append({"name": name, "column": name, "kind": "categorical",
                         "vocabulary": {label: code for code, label in enumerate(labels)},
                         "unseen": None})
    encoding = {
        "description": "Example cargo risk model for risk/xgboost over the synthetic "
                       "declarations (core/gen/declaration_gen.h), made by scripts/train_xgboost.py "
                       "--cargo from %d labelled declarations. Illustrative, not tuned."
                       % len(rows),
        "objective": "binary:logistic",
        "features": features,
    }
    names = [f["name"] for f in features]
    x = encode(header, rows, encoding)
    y = np.array([float(r[index["fraud"]]) for r in rows], dtype=np.float32)
    dtrain = xgb.DMatrix(x, label=y, missing=float("nan"), feature_names=names)
    booster = xgb.train(CARGO_PARAMS, dtrain, num_boost_round=CARGO_TREES)
    os.makedirs(outdir, exist_ok=True)
    booster.save_model(os.path.join(outdir, "cargo_xgboost.json"))
    write_json(os.path.join(outdir, "cargo_encoding.json"), encoding)
    print("%s: %d trees over %d features, trained on %d labelled declarations (%.2f%% fraud)"
          % (outdir, CARGO_TREES, len(names), len(rows), 100.0 * float(np.mean(y))))


def main(argv):
    if len(argv) >= 2 and argv[1] == "--conformance":
        if len(argv) != 3:
            sys.exit("usage: train_xgboost.py --conformance OUTDIR")
        make_conformance_fixture(argv[2])
    elif len(argv) >= 2 and argv[1] == "--cargo":
        if len(argv) != 4:
            sys.exit("usage: train_xgboost.py --cargo DECLARATIONS.csv OUTDIR")
        make_cargo_model(argv[2], argv[3])
    elif len(argv) <= 2:
        make_declarations_fixture(argv[1] if len(argv) == 2 else "tests/fixtures/xgboost")
    else:
        sys.exit("usage: train_xgboost.py [OUTDIR] | --conformance OUTDIR"
                 " | --cargo DECLARATIONS.csv OUTDIR")


if __name__ == "__main__":
    main(sys.argv)
