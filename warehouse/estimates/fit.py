"""Pure numpy fitting of the rank → downloads power law d(r) = b · r^(−a) (Garg & Telang 2013).

Every function here is deterministic: same inputs in the same order → bit-identical outputs (no randomness,
no threads). ``warehouse/estimates/run.py`` feeds them observations read from the warehouse in a fixed order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


class PowerLawFit(NamedTuple):
    """Log-log least squares of downloads on rank."""

    a: float  # rank exponent: d(r) = b r^(-a)
    b: float  # scale: d(1)
    residuals: np.ndarray  # log(d) - log(b r^(-a)) per input point; NaN where the point was left out
    r2: float  # R² on the log scale (of the points used)


@dataclass(frozen=True)
class Calibrated:
    """A curve calibrated on data with the paper's shape as the prior."""

    a: float
    b: float  # mean-unbiased scale (smeared): E[d(r)] = b r^(-a)
    sigma: float  # log-scale sd of one app-day around the curve (residual sd and intercept uncertainty)
    a_fit: float  # unshrunk slope
    b_fit: float  # unshrunk scale
    a_fit_se: float  # standard error of a_fit
    r2: float  # R² of the calibrated curve
    n: int  # points used
    n_zero: int  # points left out (downloads <= 0 or not finite)
    residuals: np.ndarray  # log residuals around the median curve exp(log b) r^(-a) (NaN where left out)


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Σ u·v, correctly rounded (math.fsum): the same bits whatever the BLAS, memory alignment or order."""
    return math.fsum((u * v).tolist())


def _mean(x: np.ndarray) -> float:
    return math.fsum(x.tolist()) / x.size


def _usable(ranks: Sequence[float] | np.ndarray, downloads: Sequence[float] | np.ndarray):
    r = np.asarray(ranks, dtype=np.float64)
    d = np.asarray(downloads, dtype=np.float64)
    if r.shape != d.shape or r.ndim != 1:
        raise ValueError("ranks and downloads must be 1-d sequences of the same length")
    ok = np.isfinite(r) & np.isfinite(d) & (r > 0) & (d > 0)
    return r, d, ok


def fit_power_law(
    ranks: Sequence[float] | np.ndarray, downloads: Sequence[float] | np.ndarray
) -> PowerLawFit:
    """Fit d = b r^(-a) by ordinary least squares of log d on log r.

    Robust to zeros: points with downloads <= 0 (no growth observed: log undefined) or not finite are left
    out of the fit; their residual is NaN. Needs at least two usable points with different ranks.
    """
    r, d, ok = _usable(ranks, downloads)
    x, y = np.log(r[ok]), np.log(d[ok])
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError("need at least two usable points with different ranks")
    xm, ym = _mean(x), _mean(y)
    sxx = _dot(x - xm, x - xm)
    slope = _dot(x - xm, y - ym) / sxx
    intercept = ym - slope * xm
    fitted = intercept + slope * x
    resid = y - fitted
    ss_tot = _dot(y - ym, y - ym)
    r2 = 1.0 - _dot(resid, resid) / ss_tot if ss_tot > 0 else 1.0
    residuals = np.full(r.shape, np.nan)
    residuals[ok] = resid
    return PowerLawFit(a=-slope, b=float(math.exp(intercept)), residuals=residuals, r2=r2)


def slope_standard_error(ranks: Sequence[float] | np.ndarray, fit: PowerLawFit) -> float:
    """Standard error of the fitted exponent a (OLS, n - 2 degrees of freedom; inf with only 2 points)."""
    r = np.asarray(ranks, dtype=np.float64)
    ok = np.isfinite(fit.residuals)
    n = int(ok.sum())
    if n <= 2:
        return math.inf
    x = np.log(r[ok])
    e = fit.residuals[ok]
    s2 = _dot(e, e) / (n - 2)
    sxx = _dot(x - _mean(x), x - _mean(x))
    return math.sqrt(s2 / sxx)


def shrink_exponent(a_fit: float, a_fit_se: float, a_prior: float, a_prior_sd: float) -> float:
    """Precision-weighted mean of the paper's a (the prior) and the data's a.

    The data's weight 1/se² grows with the sample size, so a large, clean sample moves a wherever the data
    say, and a small or noisy one stays near the paper.
    """
    if not math.isfinite(a_fit_se):
        return a_prior
    if a_fit_se == 0:
        return a_fit
    w_prior, w_data = 1.0 / a_prior_sd**2, 1.0 / a_fit_se**2
    return (w_prior * a_prior + w_data * a_fit) / (w_prior + w_data)


def calibrate(
    ranks: Sequence[float] | np.ndarray,
    downloads: Sequence[float] | np.ndarray,
    *,
    a_prior: float,
    a_prior_sd: float,
) -> Calibrated:
    """Calibrate one curve: the data's log-log fit, a shrunk toward the paper's, b re-fitted at that a.

    b is the least-squares scale given the shrunk a, log b = mean(log d + a log r), times Duan's smearing
    factor mean(exp(residual)): log-scale least squares fits the median curve, and the estimates must be
    mean-unbiased so that their sums (7-day, regional, market totals) add up. sigma combines the residual
    sd of the calibrated curve with the uncertainty of log b (sd / sqrt(n)).
    """
    r, d, ok = _usable(ranks, downloads)
    fit = fit_power_law(r, d)
    se = slope_standard_error(r, fit)
    a = shrink_exponent(fit.a, se, a_prior, a_prior_sd)
    x, y = np.log(r[ok]), np.log(d[ok])
    n = int(x.size)
    log_b = _mean(y + a * x)
    resid = y - (log_b - a * x)
    ss_res = _dot(resid, resid)
    ss_tot = _dot(y - _mean(y), y - _mean(y))
    resid_sd = math.sqrt(ss_res / (n - 1)) if n > 1 else 0.0
    sigma = math.sqrt(resid_sd**2 * (1.0 + 1.0 / n))
    smearing = _mean(np.exp(resid))
    residuals = np.full(r.shape, np.nan)
    residuals[ok] = resid
    return Calibrated(
        a=a, b=math.exp(log_b) * smearing, sigma=sigma, a_fit=fit.a, b_fit=fit.b, a_fit_se=se,
        r2=1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0, n=n, n_zero=int((~ok).sum()), residuals=residuals,
    )  # fmt: skip


def ratings_per_download(
    ratings_gained: Sequence[float], installs_gained: Sequence[float]
) -> tuple[float, float]:
    """The ratings-per-download ratio of a set of listings: the median of their ratios, and the log-sd.

    Each listing's ratio is its ratings gained / installs gained over the fit window (listings with no
    install growth or no positive ratio are left out by the caller). The median keeps one odd listing
    (a rating campaign, a count reset) from moving the ratio.
    """
    g = np.asarray(ratings_gained, dtype=np.float64)
    i = np.asarray(installs_gained, dtype=np.float64)
    ratios = g / i
    rho = float(np.median(ratios))
    logs = np.log(ratios / rho)
    sd = float(math.sqrt(_dot(logs, logs) / (logs.size - 1))) if logs.size > 1 else 0.0
    return rho, sd


def pooled(
    a_values: Sequence[float], b_values: Sequence[float], sigmas: Sequence[float], weights: Sequence[float]
) -> tuple[float, float, float]:
    """A curve for a country without its own fit: the weighted mean a and log b of the same chart in other
    countries that week, with a sigma widened by the spread of their log b."""
    a = np.asarray(a_values, dtype=np.float64)
    lb = np.log(np.asarray(b_values, dtype=np.float64))
    s = np.asarray(sigmas, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    w = w / math.fsum(w.tolist())
    a_bar = _dot(w, a)
    lb_bar = _dot(w, lb)
    spread = _dot(w, (lb - lb_bar) ** 2)
    sigma = math.sqrt(_dot(w, s**2) + spread)
    return a_bar, math.exp(lb_bar), sigma


def prior_scale(daily_total: float, rank_weight_per_day: float) -> float:
    """b from a published total: the b for which the curve summed over the tracked short-drama apps' ranks
    (Σ r^(−a) per day, computed in SQL) equals the published daily total: b = total / Σ r^(−a)."""
    if rank_weight_per_day <= 0:
        raise ValueError("no ranked short-drama apps to spread the published total over")
    return daily_total / rank_weight_per_day


@dataclass(frozen=True)
class CurveScale:
    """The scale of a fitted curve, its uncertainty and the band's sigma (docs/methodology.md, section 4)."""

    b: float  # mean-unbiased scale after shrinkage toward the published-totals scale
    sigma: float  # log-sd of one app-day's true value around the estimate: scatter and scale uncertainty
    scatter: float  # log-sd of true values around the curve (residual sd less the measurement noise)
    log_b_data: float  # the data's log b (mean-corrected with the scatter)
    se_log_b: float  # its standard error: between-app spread / sqrt(apps), and the calibration's
    prior_weight: float  # the weight of the published-totals scale in log b (0: none)
    apps: int  # distinct apps (observation keys) among the points


def rating_count_var(ratings_gained: Sequence[float] | np.ndarray) -> float:
    """The mean log-variance of counting noise over App Store observations, each a week's ratings gained (k, from
    downloads × ρ × days): a Poisson count of k has a log-variance of about 1/k (k below 1 counts as 1)."""
    k = np.maximum(np.asarray(ratings_gained, dtype=np.float64), 1.0)
    return float(np.mean(1.0 / k)) if k.size else 0.0


def curve_scale(
    ranks: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    keys: Sequence[str],
    a: float,
    *,
    measurement_sd: float,
    calibration_sd: float,
    min_scatter: float,
    b_scale: float | None,
    b_prior_sd: float,
    count_var: float = 0.0,
    unseen_sd: float = 0.0,
) -> CurveScale:
    """log b of a curve of exponent ``a``, shrunk toward the published-totals scale, and its band's sigma.

    The residuals of the observations around the curve mix the scatter of the true values around it with the
    noise of the measurement (for the App Store: how much more or less than the median each app's users rate
    per download, ``measurement_sd``, and the counting noise of a day's few ratings, ``count_var``: a Poisson
    count of k has a log-variance of about 1/k); only the first is the band's, and only the first corrects the
    median curve to the mean (log-normal: + scatter²/2) — the whole residual variance overstated both. An app's
    observations on several days share its measurement error, so the scale's standard error counts apps, not
    app-days, and adds ``calibration_sd`` for what no sample shows (ratings per download, country weights).
    ``unseen_sd`` widens the band alone for an error the residuals cannot show (Google Play: the split of global
    install growth over countries, which follows the curve itself).
    """
    r, d, ok = _usable(ranks, values)
    x, y = np.log(r[ok]), np.log(d[ok])
    k = [key for key, good in zip(keys, ok.tolist(), strict=True) if good]
    if x.size == 0:
        raise ValueError("no usable observation")
    log_b_med = _mean(y + a * x)
    resid = y - (log_b_med - a * x)
    n = int(resid.size)
    obs_var = _dot(resid, resid) / (n - 1) if n > 1 else 0.0
    scatter = math.sqrt(max(obs_var - measurement_sd**2 - count_var, min_scatter**2))
    groups: dict[str, list[float]] = {}
    for key, e in zip(k, resid.tolist(), strict=True):
        groups.setdefault(key, []).append(e)
    means = np.asarray([math.fsum(v) / len(v) for _, v in sorted(groups.items())])
    apps = int(means.size)
    between = _dot(means - _mean(means), means - _mean(means)) / (apps - 1) if apps > 1 else obs_var
    se = math.sqrt(between / apps + calibration_sd**2)
    log_b_data = log_b_med + scatter**2 / 2
    if b_scale is not None and b_scale > 0 and math.isfinite(b_scale):
        w_data, w_prior = 1.0 / se**2, 1.0 / b_prior_sd**2
        log_b = (w_data * log_b_data + w_prior * math.log(b_scale)) / (w_data + w_prior)
        se_post = math.sqrt(1.0 / (w_data + w_prior))
        prior_weight = w_prior / (w_data + w_prior)
    else:
        log_b, se_post, prior_weight = log_b_data, se, 0.0
    return CurveScale(b=math.exp(log_b), sigma=math.sqrt(scatter**2 + se_post**2 + unseen_sd**2), scatter=scatter,
                      log_b_data=log_b_data, se_log_b=se, prior_weight=prior_weight, apps=apps)


def scale_denominator(points: Sequence[tuple[int, float | None]], a: float, tail_fraction: float,
                      days: int) -> float:
    """Σ r^(−a) per day over the category's apps of a chart: ranked ones at their rank, tail ones (rank None) at
    ``tail_fraction`` · (N+1)^(−a); ``points`` are (depth N, rank or None) per app-day."""
    if days <= 0:
        return 0.0
    return math.fsum(
        (rank ** -a) if rank is not None else tail_fraction * (depth + 1) ** -a for depth, rank in points
    ) / days


HEAD_BUCKETS = (1.0, 2.0, 4.0)  # effective ranks [1, 2), [2, 4), [4, 11): the head of a chart
HEAD_END = 11.0


def head_correction(ranks: list[float], residuals: list[float], prior_n: float) -> list[tuple[float, float, int]]:
    """Mean log residual of the fitted curves at the head of the charts, per rank bucket (``HEAD_BUCKETS``), less
    their mean residual over all ranks (residuals of smeared fits average about -sigma^2/2), shrunk toward 0 as if ``prior_n`` residuals of 0 were added: (bucket start, log factor, n) per bucket.

    A power law fitted over a chart's 200 ranks overshoots its first few ranks when the head is flatter than
    the body (app sizes closer to log-normal than Pareto there); the apps at the head carry their own
    measurements, and pooled over the week's curves of a store they say by how much."""
    out = []
    bounds = list(HEAD_BUCKETS) + [HEAD_END]
    offset = math.fsum(residuals) / len(residuals) if residuals else 0.0  # the smearing offset of the fits
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        vals = [e - offset for r, e in zip(ranks, residuals, strict=True) if lo <= round(r, 6) < hi]
        out.append((lo, math.fsum(vals) / (len(vals) + prior_n) if vals else 0.0, len(vals)))
    return out
