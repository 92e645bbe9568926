"""Standardized scales: a WorldSkills-style scale around the median, and z-scores (100 ± 20).

WorldSkills puts each skill's median at 700; how the other marks spread around it is not published (the
official constant is unknown — research note S7), so ``spread`` is a required, declared parameter and
every result states the formula with its numbers.  Nothing here claims to be the official conversion.

Medians, means and variances are exact (fractions).  Only the square root is irrational: it and the one
division by the dispersion are taken at 70 significant digits (``Decimal.sqrt`` is correctly rounded, so
every machine gets the same digits) and then rounded as declared.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Mapping

from .model import WorldSkillsScale, ZScore
from .numbers import DECIMAL_MODES, Exact, quantum, to_fraction
from .panel import fmt
from .results import StandardizationResult

_WIDE = Context(prec=70, rounding=ROUND_HALF_EVEN)


def _dec(x: Fraction) -> Decimal:
    return _WIDE.divide(Decimal(x.numerator), Decimal(x.denominator))


def _median(values: list[Fraction]) -> Fraction:
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def _shown(x: Fraction | Decimal) -> str:
    if isinstance(x, Fraction) and x.denominator != 1:
        return f"{_WIDE.quantize(_dec(x), quantum(10)).normalize()} ({fmt(x)})"
    return fmt(x)


def standardize(scores: Mapping[str, Exact], method: WorldSkillsScale | ZScore) -> StandardizationResult:
    """Standardize raw totals (entry → exact total) with a declared method."""
    raw = {e: to_fraction(v) for e, v in scores.items()}
    values = list(raw.values())
    n = len(values)
    notes: list[str] = []
    rounding = method.rounding
    if isinstance(method, WorldSkillsScale):
        center_raw = _median(values) if values else Fraction(0)
        if method.dispersion == "sd":
            mean = sum(values, Fraction(0)) / n if n else Fraction(0)
            variance = sum(((x - mean) ** 2 for x in values), Fraction(0)) / n if n else Fraction(0)
            dispersion = _dec(variance).sqrt(_WIDE)
            disp_text = f"population SD {_shown(dispersion)}"
        else:
            mad = _median([abs(x - center_raw) for x in values]) if values else Fraction(0)
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
        notes.append(f"median {_shown(center_raw)}, {disp_text}; the spread {fmt(spread)} is a declared "
                     "parameter, not an official WorldSkills constant")
    else:
        center_raw = sum(values, Fraction(0)) / n if n else Fraction(0)
        if method.sd_of == "sample" and n < 2:
            dispersion = Decimal(0)
            notes.append("sample SD needs at least two scores")
        else:
            squares = sum(((x - center_raw) ** 2 for x in values), Fraction(0))
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
    for entry, x in raw.items():
        if dispersion == 0:
            value = Decimal(center)
        else:
            offset = _WIDE.divide(_WIDE.multiply(spread, _dec(x - center_raw)), dispersion)
            value = _WIDE.add(center, offset)
        out[entry] = value.quantize(q, rounding=mode, context=_WIDE)
    return StandardizationResult(
        method=type(method).__struct_config__.tag,
        formula=formula, parameters=parameters, scores=out, notes=notes)
