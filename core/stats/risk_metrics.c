/*
 * Ranking metrics of a risk model at an inspection rate (see
 * risk_metrics.h).
 *
 * Bootstrap intervals.  The revenue share and the paired difference are
 * statistics of declarations resampled with replacement, each declaration
 * keeping the top-k membership it has in the full ranking (the ranking is
 * not recomputed per resample, as in the usual bootstrap of precision at a
 * fixed threshold).  Both statistics are sums over a small subset of the N
 * declarations: the revenue share is
 *
 *     sum_{fraud, top k} w_i r_i / sum_{fraud} w_i r_i
 *
 * where w_i is the number of times declaration i is drawn, so only frauds
 * with revenue > 0 matter; the paired difference is
 *
 *     (sum_{fraud, top k of a} w_i - sum_{fraud, top k of b} w_i) / k
 *
 * (k, the inspection capacity, is fixed), where frauds caught by both
 * cancel, so only the only_a + only_b discordant frauds matter.  Drawing N
 * indices per resample would cost O(N) each (1e9 draws for a million
 * declarations and 1000 resamples).  Instead each resample draws the
 * multinomial counts of the m relevant declarations exactly: the number of
 * the N draws that land on one of them is Binomial(N, m / N), and given
 * that number T the T draws are spread uniformly over the m.  This is the
 * ordinary (multinomial) bootstrap, not the Poisson approximation of
 * Chamandy et al. (2012), at O(m + sqrt(m)) per resample; with m == N it
 * is bl_bootstrap's resampling.  Resamples in which the statistic is
 * undefined (no revenue drawn) are left out of the percentiles, and the
 * percentiles are linear between order statistics, as in bl_bootstrap.
 */
#include "stats/risk_metrics.h"

#include <math.h>
#include <stdlib.h>

#include "stats/inference.h"
#include "stats/special.h"

#define LEVEL 0.95

/* ---------------------------------------------------------------- k */

size_t bl_inspection_k(double rate_percent, size_t n) {
    if (n == 0 || !(rate_percent > 0.0))
        return 0;
    if (rate_percent >= 100.0)
        return n;
    /* The rate in millionths of a percent, so that k = ceil(r6 n / 1e8) in
     * integers: with n = q 1e8 + r, r6 n / 1e8 = r6 q + r6 r / 1e8, where
     * r6 q <= n and r6 r < 1e16 both fit in 64 bits. */
    const uint64_t scale = 100000000u;
    uint64_t r6 = (uint64_t)llround(rate_percent * 1e6);
    uint64_t q = (uint64_t)n / scale, r = (uint64_t)n % scale;
    uint64_t k = r6 * q + (r6 * r + scale - 1) / scale;
    if (k == 0)
        k = 1; /* a positive rate below 1e-6 % still inspects one */
    return k > n ? n : (size_t)k;
}

/* ---------------------------------------------------------------- ranking */

typedef struct keyed {
    double score;
    size_t index;
} keyed_t;

/* Descending score, NaN last, ties (and NaNs) by ascending index. */
static int ranks_before(double sa, size_t ia, double sb, size_t ib) {
    int na = isnan(sa), nb = isnan(sb);
    if (na != nb)
        return nb;
    if (!na && sa != sb)
        return sa > sb;
    return ia < ib;
}

static int compare_keyed(const void *pa, const void *pb) {
    const keyed_t *a = pa, *b = pb;
    if (ranks_before(a->score, a->index, b->score, b->index))
        return -1;
    return ranks_before(b->score, b->index, a->score, a->index) ? 1 : 0;
}

/* In-place heapsort of order by the same key: used only when the keyed
 * copy cannot be allocated, so that bl_rank cannot fail. */
static void sift_down(const double *s, size_t *order, size_t root, size_t end) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= end)
            return;
        /* a max-heap of "ranks later" */
        if (child + 1 < end &&
            ranks_before(s[order[child]], order[child], s[order[child + 1]], order[child + 1]))
            child++;
        if (!ranks_before(s[order[root]], order[root], s[order[child]], order[child]))
            return;
        size_t t = order[root];
        order[root] = order[child];
        order[child] = t;
        root = child;
    }
}

static void heap_rank(const double *scores, size_t n, size_t *order) {
    for (size_t i = n / 2; i-- > 0;)
        sift_down(scores, order, i, n);
    for (size_t end = n; end-- > 1;) {
        size_t t = order[0];
        order[0] = order[end];
        order[end] = t;
        sift_down(scores, order, 0, end);
    }
}

void bl_rank(const double *scores, size_t n, size_t *order) {
    if (n == 0 || scores == NULL || order == NULL)
        return;
    keyed_t *k = malloc(n * sizeof *k);
    if (k == NULL) {
        for (size_t i = 0; i < n; i++)
            order[i] = i;
        heap_rank(scores, n, order);
        return;
    }
    /* The key is total (index breaks every tie), so qsort's instability
     * cannot show. */
    for (size_t i = 0; i < n; i++) {
        k[i].score = scores[i];
        k[i].index = i;
    }
    qsort(k, n, sizeof *k, compare_keyed);
    for (size_t i = 0; i < n; i++)
        order[i] = k[i].index;
    free(k);
}

/* ---------------------------------------------------------------- bootstrap helpers */

/* Binomial(n, p) deviate, exact up to rounding of the probabilities:
 * inversion from 0 for a small mean, otherwise from the mode outwards
 * (expected O(sd) steps). */
static uint64_t binomial(bl_rng_t *rng, uint64_t n, double p) {
    if (n == 0 || !(p > 0.0))
        return 0;
    if (p >= 1.0)
        return n;
    if (p > 0.5)
        return n - binomial(rng, n, 1.0 - p);
    double nn = (double)n, ratio = p / (1.0 - p), u = bl_rng_uniform(rng);
    if (nn * p < 30.0) {
        double pmf = exp(nn * log1p(-p));
        for (uint64_t x = 0; x < n; x++) {
            if (u < pmf)
                return x;
            u -= pmf;
            pmf *= (nn - (double)x) / ((double)x + 1.0) * ratio;
        }
        return n;
    }
    uint64_t mode = (uint64_t)floor((nn + 1.0) * p);
    if (mode > n)
        mode = n;
    double m = (double)mode;
    double pmf_mode = exp(bl_log_gamma(nn + 1.0) - bl_log_gamma(m + 1.0) -
                          bl_log_gamma(nn - m + 1.0) + m * log(p) + (nn - m) * log1p(-p));
    if (u < pmf_mode)
        return mode;
    u -= pmf_mode;
    double down = pmf_mode, up = pmf_mode;
    uint64_t lo = mode, hi = mode;
    while (lo > 0 || hi < n) {
        if (lo > 0) {
            /* pmf(x - 1) = pmf(x) x / ((n - x + 1) ratio) */
            down *= (double)lo / ((nn - (double)lo + 1.0) * ratio);
            lo--;
            if (u < down)
                return lo;
            u -= down;
        }
        if (hi < n) {
            up *= (nn - (double)hi) / ((double)hi + 1.0) * ratio;
            hi++;
            if (u < up)
                return hi;
            u -= up;
        }
        if (down < 1e-300 && up < 1e-300)
            break;
    }
    return mode; /* u beyond the rounded total mass */
}

/* The counts w[0..m-1] of m particular items among n draws with
 * replacement from n items (see the top of the file). */
static void draw_counts(bl_rng_t *rng, size_t n, size_t m, uint32_t *w) {
    for (size_t j = 0; j < m; j++)
        w[j] = 0;
    if (m == 0)
        return;
    uint64_t t = m == n ? n : binomial(rng, n, (double)m / (double)n);
    for (uint64_t d = 0; d < t; d++)
        w[bl_rng_below(rng, m)]++;
}

static int compare_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Percentile interval of stat[0..kept-1] around estimate (sorts stat). */
static bl_interval_t percentile_interval(double estimate, double *stat, size_t kept) {
    bl_interval_t iv = {estimate, NAN, NAN, NAN};
    if (kept == 0)
        return iv;
    qsort(stat, kept, sizeof *stat, compare_double);
    double q[2] = {0.5 * (1.0 - LEVEL), 1.0 - 0.5 * (1.0 - LEVEL)}, b[2];
    for (int j = 0; j < 2; j++) {
        double h = (double)(kept - 1) * q[j];
        size_t i = (size_t)floor(h);
        b[j] = i + 1 >= kept ? stat[kept - 1] : stat[i] + (h - (double)i) * (stat[i + 1] - stat[i]);
    }
    iv.low = b[0];
    iv.high = b[1];
    iv.half_width = 0.5 * (iv.high - iv.low);
    return iv;
}

static bl_interval_t point_interval(double estimate) {
    bl_interval_t iv = {estimate, estimate, estimate, 0.0};
    if (isnan(estimate))
        iv.low = iv.high = iv.half_width = NAN;
    return iv;
}

/* ---------------------------------------------------------------- at k */

/* Revenue share bootstrap: rev[j] and in[j] of the m frauds with revenue. */
static bl_interval_t revenue_bootstrap(double estimate, const double *rev, const uint8_t *in,
                                       size_t m, size_t n, unsigned resamples, bl_rng_t *rng) {
    bl_interval_t iv = {estimate, NAN, NAN, NAN};
    uint32_t *w = malloc((m ? m : 1) * sizeof *w);
    double *stat = malloc(resamples * sizeof *stat);
    size_t kept = 0;
    if (w == NULL || stat == NULL)
        goto out;
    for (unsigned r = 0; r < resamples; r++) {
        draw_counts(rng, n, m, w);
        double caught = 0.0, total = 0.0;
        for (size_t j = 0; j < m; j++) {
            double x = (double)w[j] * rev[j];
            total += x;
            caught += in[j] ? x : 0.0;
        }
        if (total > 0.0)
            stat[kept++] = caught / total;
    }
    iv = percentile_interval(estimate, stat, kept);
out:
    free(w);
    free(stat);
    return iv;
}

bl_at_k_t bl_at_k(const size_t *order, const uint8_t *fraud, const double *revenue, size_t n,
                  double rate_percent, unsigned resamples, bl_rng_t *rng) {
    bl_at_k_t a = {0};
    a.rate_percent = rate_percent;
    a.k = bl_inspection_k(rate_percent, n);
    bl_interval_t nan_iv = {NAN, NAN, NAN, NAN};
    a.precision = a.recall = a.revenue = nan_iv;
    if (n == 0 || order == NULL || fraud == NULL)
        return a;
    size_t m = 0; /* frauds with revenue at stake */
    for (size_t r = 0; r < n; r++) {
        size_t i = order[r];
        if (!fraud[i])
            continue;
        a.frauds_total++;
        double v = revenue ? revenue[i] : 0.0;
        if (r < a.k) {
            a.frauds_caught++;
            a.revenue_caught += v;
        }
        a.revenue_total += v;
        m += v > 0.0;
    }
    a.precision = bl_wilson_interval(a.frauds_caught, a.k, LEVEL);
    a.recall = bl_wilson_interval(a.frauds_caught, a.frauds_total, LEVEL);
    double share = a.revenue_total > 0.0 ? a.revenue_caught / a.revenue_total : NAN;
    a.revenue = point_interval(share);
    if (resamples == 0 || rng == NULL || revenue == NULL || isnan(share))
        return a;
    double *rev = malloc(m * sizeof *rev);
    uint8_t *in = malloc(m);
    if (rev == NULL || in == NULL) {
        a.revenue = (bl_interval_t){share, NAN, NAN, NAN};
        goto out;
    }
    size_t j = 0;
    for (size_t r = 0; r < n; r++) {
        size_t i = order[r];
        if (fraud[i] && revenue[i] > 0.0) {
            rev[j] = revenue[i];
            in[j++] = r < a.k;
        }
    }
    a.revenue = revenue_bootstrap(share, rev, in, m, n, resamples, rng);
out:
    free(rev);
    free(in);
    return a;
}

/* ---------------------------------------------------------------- PR AUC, Brier, reliability */

double bl_pr_auc(const size_t *order, const uint8_t *fraud, size_t n) {
    if (order == NULL || fraud == NULL)
        return NAN;
    double sum = 0.0;
    size_t hits = 0;
    for (size_t r = 0; r < n; r++) {
        if (fraud[order[r]]) {
            hits++;
            sum += (double)hits / (double)(r + 1);
        }
    }
    return hits ? sum / (double)hits : NAN;
}

double bl_brier(const double *scores, const uint8_t *fraud, size_t n) {
    if (n == 0 || scores == NULL || fraud == NULL)
        return NAN;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = scores[i];
        if (!(s >= 0.0 && s <= 1.0))
            return NAN;
        double d = s - (fraud[i] ? 1.0 : 0.0);
        sum += d * d;
    }
    return sum / (double)n;
}

void bl_reliability(const double *scores, const uint8_t *fraud, size_t n, size_t bins,
                    bl_reliability_bin_t *out) {
    if (bins == 0 || out == NULL)
        return;
    for (size_t b = 0; b < bins; b++) {
        out[b].low = (double)b / (double)bins;
        out[b].high = (double)(b + 1) / (double)bins;
        out[b].n = 0;
        out[b].mean_score = 0.0;
        out[b].fraud_rate = 0.0;
    }
    for (size_t i = 0; scores && fraud && i < n; i++) {
        double s = scores[i];
        if (!(s >= 0.0 && s <= 1.0))
            continue;
        size_t b = (size_t)floor(s * (double)bins);
        if (b >= bins)
            b = bins - 1; /* a score of exactly 1 */
        out[b].n++;
        out[b].mean_score += s;
        out[b].fraud_rate += fraud[i] ? 1.0 : 0.0;
    }
    for (size_t b = 0; b < bins; b++) {
        double c = (double)out[b].n;
        out[b].mean_score = out[b].n ? out[b].mean_score / c : NAN;
        out[b].fraud_rate = out[b].n ? out[b].fraud_rate / c : NAN;
    }
}

/* ---------------------------------------------------------------- paired */

bl_paired_at_k_t bl_paired_at_k(const size_t *order_a, const size_t *order_b, const uint8_t *fraud,
                                size_t n, double rate_percent, unsigned resamples, bl_rng_t *rng) {
    bl_paired_at_k_t p = {NAN, NAN, NAN, 0, 0, NAN, {NAN, NAN, NAN, NAN}};
    size_t k = bl_inspection_k(rate_percent, n);
    uint8_t *in_b = NULL;
    int8_t *sign = NULL;
    uint32_t *w = NULL;
    double *stat = NULL;
    if (k == 0 || order_a == NULL || order_b == NULL || fraud == NULL)
        return p;
    in_b = calloc(n, 1);
    if (in_b == NULL)
        goto out;
    uint64_t caught_a = 0, caught_b = 0;
    for (size_t r = 0; r < k; r++) {
        in_b[order_b[r]] = 1;
        caught_b += fraud[order_b[r]] != 0;
    }
    for (size_t r = 0; r < k; r++) {
        size_t i = order_a[r];
        if (!fraud[i])
            continue;
        caught_a++;
        /* in_b becomes 2 for a fraud caught by both */
        if (in_b[i])
            in_b[i] = 2;
        else
            p.only_a++;
    }
    p.only_b = caught_b - (caught_a - p.only_a);
    double kk = (double)k;
    p.precision_a = (double)caught_a / kk;
    p.precision_b = (double)caught_b / kk;
    p.difference = ((double)caught_a - (double)caught_b) / kk;
    p.p_value = bl_mcnemar(p.only_a, p.only_b).p_exact;
    p.interval = point_interval(p.difference);
    if (resamples == 0 || rng == NULL)
        goto out;
    /* The discordant frauds, +1 for a's, -1 for b's (see the top of the file). */
    size_t m = (size_t)(p.only_a + p.only_b), j = 0;
    sign = malloc((m ? m : 1) * sizeof *sign);
    w = malloc((m ? m : 1) * sizeof *w);
    stat = malloc(resamples * sizeof *stat);
    if (sign == NULL || w == NULL || stat == NULL) {
        p.interval = (bl_interval_t){p.difference, NAN, NAN, NAN};
        goto out;
    }
    for (size_t r = 0; r < k; r++) {
        size_t ia = order_a[r], ib = order_b[r];
        if (fraud[ia] && in_b[ia] == 0)
            sign[j++] = 1;
        if (fraud[ib] && in_b[ib] == 1)
            sign[j++] = -1;
    }
    for (unsigned r = 0; r < resamples; r++) {
        draw_counts(rng, n, m, w);
        int64_t d = 0;
        for (size_t i = 0; i < m; i++)
            d += sign[i] * (int64_t)w[i];
        stat[r] = (double)d / kk;
    }
    p.interval = percentile_interval(p.difference, stat, resamples);
out:
    free(in_b);
    free(sign);
    free(w);
    free(stat);
    return p;
}
