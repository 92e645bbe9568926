"""Exact arithmetic for scores: Decimal where a value terminates, Fraction where it does not.

Every value the scoring core computes is *exact*: marks arrive as ``Decimal``; sums and products of
Decimals stay exact; a division gives a ``Decimal`` when the quotient terminates (7.5) and a ``Fraction``
when it does not (7/3).  Rounding happens only where a scheme declares it, through :func:`round_ratio`
or :func:`round_exact`, and always from the exact value, so the same inputs give the same digits on every
machine and in every caller.  Floats never appear.

Two contexts make this safe:

* ``EXACT`` traps ``Inexact``: if an operation that we believe to be exact ever had to round, the
  computation stops with an exception instead of publishing a silently rounded score.
* ``STICKY`` divides with ``ROUND_05UP`` at a precision far beyond any declared number of places.
  ``ROUND_05UP`` is decimal "round to odd": a second rounding of its result to fewer digits gives the
  same answer as rounding the exact quotient directly (no double-rounding error), for every mode.
"""

from __future__ import annotations

from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from typing import Iterable, Literal, Union

Exact = Union[Decimal, Fraction]
"""An exact score: a terminating ``Decimal`` or a non-terminating ``Fraction``."""

RoundingMode = Literal["half_up", "half_even", "truncate", "floor", "ceil"]

# 60 significant digits: marks are bounded (validation refuses maxima above 10**9 and more than 12
# places), so every sum and product of a whole event fits with room for the two guard digits that
# ROUND_05UP needs before the final rounding.
PRECISION = 60

DECIMAL_MODES: dict[str, str] = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "truncate": ROUND_DOWN,
    "floor": ROUND_FLOOR,
    "ceil": ROUND_CEILING,
}

EXACT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
STICKY = Context(prec=PRECISION, rounding=ROUND_05UP, traps=[InvalidOperation, DivisionByZero, Overflow])
# quantize() signals Inexact whenever it drops digits, which is the point of rounding; this context only
# keeps the traps that mean a real error.
ROUNDER = Context(prec=PRECISION, traps=[InvalidOperation, Overflow])
# The same, one per declared mode: ``ROUNDERS[mode].quantize(x, q)`` takes its rounding from the context,
# which costs half of what passing ``rounding=``/``context=`` keywords to ``Decimal.quantize`` does —
# it runs once per panel, 10^5 times an event.
ROUNDERS: dict[str, Context] = {
    name: Context(prec=PRECISION, rounding=mode, traps=[InvalidOperation, Overflow])
    for name, mode in DECIMAL_MODES.items()
}

ZERO = Decimal(0)

_QUANTA = {p: Decimal(1).scaleb(-p) for p in range(0, 13)}


def exact_context():
    """A context manager under which ordinary ``Decimal`` operators refuse to round."""
    return localcontext(EXACT)


def quantum(places: int) -> Decimal:
    """``Decimal('0.01')`` for 2 places; cached for the places a scheme may declare."""
    q = _QUANTA.get(places)
    return q if q is not None else Decimal(1).scaleb(-places)


def round_ratio(num: Decimal, den: Decimal | int, places: int, mode: str) -> Decimal:
    """Round ``num / den`` to ``places`` decimals with ``mode``, from the exact quotient.

    ``num`` and ``den`` are exact; the quotient is taken with round-to-odd at 60 digits, then quantized,
    which equals rounding the exact rational once (see module docstring).
    """
    q = num if den == 1 else STICKY.divide(num, den)
    return ROUNDERS[mode].quantize(q, quantum(places))


def round_exact(value: Exact, places: int, mode: str) -> Decimal:
    """Round an exact value (Decimal or Fraction) to ``places`` decimals with ``mode``."""
    if isinstance(value, Fraction):
        return round_ratio(Decimal(value.numerator), Decimal(value.denominator), places, mode)
    return ROUNDERS[mode].quantize(value, quantum(places))


def round_count(value: Exact, mode: str) -> int:
    """Round an exact value to a whole number (award quotas, advancement quotas)."""
    return int(round_exact(value, 0, mode))


def _terminates(den: int) -> bool:
    # A reduced fraction has a finite decimal expansion exactly when its denominator is 2**a * 5**b.
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    return den == 1


def canonical(value: Exact | int) -> Exact:
    """The canonical form of an exact value: a Decimal if it terminates, else a reduced Fraction."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if _terminates(value.denominator):
        return EXACT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return value


def exact_ratio(num: Exact, den: Exact | int) -> Exact:
    """``num / den`` exactly: a Decimal when it terminates, else a Fraction."""
    if den == 1:
        return canonical(num)
    return canonical(Fraction(num) / Fraction(den))


def to_fraction(value: Exact | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def exact_sum(values: Iterable[Exact]) -> Exact:
    """Sum exact values; stays in Decimal while every term is a Decimal."""
    values = list(values)
    if all(isinstance(v, Decimal) for v in values):
        return EXACT.add(sum(values, ZERO), ZERO) if values else ZERO
    return canonical(sum((to_fraction(v) for v in values), Fraction(0)))


def exact_mul(a: Exact, b: Exact) -> Exact:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return EXACT.multiply(a, b)
    return canonical(to_fraction(a) * to_fraction(b))


def plain(value: Decimal) -> str:
    """A Decimal as positional digits, never exponent notation ('1E+2' → '100')."""
    return format(value, "f")


def minimal(value: Decimal) -> str:
    """An unrounded exact Decimal without insignificant trailing zeros ('7.50' → '7.5', '100' → '100').

    Unrounded values are shown this way so that '8' and '8.0' in the input give the same digits out.
    """
    if value == 0:
        return "0"
    return format(value.normalize(ROUNDER), "f")


def show(value: Exact, display_places: int) -> str:
    """A value for people and files: exact digits when it terminates, else rounded half-even for display.

    Callers that show a non-terminating value also show :func:`fraction_text` so nothing is hidden.
    """
    if isinstance(value, Decimal):
        return minimal(value)
    return plain(round_exact(value, display_places, "half_even"))


def fraction_text(value: Exact) -> str | None:
    """'14/9' for a non-terminating value; None when the decimal digits are already exact."""
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return None
