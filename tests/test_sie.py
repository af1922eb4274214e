"""The SIE 4 reader: good files read, and each kind of bad file refused with its line."""

import contextlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from budgets.sie import MAX_SIE_BYTES, SieError, read_sie, split_fields

DEMO = Path(__file__).resolve().parent.parent / "budgets" / "demo"
SAMPLE = DEMO / "sie" / "norra-vastmanland-2022.se"
MAPPING = DEMO / "sie" / "norra-vastmanland-2022.mapping.json"
BUDGET = DEMO / "norra-vastmanland.json"

HEAD = [
    "#FLAGGA 0",
    "#FORMAT PC8",
    "#SIETYP 4",
    '#PROGRAM "Test" 1.0',
    '#FNAMN "Samordningsförbundet Test"',
    "#ORGNR 222000-1875",
    "#RAR 0 20220101 20221231",
]  # lines 1-7


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def sie_bytes(*lines: str, head=HEAD, encoding="cp437", newline="\r\n") -> bytes:
    return newline.join([*head, *lines, ""]).encode(encoding)


def problems(data: bytes, **expected) -> list[tuple]:
    with pytest.raises(SieError) as refused:
        read_sie(data, **expected)
    return [(problem.line, problem.message) for problem in refused.value.problems]


def lines_of(data: bytes, **expected) -> list:
    return [line for line, _message in problems(data, **expected)]


# Good files


def test_the_demo_file_reads_with_its_year_and_organisation():
    sie = read_sie(SAMPLE.read_bytes(), year=2022, org_number="2220001875")
    assert sie.encoding == "cp437"
    assert sie.company_name == "Samordningsförbundet Norra Västmanland"
    assert sie.program == "Demo 1.0"
    assert sie.current_year.start == date(2022, 1, 1)
    assert sie.current_year.end == date(2022, 12, 31)
    assert sie.years[-1].start == date(2021, 1, 1)
    assert sie.account_names["3010"] == "Medel från Försäkringskassan"
    assert len(sie.vouchers) == 6
    assert all(voucher.imbalance() == 0 for voucher in sie.vouchers)
    # Only the {} row counts: the one with an object list is a part of it.
    assert sie.period_balances[("4011", "202201")] == Decimal("130100.00")
    assert sie.results_by_account()["3010"] == Decimal("-3523000.00")


def test_the_demo_file_is_cp437_with_crlf_and_small():
    data = SAMPLE.read_bytes()
    assert "Västmanland".encode("cp437") in data
    assert data.count(b"\r\n") == data.count(b"\n")
    assert data.count(b"\n") < 200


def test_the_demo_mapping_covers_every_result_account_and_names_budget_lines():
    mapping = json.loads(MAPPING.read_text(encoding="utf-8"))
    budget = json.loads(BUDGET.read_text(encoding="utf-8"))["budget"]
    budgets = {
        line["name"]: line["amounts"]["b2022"] for g in budget["groups"] for line in g["lines"]
    }
    outcome = dict.fromkeys(budgets, Decimal(0))
    for account, amount in read_sie(SAMPLE.read_bytes()).results_by_account().items():
        lines = [entry["line"] for entry in mapping if _in_range(account, entry["accounts"])]
        assert len(lines) == 1, account
        outcome[lines[0]] += abs(amount)
    for name, budgeted in budgets.items():
        # Within 10 % of the budget; a line budgeted at 0 has no outcome.
        assert abs(outcome[name] - budgeted) <= Decimal(budgeted) / 10, name
    assert any(outcome[name] > budgets[name] for name in budgets)
    assert any(outcome[name] < budgets[name] for name in budgets)
    assert any("-" in entry["accounts"] for entry in mapping)


def _in_range(account: str, accounts: str) -> bool:
    first, _dash, last = accounts.partition("-")
    return int(first) <= int(account) <= int(last or first)


def test_a_utf8_file_with_or_without_bom_reads():
    data = sie_bytes('#KONTO 3010 "Medel från Försäkringskassan"', encoding="utf-8")
    assert read_sie(data).encoding == "utf-8"
    sie = read_sie(b"\xef\xbb\xbf" + data)
    assert sie.company_name == "Samordningsförbundet Test"
    assert sie.account_names["3010"] == "Medel från Försäkringskassan"


def test_without_res_the_result_is_the_vouchers_rows_on_result_accounts_in_year_0():
    data = sie_bytes(
        '#VER A 1 20220105 "Hyra"',
        "{",
        "#TRANS 5010 {} 1000.50",
        "#TRANS 1930 {} -1000.50",
        "}",
        '#VER A 2 20220301 "Medel"',
        "{",
        '#TRANS 3010 {1 "10"} -5000',
        "#TRANS 1930 {} 2500",
        "#TRANS 1930 {} 2500",
        "#TRANS 5010 {} 200 20211231",  # dated in the year before
        "#TRANS 1930 {} -200 20211231",
        "}",
        newline="\n",
    )
    sie = read_sie(data)
    assert sie.transaction_count == 7
    assert sie.results_by_account() == {"5010": Decimal("1000.50"), "3010": Decimal(-5000)}


def test_res_for_year_0_wins_over_the_vouchers_and_other_years_are_left_out():
    data = sie_bytes(
        "#RES 0 3010 -7046000",
        "#RES -1 3010 -6000000",
        "#VER A 1 20220105",
        "{",
        "#TRANS 3010 {} -1",
        "#TRANS 1930 {} 1",
        "}",
    )
    assert read_sie(data).results_by_account() == {"3010": Decimal(-7046000)}


def test_quoted_fields_keep_spaces_and_escaped_quotes_and_tabs_separate_fields():
    data = sie_bytes(
        '#KONTO\t4011\t"Team \\"FNS\\" Fagersta"',
        '#KONTO 4012   "  två  mellanslag  "',
        "#KONTO 4013 Ettord",
        '#KONTO 4014 ""',
    )
    names = read_sie(data).account_names
    assert names == {
        "4011": 'Team "FNS" Fagersta',
        "4012": "  två  mellanslag  ",
        "4013": "Ettord",
        "4014": "",
    }


def test_object_lists_are_one_field_and_only_empty_ones_count_for_period_balances():
    assert split_fields('1 {} 2 {1 "10" 6 "Projekt {x}"} 3') == [
        "1",
        (),
        "2",
        ("1", "10", "6", "Projekt {x}"),
        "3",
    ]
    data = sie_bytes(
        "#PSALDO 0 202201 4011 {} 100",
        '#PSALDO 0 202201 4011 {1 "10"} 60',
        "#PSALDO -1 202101 4011 {} 90",
    )
    assert read_sie(data).period_balances == {("4011", "202201"): Decimal(100)}


def test_unknown_labels_blank_lines_and_lowercase_labels_are_read_as_the_standard_says():
    data = sie_bytes("", "#KSUMMA 12345", '#NYTT {1 2} "okänt"', "   ", "#konto 3010 Medel")
    assert read_sie(data).account_names == {"3010": "Medel"}


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters='"\\')))
def test_a_quoted_field_reads_back_as_written(text):
    assert split_fields(f'"{text}" 1') == [text, "1"]


@given(st.text(alphabet=' abcÅÄÖ"\\{}'))
def test_a_written_name_with_escaped_quotes_reads_back(text):
    quoted = '"' + text.replace("\\", "").replace('"', '\\"') + '"'
    assert split_fields(quoted) == [text.replace("\\", "")]


ROW_TEXT = st.text(alphabet='abc åäö"{}\t', max_size=12)
ROW_AMOUNT = st.decimals(min_value=-(10**9), max_value=10**9, places=2)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


@given(
    st.lists(
        st.tuples(
            ROW_TEXT,
            st.lists(
                st.tuples(st.sampled_from(["3010", "4011", "5010", "7240"]), ROW_AMOUNT), max_size=4
            ),
        ),
        max_size=6,
    )
)
def test_balanced_vouchers_read_back_with_their_results(vouchers):
    lines, expected = [], {}
    for number, (text, rows) in enumerate(vouchers, start=1):
        lines += [f"#VER A {number} 20220610 {_quoted(text)}", "{"]
        for account, amount in rows:
            lines.append(f"#TRANS {account} {{}} {amount}")
            expected[account] = expected.get(account, Decimal(0)) + amount
        balance = sum((amount for _account, amount in rows), Decimal(0))
        lines += [f"#TRANS 1930 {{}} {-balance}", "}"]
    sie = read_sie(sie_bytes(*lines))
    assert [voucher.text for voucher in sie.vouchers] == [text for text, _rows in vouchers]
    assert sie.results_by_account() == expected


SIE_PIECES = st.sampled_from(
    [
        "#VER",
        "#TRANS",
        "#RES",
        "#RAR",
        "#PSALDO",
        "#KONTO",
        "#SIETYP",
        "{",
        "}",
        '"',
        "\\",
        "0",
        "-1",
        "20220101",
        "3010",
        "1.5",
        " ",
        "\t",
        "\r\n",
        "\n",
        "å",
        "{}",
    ]
)


@given(st.lists(SIE_PIECES, max_size=40))
def test_any_jumble_of_sie_pieces_is_read_or_refused_never_crashes(pieces):
    data = sie_bytes("".join(pieces), encoding="utf-8")
    try:
        read_sie(data, year=2022, org_number="222000-1875")
    except SieError as refused:
        assert all(p.line is None or p.line >= 1 for p in refused.problems)


@given(st.binary(max_size=200), st.booleans())
def test_any_bytes_are_read_or_refused_never_crash(data, after_a_good_head):
    with contextlib.suppress(SieError):
        read_sie(sie_bytes() + data if after_a_good_head else data)


# Bad files, one problem each


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    data = b"#FLAGGA 0\r\n" + b" " * MAX_SIE_BYTES
    [(line, message)] = problems(data)
    assert line is None
    assert "20 MB" in message


@pytest.mark.parametrize(
    "data",
    [
        "#FLAGGA 0\r\n#SIETYP 4\r\n".encode("utf-16"),  # with a BOM
        "#FLAGGA 0\r\n#SIETYP 4\r\n".encode("utf-16-le"),  # without
        "#FLAGGA 0\r\n#SIETYP 4\r\n".encode("utf-32"),
    ],
)
def test_utf16_and_utf32_are_refused_as_the_wrong_encoding(data):
    [(line, message)] = problems(data)
    assert line is None
    assert "UTF-16" in message


def test_a_windows_1252_file_is_refused_naming_the_line():
    data = sie_bytes('#KONTO 3010 "Medel från FK"', encoding="cp1252")
    [(line, message)] = problems(data)
    assert line == 5  # #FNAMN's "ö" comes first
    assert "Windows-1252" in message
    assert "“ö”" in message


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n\x00\x01binary", b"PK\x03\x04\x00\x00", b"Konto;Belopp\n3010;-100\n"],
)
def test_something_else_is_not_an_sie_file(data):
    [(line, message)] = problems(data)
    assert line is None
    assert "not an SIE file" in message


def test_an_empty_file_is_refused():
    assert problems(b"") == [(None, "The file is empty.")]


def test_another_sie_type_is_refused_naming_it():
    head = [line.replace("#SIETYP 4", "#SIETYP 2") for line in HEAD]
    [(line, message)] = problems(sie_bytes(head=head))
    assert line == 3
    assert "SIE type 2" in message


def test_a_file_without_sietyp_is_refused():
    head = [line for line in HEAD if not line.startswith("#SIETYP")]
    assert lines_of(sie_bytes(head=head)) == [None]


@pytest.mark.parametrize("expected", ["222000-1875", "2220001875", "16222000-1875"])
def test_the_organisation_number_matches_in_either_form(expected):
    assert read_sie(sie_bytes(), org_number=expected).org_number == "222000-1875"


def test_another_organisation_is_refused_on_the_orgnr_line():
    [(line, message)] = problems(sie_bytes(), org_number="222000-9999")
    assert line == 6
    assert "222000-1875" in message and "222000-9999" in message


def test_a_file_without_orgnr_is_refused_when_one_is_expected():
    head = [line for line in HEAD if not line.startswith("#ORGNR")]
    assert lines_of(sie_bytes(head=head), org_number="222000-1875") == [None]


def test_a_file_for_another_year_is_refused_saying_which_year_it_is_for():
    [(line, message)] = problems(sie_bytes(), year=2023)
    assert line == 7
    assert "2022-01-01" in message and "2023" in message
    assert read_sie(sie_bytes(), year=2022).current_year.covers(2022)


def test_a_file_without_rar_0_is_refused_when_a_year_is_expected():
    head = [line for line in HEAD if not line.startswith("#RAR")]
    assert lines_of(sie_bytes(head=head), year=2022) == [None]


def test_an_unbalanced_voucher_is_refused_on_its_ver_line_naming_it():
    data = sie_bytes(
        '#VER B 17 20220315 "Faktura"',  # line 8
        "{",
        "#TRANS 4011 {} 1000.00",
        "#TRANS 1930 {} -999.50",
        "}",
    )
    [(line, message)] = problems(data)
    assert line == 8
    assert "B 17" in message and "2022-03-15" in message and "0,50\xa0kr" in message


def test_malformed_rows_are_each_refused_with_their_line():
    data = sie_bytes(
        "#RES 0 3010 tusen",  # 8: not an amount
        "#RES 0 3010",  # 9: missing field
        "#RAR -1 20210101 2021-12-31",  # 10: not a date
        "#RAR -2 20200101 20200231",  # 11: no such day
        "#PSALDO 0 202213 4011 {} 100",  # 12: no such month
        '#KONTO 4011 "Team',  # 13: unclosed quote
        "#RES 0 3010 1,5",  # 14: decimal comma
        "#PSALDO 0 202201 4011 x 100",  # 15: no object list
        "#RAR x 20200101 20201231",  # 16: not a year number
        "#KONTO 3010",  # 17: no name
    )
    assert lines_of(data) == [8, 9, 10, 11, 12, 13, 14, 15, 16, 17]


def test_unbalanced_braces_in_vouchers_are_refused_with_their_lines():
    data = sie_bytes(
        "#VER A 1 20220110",  # 8: its { never closes (a new #VER comes)
        "{",
        "#TRANS 1930 {} 1",
        "#TRANS 3010 {} -1",
        "#VER A 2 20220110",  # 12: no { line
        "#TRANS 1930 {} 1",  # 13: so this row is outside a voucher
        "}",  # 14: a } without {
        "#VER A 3 20220110",
        "{",
        '#TRANS 1930 {1 "10" 5',  # 17: an object list without }
        "#TRANS 3010 {} -5",
        "}",
        "{",  # 20: a { without #VER
        "#VER A 4 20220110",  # 21: not closed at the end of the file
        "{",
        "#TRANS 1930 {} 0",
    )
    assert lines_of(data) == [8, 12, 13, 14, 17, 20, 21]


def test_a_malformed_ver_line_is_one_problem_not_one_per_row():
    data = sie_bytes(
        "#VER A 1 2022-01-10",  # 8
        "{",
        "#TRANS 1930 {} 1",
        "#TRANS 3010 {} -2",
        "}",
        "#VER A 2 20220110",
        "{",
        "#TRANS 1930 {} 1",
        "#TRANS 3010 {} -1",
        "#TRANS 3010 {} x",  # 17: its voucher's balance is not reported as well
        "}",
        "#TRANS 1930 1",  # 19: no object list
    )
    assert lines_of(data) == [8, 17, 19]


def test_every_problem_is_collected_and_the_messages_are_capped():
    data = sie_bytes(*["#RES 0 3010 x"] * 60, "#SIETYP 3")
    with pytest.raises(SieError) as refused:
        read_sie(data, year=2021, org_number="111111-1111")
    found = refused.value.problems
    assert len(found) == 63
    assert [p.line for p in found[-3:]] == [68, 6, 7]
    messages = refused.value.messages
    assert messages[0] == "Line 8: “x” is not an amount (such as -12345.50)."
    assert messages[-1] == "… and 13 more problems."


def test_symbols_of_a_real_pc8_file_are_read():
    """ß, µ, °, ± and ² are bytes from 0xE0 up in code page 437, and no Latin-1 letter."""
    name = "Kyl ° och µ-filter ± 2² Straße"
    data = (
        "#FLAGGA 0\r\n#SIETYP 4\r\n#RAR 0 20220101 20221231\r\n"
        f'#KONTO 5410 "{name}"\r\n#RES 0 5410 100.00\r\n'
    ).encode("cp437")
    assert read_sie(data).account_names["5410"] == name
