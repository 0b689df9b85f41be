/*
 * Special functions shared by stats.c and inference.c, written for
 * borderlab from the mathematics (no GPL library is linked): log-gamma,
 * log-beta, and the regularized incomplete beta and gamma functions.
 *
 * These are the building blocks behind the distribution functions of
 * stats.h and inference.h, which check their arguments; the functions here
 * do not, and state their domain instead.  All are pure and thread-safe
 * (lgamma() is avoided: it writes the global signgam).
 */
#ifndef BL_SPECIAL_H
#define BL_SPECIAL_H

/* log Gamma(x) for x > 0. */
double bl_log_gamma(double x);

/* log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b) for a, b > 0,
 * computed without the cancellation of that difference when a or b is
 * large. */
double bl_log_beta(double a, double b);

/*
 * Regularized incomplete beta I_x(a, b) for finite a, b > 0, given x and
 * y = 1 - x separately so that the caller can supply whichever of the two it
 * knows better without the rounding of the other's complement (the
 * prefactor x^a y^b amplifies it by a or b).  x <= 0 gives 0 and y <= 0
 * gives 1.  The complement is I_y(b, a): call with the arguments swapped.
 *
 * front may be NULL; otherwise it receives x^a y^b / B(a, b) (0 when x or y
 * is 0), from which the density of the beta distribution at x is
 * front / (x y).
 */
double bl_incomplete_beta(double a, double b, double x, double y, double *front);

/*
 * Regularized incomplete gamma P(a, x) and its complement Q(a, x) = 1 - P,
 * for finite a > 0 (x <= 0 gives P = 0, x = +inf gives P = 1).
 * Both come out of one evaluation: P is summed directly for x < a + 1 and
 * Q by its continued fraction otherwise, the other being the complement.
 * p and q receive the two; front may be NULL or receives x^a e^-x /
 * Gamma(a), which is x times the density of the gamma distribution at x.
 */
void bl_incomplete_gamma(double a, double x, double *p, double *q, double *front);

/* P(a, x) and Q(a, x) alone (see bl_incomplete_gamma). */
double bl_incomplete_gamma_p(double a, double x);
double bl_incomplete_gamma_q(double a, double x);

#endif
