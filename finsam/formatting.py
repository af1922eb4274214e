"""Swedish formatting of numbers and money, in one place.

Money is ``Decimal`` in whole kronor. Thousands are separated by a
non-breaking space (``9 792 000 kr``) so an amount never wraps across lines.
"""

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
MINUS = "\u2212"


def format_integer(value) -> str:
    """``1234567`` → ``1 234 567`` (non-breaking spaces); ``None`` → ``""``."""
    if value is None or value == "":
        return ""
    number = Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = MINUS if number < 0 else ""
    digits = f"{abs(int(number)):,}".replace(",", NBSP)
    return f"{sign}{digits}"


def format_kronor(value) -> str:
    """``Decimal("9792000")`` → ``9 792 000 kr``."""
    if value is None or value == "":
        return ""
    return f"{format_integer(value)}{NBSP}kr"


def to_tkr(value) -> Decimal:
    """Whole kronor to whole thousands, rounding half away from zero (7 638 500 → 7 639)."""
    return (Decimal(value) / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def format_tkr(value) -> str:
    """``Decimal("7638400")`` → ``7 638 tkr``."""
    if value is None or value == "":
        return ""
    return f"{format_integer(to_tkr(value))}{NBSP}tkr"


def format_signed_kronor(value) -> str:
    """A deviation: ``12300`` → ``+12 300 kr``, ``-4500`` → ``−4 500 kr``, ``0`` → ``0 kr``."""
    if value is None or value == "":
        return ""
    sign = "+" if Decimal(value) > 0 else ""
    return f"{sign}{format_kronor(value)}"


def format_signed_percent(value) -> str:
    """``Decimal("3.2")`` → ``+3,2 %`` (decimal comma, minus sign, non-breaking space)."""
    if value is None or value == "":
        return ""
    number = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    sign = "+" if number > 0 else MINUS if number < 0 else ""
    return f"{sign}{abs(number):.1f}".replace(".", ",") + f"{NBSP}%"
