from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from finsam.formatting import NBSP, format_integer, format_kronor, format_tkr, to_tkr


def test_kronor_are_written_the_swedish_way():
    assert format_kronor(Decimal("9792000")) == f"9{NBSP}792{NBSP}000{NBSP}kr"
    assert format_kronor(Decimal("0")) == f"0{NBSP}kr"
    assert format_kronor(None) == ""


def test_negative_amounts_use_a_real_minus_sign():
    assert format_integer(Decimal("-7638400")) == f"\u22127{NBSP}638{NBSP}400"


def test_tkr_rounds_half_away_from_zero():
    assert format_tkr(Decimal("7638400")) == f"7{NBSP}638{NBSP}tkr"
    assert to_tkr(Decimal("7638500")) == Decimal("7639")
    assert to_tkr(Decimal("-1500")) == Decimal("-2")


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_formatting_round_trips(value):
    text = format_integer(Decimal(value)).replace(NBSP, "").replace("\u2212", "-")
    assert int(text) == value
