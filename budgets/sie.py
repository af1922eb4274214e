"""Reading an SIE 4 file: the accounting export every Swedish bookkeeping program writes.

The format is "SIE filformat ver 4B" (SIE-gruppen): one record a line, a label such as
``#KONTO`` first, then fields separated by spaces or tabs. A field with spaces is in
double quotes, a quote inside it is written ``\\"``; an object list ``{1 "17"}`` (may be
empty, ``{}``) is one field. A voucher is a ``#VER`` line followed by its ``#TRANS`` rows
between a ``{`` line and a ``}`` line. Labels this reader does not know are ignored, as
the standard requires of a reader.

``read_sie`` either returns a ``SieFile`` or raises ``SieError`` with every problem it
found, each with its line number where there is one. Amounts are ``Decimal`` as written
(öre included); the caller rounds to whole kronor. Nothing here touches the database.

The standard's text encoding is code page 437 (``#FORMAT PC8``); UTF-8 is accepted as
well, since some programs write it. A file saved as Windows-1252/Latin-1 is refused rather
than read with its å, ä and ö turned into box-drawing characters.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_SIE_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS_KEPT = 1000
MAX_PROBLEMS_SHOWN = 50
SUPPORTED_TYPE = "4"
# BAS: classes 3-8 are the income statement (3000-8999); 1-2 the balance sheet.
RESULT_ACCOUNTS = range(3000, 9000)

UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
# In code page 437 the Swedish letters are below 0x9A (å 0x86, ä 0x84, ö 0x94, Å 0x8F,
# Ä 0x8E, Ö 0x99, é 0x82, ü 0x81); 0xB0-0xDF draw boxes, which no account name has. In
# Windows-1252/Latin-1 the Nordic and accented letters are 0xC0-0xFF (å 0xE5, ä 0xE4,
# ö 0xF6, Å 0xC5, Ä 0xC4, Ö 0xD6, é 0xE9, ü 0xFC). So a box-drawing byte, or a byte
# that is a letter in Latin-1 and Greek or a symbol in CP437 (0xE0-0xFF but for the
# symbols a real PC8 text may hold: ß 0xE1, µ 0xE6, ± 0xF1, ÷ 0xF6 is ö, ° 0xF8, · 0xFA,
# ² 0xFD), is the sign of a file saved in the wrong encoding.
LATIN1_ONLY_BYTES = re.compile(rb"[\xb0-\xe0\xe2-\xe5\xe7-\xf0\xf2-\xf7\xf9\xfb\xfc\xfe\xff]")
SIE_LABELS = re.compile(rb"#(FLAGGA|SIETYP)\b", re.IGNORECASE)
LINE_BREAK = re.compile(r"\r\n|\r|\n")

_QUOTED = r'"(?:\\.|[^"\\])*"'
BLANKS = re.compile(r"[ \t]*")
LABEL = re.compile(r"([^ \t]*)[ \t]*(.*)")
FIELD = re.compile(
    rf"""(?:
        "(?P<quoted>(?:\\.|[^"\\])*)"
      | \{{(?P<objects>(?:{_QUOTED}|[^"{{}}])*)\}}
      | (?P<unclosed>[{{"])
      | (?P<bare>[^ \t"{{]+)
    )""",
    re.VERBOSE,
)
AMOUNT = re.compile(r"-?\d{1,15}(?:\.\d{1,6})?")
DATE = re.compile(r"\d{8}")


@dataclass(frozen=True)
class SieProblem:
    line: int | None  # 1-based; None for a problem of the whole file
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class SieError(Exception):
    def __init__(self, problems: list[SieProblem], *, more: int = 0):
        self.problems = problems
        self.more = more  # problems found beyond the MAX_PROBLEMS_KEPT kept
        super().__init__("; ".join(str(p) for p in problems[:5]))

    @property
    def messages(self) -> list[str]:
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - len(shown) + self.more
        if hidden:
            shown.append(_("… and %(count)s more problems.") % {"count": hidden})
        return shown


@dataclass(frozen=True)
class FinancialYear:
    index: int  # 0 the current year, -1 the one before, as #RAR numbers them
    start: date
    end: date

    def covers(self, year: int) -> bool:
        return self.start <= date(year, 1, 1) and date(year, 12, 31) <= self.end


@dataclass(frozen=True)
class Transaction:
    account: str
    objects: tuple  # the object list's fields, () for {}
    amount: Decimal
    date: date | None  # None: the voucher's date
    line: int


@dataclass
class Voucher:
    series: str
    number: str
    date: date
    text: str
    line: int
    transactions: list[Transaction] = field(default_factory=list)

    def imbalance(self) -> Decimal:
        return sum((row.amount for row in self.transactions), Decimal(0))


@dataclass
class SieFile:
    encoding: str  # "cp437" or "utf-8"
    sie_type: str | None = None
    org_number: str | None = None
    company_name: str | None = None
    program: str | None = None
    years: dict[int, FinancialYear] = field(default_factory=dict)
    account_names: dict[str, str] = field(default_factory=dict)
    # #RES 0: the current year's result per account, in SIE's sign (income negative).
    results: dict[str, Decimal] = field(default_factory=dict)
    # #PSALDO 0 with an empty object list: (account, "YYYYMM") → the balance as stated.
    period_balances: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    vouchers: list[Voucher] = field(default_factory=list)

    @property
    def current_year(self) -> FinancialYear | None:
        return self.years.get(0)

    @property
    def transaction_count(self) -> int:
        return sum(len(voucher.transactions) for voucher in self.vouchers)

    def results_by_account(self) -> dict[str, Decimal]:
        """The current year's result per account, income negative and costs positive.

        From ``#RES 0`` where the file has it; otherwise the sum of the vouchers' rows on
        result accounts (3000-8999) dated inside year 0 (every row when the file has no
        ``#RAR 0``)."""
        if self.results:
            return dict(self.results)
        totals: dict[str, Decimal] = {}
        year = self.current_year
        for voucher in self.vouchers:
            for row in voucher.transactions:
                when = row.date or voucher.date
                if not is_result_account(row.account):
                    continue
                if year and not year.start <= when <= year.end:
                    continue
                totals[row.account] = totals.get(row.account, Decimal(0)) + row.amount
        return totals


def is_result_account(account: str) -> bool:
    return account.isdigit() and int(account) in RESULT_ACCOUNTS


def read_sie(data: bytes, *, year: int | None = None, org_number: str | None = None) -> SieFile:
    """Read an SIE 4 file; raise ``SieError`` with every problem found.

    ``year`` and ``org_number``, when given, are what the caller expects: a file for
    another organisation or whose current financial year does not cover ``year`` is
    refused."""
    text, encoding = decode_sie(data)
    reader = _Reader(encoding)
    reader.read(text)
    _check_expected(reader, year=year, org_number=org_number)
    if reader.problems:
        raise SieError(reader.problems, more=reader.problems_dropped)
    return reader.sie


def _refused(message: str, line: int | None = None) -> SieError:
    return SieError([SieProblem(line, message)])


def decode_sie(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding ("cp437" or "utf-8"), or ``SieError``."""
    if len(data) > MAX_SIE_BYTES:
        raise _refused(
            _("The file is larger than %(limit)s MB; an SIE file for one year is far smaller.")
            % {"limit": MAX_SIE_BYTES // (1024 * 1024)}
        )
    if data.startswith(UTF16_32_BOMS) or _looks_like_utf16(data):
        raise _refused(
            _(
                "The file is saved as UTF-16 or UTF-32. Export it again as SIE 4 from the "
                "accounting program (PC8), or save it as UTF-8."
            )
        )
    if not data.strip():
        raise _refused(_("The file is empty."))
    if b"\x00" in data:
        raise _refused(_("This is not an SIE file: it contains binary data."))
    if not SIE_LABELS.search(data):
        raise _refused(_("This is not an SIE file: it has no #FLAGGA or #SIETYP line."))
    try:
        return data.removeprefix(UTF8_BOM).decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    wrong = LATIN1_ONLY_BYTES.search(data)
    if wrong:
        raise _refused(
            _latin1_message(data[wrong.start() : wrong.end()]), _line_at(data, wrong.start())
        )
    return data.decode("cp437"), "cp437"


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 or UTF-32 without a byte-order mark: NUL bytes around ASCII text."""
    return b"\x00" in data[:8] and data.replace(b"\x00", b"").lstrip().startswith(b"#")


def _latin1_message(byte: bytes) -> str:
    return _(
        "The file looks like Windows-1252/Latin-1 text (“%(letter)s” here), not PC8 "
        "(code page 437) as SIE files are. Export it again from the accounting program, "
        "or save it as UTF-8."
    ) % {"letter": byte.decode("cp1252", errors="replace")}


def _line_at(data: bytes, offset: int) -> int:
    before = data[:offset]
    return before.count(b"\n") + before.replace(b"\r\n", b"").count(b"\r") + 1


class _RowError(Exception):
    """A malformed row; the message is for the user."""


def split_fields(text: str) -> list:
    """The fields of a record: a quoted or bare field as ``str``, an object list as a
    tuple of its own fields. Raises ``_RowError`` on an unclosed quote or brace."""
    fields: list = []
    position = BLANKS.match(text).end()
    while position < len(text):
        match = FIELD.match(text, position)
        if match["unclosed"] == "{":
            raise _RowError(_("A { has no closing }."))
        if match["unclosed"] == '"':
            raise _RowError(_("A quoted text has no closing quote."))
        if match["quoted"] is not None:
            fields.append(match["quoted"].replace('\\"', '"'))
        elif match["objects"] is not None:
            fields.append(tuple(split_fields(match["objects"])))
        else:
            fields.append(match["bare"])
        position = BLANKS.match(text, match.end()).end()
    return fields


def parse_amount(value) -> Decimal:
    if not isinstance(value, str) or not AMOUNT.fullmatch(value):
        raise _RowError(
            _("“%(value)s” is not an amount (such as -12345.50).") % {"value": _shown(value)}
        )
    return Decimal(value)


def parse_date(value) -> date:
    if isinstance(value, str) and DATE.fullmatch(value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise _RowError(_("“%(value)s” is not a date (YYYYMMDD).") % {"value": _shown(value)})


def _shown(value) -> str:
    return "{" + " ".join(value) + "}" if isinstance(value, tuple) else value


def _text(value) -> str:
    if not isinstance(value, str):
        raise _RowError(_("A text was expected, not an object list."))
    return value


def _fields(label: str, fields: list, names: str, count: int) -> list:
    """``fields`` when it has ``count`` of them; ``names`` is translated only when not
    (it is marked with ``gettext_noop``: this runs for every row of a large file)."""
    if len(fields) < count:
        raise _RowError(
            _("%(label)s is missing a field: it needs %(fields)s.")
            % {"label": label, "fields": _(names)}
        )
    return fields


class _Reader:
    """One pass over the lines, filling a ``SieFile`` and a list of problems."""

    def __init__(self, encoding: str):
        self.sie = SieFile(encoding=encoding)
        self.problems: list[SieProblem] = []
        self.problems_dropped = 0
        self.voucher: Voucher | None = None  # the #VER being read
        self.in_braces = False  # past its "{"
        self.voucher_damaged = False  # a row of it was malformed
        self.year_lines: dict[int, int] = {}  # #RAR year number → its line
        self.sie_type_line: int | None = None
        self.org_number_line: int | None = None
        self.handlers = {
            "#SIETYP": self._sie_type,
            "#ORGNR": self._org_number,
            "#FNAMN": self._company_name,
            "#PROGRAM": self._program,
            "#RAR": self._financial_year,
            "#KONTO": self._account,
            "#RES": self._result,
            "#PSALDO": self._period_balance,
            "#VER": self._voucher,
            "#TRANS": self._transaction,
        }

    def problem(self, line: int | None, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(SieProblem(line, message))
        else:
            self.problems_dropped += 1

    def read(self, text: str) -> None:
        for number, line in enumerate(LINE_BREAK.split(text), start=1):
            try:
                self._line(number, line.strip())
            except _RowError as error:
                self.problem(number, str(error))
                self.voucher_damaged = self.voucher is not None
        if self.voucher is not None:
            self._unclosed_voucher()
        if self.sie.sie_type is None:
            self.problem(None, _("The file has no #SIETYP line; only SIE type 4 can be read."))

    def _line(self, number: int, line: str) -> None:
        if not line:
            return
        if self.voucher is not None and not self.in_braces:
            if line == "{":
                self.in_braces = True
                return
            self.problem(self.voucher.line, _("The #VER is not followed by a { line."))
            self.voucher = None
        if line == "{":
            raise _RowError(_("A { line without a #VER before it."))
        if line == "}":
            self._close_voucher()
            return
        label, rest = LABEL.match(line).groups()
        handler = self.handlers.get(label.upper())
        if handler:
            handler(number, split_fields(rest))

    def _sie_type(self, number: int, fields: list) -> None:
        (value,) = _fields("#SIETYP", fields, gettext_noop("the type"), 1)[:1]
        self.sie.sie_type = _text(value)
        if self.sie.sie_type != SUPPORTED_TYPE:
            raise _RowError(
                _(
                    "The file is SIE type %(type)s; only SIE type 4 can be read (it has the "
                    "year's results and the vouchers)."
                )
                % {"type": _shown(value)}
            )

    def _org_number(self, number: int, fields: list) -> None:
        self.sie.org_number = _text(_fields("#ORGNR", fields, gettext_noop("the number"), 1)[0])
        self.org_number_line = number

    def _company_name(self, number: int, fields: list) -> None:
        self.sie.company_name = _text(_fields("#FNAMN", fields, gettext_noop("the name"), 1)[0])

    def _program(self, number: int, fields: list) -> None:
        parts = [
            _text(value) for value in _fields("#PROGRAM", fields, gettext_noop("the name"), 1)[:2]
        ]
        self.sie.program = " ".join(parts)

    def _financial_year(self, number: int, fields: list) -> None:
        index, start, end = _fields(
            "#RAR", fields, gettext_noop("the year number, the first and the last day"), 3
        )[:3]
        index = _year_index(index)
        year = FinancialYear(index, parse_date(start), parse_date(end))
        if year.end < year.start:
            raise _RowError(_("The financial year ends before it starts."))
        self.sie.years[index] = year
        self.year_lines[index] = number

    def _account(self, number: int, fields: list) -> None:
        account, name = _fields("#KONTO", fields, gettext_noop("the account and its name"), 2)[:2]
        self.sie.account_names[_text(account)] = _text(name)

    def _result(self, number: int, fields: list) -> None:
        index, account, amount = _fields(
            "#RES", fields, gettext_noop("the year number, the account and the amount"), 3
        )[:3]
        amount = parse_amount(amount)
        if _year_index(index) == 0:
            self.sie.results[_text(account)] = amount

    def _period_balance(self, number: int, fields: list) -> None:
        index, period, account, objects, amount = _fields(
            "#PSALDO",
            fields,
            gettext_noop("the year number, the period, the account, an object list and the amount"),
            5,
        )[:5]
        amount = parse_amount(amount)
        if not isinstance(objects, tuple):
            raise _RowError(_("#PSALDO needs an object list ({} when empty) after the account."))
        if not isinstance(period, str) or not re.fullmatch(r"\d{4}(0[1-9]|1[0-2])", period):
            raise _RowError(_("“%(value)s” is not a period (YYYYMM).") % {"value": _shown(period)})
        if _year_index(index) == 0 and objects == ():
            self.sie.period_balances[(_text(account), period)] = amount

    def _voucher(self, number: int, fields: list) -> None:
        if self.voucher is not None:
            self._unclosed_voucher()
        # Opened before its fields are checked: a malformed #VER is one problem, and its
        # { and rows are not reported as strays.
        self.voucher = voucher = Voucher("", "", date.min, "", number)
        self.in_braces = self.voucher_damaged = False
        series, voucher_number, when = _fields(
            "#VER", fields, gettext_noop("the series, the number and the date"), 3
        )[:3]
        voucher.series, voucher.number = _text(series), _text(voucher_number)
        voucher.date = parse_date(when)
        voucher.text = _text(fields[3]) if len(fields) > 3 else ""

    def _transaction(self, number: int, fields: list) -> None:
        if self.voucher is None:
            raise _RowError(_("A #TRANS outside a voucher (#VER { ... })."))
        account, objects, amount = _fields(
            "#TRANS", fields, gettext_noop("the account, an object list and the amount"), 3
        )[:3]
        if not isinstance(objects, tuple):
            raise _RowError(_("#TRANS needs an object list ({} when empty) after the account."))
        when = parse_date(fields[3]) if len(fields) > 3 and fields[3] else None
        row = Transaction(_text(account), objects, parse_amount(amount), when, number)
        self.voucher.transactions.append(row)

    def _close_voucher(self) -> None:
        voucher, self.voucher, self.in_braces = self.voucher, None, False
        if voucher is None:
            raise _RowError(_("A } without a { before it."))
        if self.voucher_damaged:  # refused already; its balance would repeat the problem
            return
        difference = voucher.imbalance()
        if difference:
            self.problem(
                voucher.line,
                _(
                    "Voucher %(series)s %(number)s of %(date)s does not balance: its rows "
                    "sum to %(difference)s."
                )
                % {
                    "series": voucher.series,
                    "number": voucher.number,
                    "date": voucher.date.isoformat(),
                    "difference": format_money(difference),
                },
            )
        self.sie.vouchers.append(voucher)

    def _unclosed_voucher(self) -> None:
        self.problem(self.voucher.line, _("The voucher's { has no closing } line."))
        self.voucher, self.in_braces = None, False


def _year_index(value) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,2}", value):
        return int(value)
    raise _RowError(_("“%(value)s” is not a year number (0, -1, ...).") % {"value": _shown(value)})


def format_money(amount: Decimal) -> str:
    """``Decimal("-100.5")`` → ``−100,50 kr``: öre kept, Swedish style."""
    sign = "\u2212" if amount < 0 else ""
    whole, _dot, ore = f"{abs(amount):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{sign}{groups},{ore}\u00a0kr"


def normalise_org_number(value: str) -> str:
    """Digits only, century left out: "222000-1875", "2220001875" and "16222000-1875"
    are one number."""
    digits = re.sub(r"\D", "", value)
    return digits[-10:] if len(digits) == 12 else digits


def _check_expected(reader: _Reader, *, year: int | None, org_number: str | None) -> None:
    sie = reader.sie
    if org_number is not None:
        if sie.org_number is None:
            reader.problem(
                None,
                _("The file has no organisation number (#ORGNR); expected %(expected)s.")
                % {"expected": org_number},
            )
        elif normalise_org_number(sie.org_number) != normalise_org_number(org_number):
            reader.problem(
                reader.org_number_line,
                _("The file is for organisation number %(found)s, not %(expected)s.")
                % {"found": sie.org_number, "expected": org_number},
            )
    if year is not None:
        _check_year(reader, year)


def _check_year(reader: _Reader, year: int) -> None:
    current = reader.sie.current_year
    if current is None:
        reader.problem(
            None,
            _("The file has no current financial year (#RAR 0); expected %(year)s.")
            % {"year": year},
        )
    elif not current.covers(year):
        reader.problem(
            reader.year_lines[0],
            _("The file is for the financial year %(start)s – %(end)s, not for %(year)s.")
            % {"start": current.start.isoformat(), "end": current.end.isoformat(), "year": year},
        )
