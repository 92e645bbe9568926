"""Standardized scales: a WorldSkills-style scale around the median, and z-scores (100 ± 20).

WorldSkills puts each skill's median at 700; how the other marks spread around it is not published (the
official constant is unknown — research note S7).  ``spread`` defaults to the historical convention of
20 points per standard deviation and may be declared otherwise; every result states the formula with
its numbers and says when the spread is that default.  Nothing here claims to be the official
conversion.

Medians, means and variances are exact (fractions).  Only the square root is irrational: it and the one
division by the dispersion are taken at 70 significant digits (``Decimal.sqrt`` is correctly rounded, so
every machine gets the same digits) and then rounded as declared.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from math import lcm
from typing import Mapping

from .model import WorldSkillsScale, ZScore
from .numbers import DECIMAL_MODES, Exact, canonical, quantum
from .panel import fmt
from .results import StandardizationResult

_WIDE = Context(prec=70, rounding=ROUND_HALF_EVEN)
DEFAULT_SPREAD = WorldSkillsScale().spread  # the model's default, named in the notes when used


def _dec(x: Fraction) -> Decimal:
    return _WIDE.divide(Decimal(x.numerator), Decimal(x.denominator))


def _shown(x: Fraction | Decimal) -> str:
    """A statistic for the formula line: exact when it is, else ≈ 10 places (with the fraction if exact)."""
    if isinstance(x, Fraction):
        exact = canonical(x)
        if isinstance(exact, Decimal):
            return fmt(exact)
        return f"≈{fmt(_WIDE.quantize(_dec(x), quantum(10)))} (exactly {fmt(x)})"
    if len(x.as_tuple().digits) > 20:  # a square root: irrational in general
        return f"≈{fmt(_WIDE.quantize(x, quantum(10)))}"
    return fmt(x)


def _on_common_denominator(values) -> tuple[list[int], int]:
    """Exact values as integers over one common denominator: statistics then need only integer
    arithmetic (Fraction arithmetic over thousands of totals is needlessly slow)."""
    ratios = [v.as_integer_ratio() for v in values]
    common = lcm(*(d for _, d in ratios)) if ratios else 1
    return [n * (common // d) for n, d in ratios], common


def _median_int(ints: list[int]) -> Fraction:
    v = sorted(ints)
    mid = len(v) // 2
    return Fraction(v[mid]) if len(v) % 2 else Fraction(v[mid - 1] + v[mid], 2)


def standardize(scores: Mapping[str, Exact], method: WorldSkillsScale | ZScore) -> StandardizationResult:
    """Standardize raw totals (entry → exact total) with a declared method."""
    entries = list(scores)
    ints, common = _on_common_denominator([scores[e] for e in entries])
    n = len(ints)
    total = sum(ints)
    # Σ(x − mean)² over the common denominator, exactly: (n·Σx² − (Σx)²) / n
    squares = Fraction(n * sum(x * x for x in ints) - total * total, n * common * common) if n else Fraction(0)
    notes: list[str] = []
    rounding = method.rounding
    if isinstance(method, WorldSkillsScale):
        center_raw = _median_int(ints) / common if n else Fraction(0)
        if method.dispersion == "sd":
            dispersion = _dec(squares / n).sqrt(_WIDE) if n else Decimal(0)
            disp_text = f"population SD {_shown(dispersion)}"
        else:
            mid = center_raw * common
            mad = _median_int([abs(2 * x - 2 * mid) for x in ints]) / (2 * common) if n else Fraction(0)
            dispersion = _WIDE.multiply(_dec(mad), method.mad_factor)
            disp_text = f"MAD {_shown(mad)} × {fmt(method.mad_factor)} = {_shown(dispersion)}"
        center, spread = method.center, method.spread
        formula = (f"{fmt(center)} + {fmt(spread)} × (raw − median) / "
                   + ("SD" if method.dispersion == "sd" else f"(MAD × {fmt(method.mad_factor)})"))
        parameters = {
            "center": fmt(center), "spread": fmt(spread), "dispersion": method.dispersion,
            "median": _shown(center_raw), "dispersion_value": _shown(dispersion), "n": str(n),
            "rounding": f"{rounding.places} places {rounding.mode}",
        }
        if method.dispersion == "mad":
            parameters["mad_factor"] = fmt(method.mad_factor)
        if spread == DEFAULT_SPREAD and method.dispersion == "sd":
            why = ("the default, the historical WorldSkills 20 points per standard deviation; not an official "
                   "WorldSkills constant (none is published)")
        else:
            why = "a declared parameter, not an official WorldSkills constant"
        notes.append(f"median {_shown(center_raw)}, {disp_text}; the spread {fmt(spread)} is {why}")
    else:
        center_raw = Fraction(total, n * common) if n else Fraction(0)
        if method.sd_of == "sample" and n < 2:
            dispersion = Decimal(0)
            notes.append("sample SD needs at least two scores")
        else:
            variance = squares / (n - 1 if method.sd_of == "sample" else n) if n else Fraction(0)
            dispersion = _dec(variance).sqrt(_WIDE)
        center, spread = method.mean, method.sd
        formula = f"{fmt(center)} + {fmt(spread)} × (raw − mean) / SD ({method.sd_of})"
        parameters = {
            "mean": fmt(center), "sd": fmt(spread), "sd_of": method.sd_of, "raw_mean": _shown(center_raw),
            "raw_sd": _shown(dispersion), "n": str(n), "rounding": f"{rounding.places} places {rounding.mode}",
        }

    mode = DECIMAL_MODES[rounding.mode]
    q = quantum(rounding.places)
    out: dict[str, Decimal] = {}
    if dispersion == 0:
        notes.append("all raw scores are equal (no dispersion): every entry gets the centre value")
    # (x − centre) over the common denominator: x·common is an integer, centre·common a half-integer at worst
    c2 = center_raw * common * 2
    scale = _WIDE.multiply(Decimal(2 * common), dispersion) if dispersion != 0 else None
    for entry, x in zip(entries, ints):
        if scale is None:
            value = Decimal(center)
        else:
            diff2 = Fraction(2 * x) - c2  # 2·common·(x − centre), exact
            offset = _WIDE.divide(_WIDE.multiply(spread, _dec(diff2)), scale)
            value = _WIDE.add(center, offset)
        out[entry] = value.quantize(q, rounding=mode, context=_WIDE)
    return StandardizationResult(
        method=type(method).__struct_config__.tag,
        formula=formula, parameters=parameters, scores=out, notes=notes)
