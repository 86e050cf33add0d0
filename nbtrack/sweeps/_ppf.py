"""Quantile functions (and CDFs) of W&B's non-uniform distributions, without scipy."""

from __future__ import annotations

import math
from statistics import NormalDist

_STANDARD = NormalDist()


def quantize(value: float, q: float) -> float:
    """W&B's `round(x / q) * q` (half to even); an int q gives an int, any other q a float."""
    if not math.isfinite(value):
        return value
    rounded = round(value / q) * q
    return rounded if isinstance(q, int) else float(rounded)


def normal_ppf(u: float, mu: float, sigma: float) -> float:
    """scipy's `norm.ppf(u, mu, sigma)`: -inf at 0, inf at 1, NaN when sigma is 0."""
    if sigma <= 0:
        return math.nan
    if u <= 0.0:
        return -math.inf
    if u >= 1.0:
        return math.inf
    return _STANDARD.inv_cdf(u) * sigma + mu


def normal_cdf(x: float, mu: float, sigma: float) -> float:
    """The inverse of `normal_ppf`."""
    return NormalDist(mu, sigma).cdf(x) if sigma > 0 else 0.5


def lognormal_ppf(u: float, mu: float, sigma: float) -> float:
    """scipy's `lognorm.ppf(u, s=sigma, scale=exp(mu))`."""
    if sigma <= 0:
        return math.nan
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return math.inf
    try:
        return math.exp(sigma * _STANDARD.inv_cdf(u)) * math.exp(mu)
    except OverflowError:
        return math.inf


def lognormal_cdf(x: float, mu: float, sigma: float) -> float:
    """The inverse of `lognormal_ppf`."""
    return normal_cdf(math.log(x), mu, sigma) if x > 0 else 0.0


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return result


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b): scipy's `beta.cdf(x, a, b)`."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def _beta_ppf_direct(u: float, a: float, b: float) -> float:
    """The solution of I_x(a, b) = u, by safeguarded Newton steps on log I against log x."""
    log_u, log_beta = math.log(u), _log_beta(a, b)
    # near 0, I_x(a, b) ~ x**a / (a * B(a, b)): a start that is exact in the far tail
    t = min(-math.log(2.0), (log_u + math.log(a) + log_beta) / a)
    low, high = -math.inf, 0.0  # bracket on t = log x
    for _ in range(200):
        x = math.exp(t)
        cdf = beta_cdf(x, a, b)
        if cdf <= 0.0:
            low, candidate = t, (t + high) / 2.0
        else:
            error = math.log(cdf) - log_u
            if error == 0.0:
                return x
            if error < 0.0:
                low = t
            else:
                high = t
            log_density = (a - 1.0) * t + (b - 1.0) * math.log1p(-x) - log_beta
            slope = math.exp(min(log_density + t - math.log(cdf), 700.0))
            candidate = t - error / slope
        if not low < candidate < high:  # also catches NaN
            candidate = (low + high) / 2.0 if low > -math.inf else 2.0 * min(t, high) - 1.0
        if abs(candidate - t) <= 1e-15 * max(1.0, abs(t)):
            return math.exp(candidate)
        t = candidate
    return math.exp(t)


def beta_ppf(u: float, a: float, b: float) -> float:
    """scipy's `beta.ppf(u, a, b)`; NaN unless a and b are positive."""
    if not (a > 0 and b > 0):
        return math.nan
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return 1.0
    if u > max(0.5, beta_cdf(0.5, a, b)):  # u and x near 1: solve for 1 - x from 1 - u, both exact
        return 1.0 - _beta_ppf_direct(1.0 - u, b, a)
    return _beta_ppf_direct(u, a, b)
