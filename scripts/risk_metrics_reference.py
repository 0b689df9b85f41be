#!/usr/bin/env python3
"""Independent reference values for core/stats/risk_metrics.c.

Writes tests/fixtures/risk_metrics/declarations.csv (deterministic synthetic
declarations: two model scores, a fraud flag and the revenue at stake) and
expected.json, computed here from the CSV as written, with the Python
standard library only and exact rational arithmetic (fractions) wherever a
sum or ratio is involved, so that the C code is compared with the exact
value rounded once.

Definitions (as in core/stats/risk_metrics.h):
  * ranking: descending score, ties by input order (row number), empty
    score (NaN) last;
  * k = ceil(rate% of N), at least 1, at most N;
  * precision = frauds in top k / k; recall = frauds in top k / frauds;
    revenue share = revenue of the frauds in top k / revenue of all frauds
    (a non-fraud's revenue is not at stake);
  * PR AUC = average precision: mean over frauds of the precision at the
    fraud's rank;
  * Brier = mean (score - fraud)^2;
  * ROC AUC = Mann-Whitney: P(fraud score > other) + P(equal) / 2, counted
    over all pairs;
  * paired: only_a / only_b = frauds in one top k and not the other;
    McNemar exact two-sided p = min(1, 2 P(X <= min(b, c))), X ~ Bin(b + c, 1/2);
  * Wilson 95% interval for precision and recall (z from
    statistics.NormalDist);
  * reliability: 10 bins [b/10, (b+1)/10), the last closed.

Usage: scripts/risk_metrics_reference.py [OUTDIR]
(default tests/fixtures/risk_metrics relative to the repository root).
"""

import csv
import json
import math
import os
import random
import sys
from fractions import Fraction
from statistics import NormalDist

N = 2000
SEED = 20240501
RATES = [1, 2, 5, 10]
BINS = 10


def generate(path):
    rng = random.Random(SEED)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["score_a", "score_b", "fraud", "revenue"])
        for _ in range(N):
            fraud = 1 if rng.random() < 0.08 else 0
            # Scores on a grid of 1/200 so that ties are common, within and
            # across classes; model a separates better than model b.
            za = rng.gauss(1.6 * fraud, 1.0)
            zb = rng.gauss(1.0 * fraud, 1.0)
            sa = round(1.0 / (1.0 + math.exp(-(za - 2.0))) * 200) / 200
            sb = round(1.0 / (1.0 + math.exp(-(zb - 2.0))) * 200) / 200
            # A fifth of the frauds have no revenue at stake (e.g.
            # prohibited goods); non-frauds have none.
            if fraud and rng.random() < 0.8:
                rev = round(rng.lognormvariate(7.0, 1.2), 2)
            else:
                rev = 0.0
            w.writerow([repr(sa), repr(sb), fraud, repr(rev)])


def read(path):
    a, b, fraud, rev = [], [], [], []
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        for row in r:
            a.append(float(row["score_a"]) if row["score_a"] else math.nan)
            b.append(float(row["score_b"]) if row["score_b"] else math.nan)
            fraud.append(int(row["fraud"]))
            rev.append(float(row["revenue"]))
    return a, b, fraud, rev


def rank(scores):
    def key(i):
        s = scores[i]
        return (1, 0.0, i) if math.isnan(s) else (0, -s, i)

    return sorted(range(len(scores)), key=key)


def k_for(rate, n):
    k = -((-rate * n) // 100)  # exact ceiling, rate an integer percent
    return max(1, min(n, k))


def wilson(k, n, z):
    p = k / n
    z2 = z * z
    center = (k + 0.5 * z2) / (n + z2)
    half = z * math.sqrt(k * (n - k) / n + 0.25 * z2) / (n + z2)
    low = 0.0 if k == 0 else max(0.0, center - half)
    high = 1.0 if k == n else min(1.0, center + half)
    return {"estimate": p, "low": low, "high": high}


def mcnemar_exact(b, c):
    n = b + c
    if n == 0:
        return 1.0
    m = min(b, c)
    tail = Fraction(sum(math.comb(n, i) for i in range(m + 1)), 2**n)
    return float(min(Fraction(1), 2 * tail))


def at_k(order, fraud, rev, rate, z):
    n = len(order)
    k = k_for(rate, n)
    top = order[:k]
    caught = sum(fraud[i] for i in top)
    total = sum(fraud)
    rev_caught = sum((Fraction(rev[i]) for i in top if fraud[i]), Fraction(0))
    rev_total = sum((Fraction(rev[i]) for i in range(n) if fraud[i]), Fraction(0))
    return {
        "rate": rate,
        "k": k,
        "frauds_caught": caught,
        "frauds_total": total,
        "precision": float(Fraction(caught, k)),
        "recall": float(Fraction(caught, total)),
        "revenue_caught": float(rev_caught),
        "revenue_total": float(rev_total),
        "revenue_share": float(rev_caught / rev_total),
        "precision_wilson": wilson(caught, k, z),
        "recall_wilson": wilson(caught, total, z),
    }


def pr_auc(order, fraud):
    hits, s = 0, Fraction(0)
    for r, i in enumerate(order):
        if fraud[i]:
            hits += 1
            s += Fraction(hits, r + 1)
    return float(s / hits)


def brier(scores, fraud):
    return float(sum((Fraction(s) - f) ** 2 for s, f in zip(scores, fraud)) / len(scores))


def auc(scores, fraud):
    pos = [s for s, f in zip(scores, fraud) if f]
    neg = [s for s, f in zip(scores, fraud) if not f]
    twice = 0
    for p in pos:
        for q in neg:
            twice += 2 if p > q else 1 if p == q else 0
    return float(Fraction(twice, 2 * len(pos) * len(neg)))


def reliability(scores, fraud):
    out = []
    for b in range(BINS):
        out.append({"n": 0, "sum": Fraction(0), "frauds": 0})
    for s, f in zip(scores, fraud):
        b = min(int(math.floor(s * BINS)), BINS - 1)
        out[b]["n"] += 1
        out[b]["sum"] += Fraction(s)
        out[b]["frauds"] += f
    return [
        {
            "n": o["n"],
            "mean_score": float(o["sum"] / o["n"]) if o["n"] else None,
            "fraud_rate": float(Fraction(o["frauds"], o["n"])) if o["n"] else None,
        }
        for o in out
    ]


def paired(order_a, order_b, fraud, rate):
    n = len(order_a)
    k = k_for(rate, n)
    ta = {i for i in order_a[:k] if fraud[i]}
    tb = {i for i in order_b[:k] if fraud[i]}
    only_a, only_b = len(ta - tb), len(tb - ta)
    return {
        "rate": rate,
        "k": k,
        "only_a": only_a,
        "only_b": only_b,
        "difference": float(Fraction(len(ta) - len(tb), k)),
        "p_exact": mcnemar_exact(only_a, only_b),
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests/fixtures/risk_metrics")
    os.makedirs(outdir, exist_ok=True)
    csv_path = os.path.join(outdir, "declarations.csv")
    generate(csv_path)
    a, b, fraud, rev = read(csv_path)
    z = NormalDist().inv_cdf(0.975)
    oa, ob = rank(a), rank(b)
    expected = {"n": len(a), "rates": RATES, "bins": BINS}
    for name, scores, order in (("a", a, oa), ("b", b, ob)):
        expected[name] = {
            "at_k": [at_k(order, fraud, rev, r, z) for r in RATES],
            "pr_auc": pr_auc(order, fraud),
            "brier": brier(scores, fraud),
            "auc": auc(scores, fraud),
            "reliability": reliability(scores, fraud),
        }
    expected["paired"] = [paired(oa, ob, fraud, r) for r in RATES]
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
