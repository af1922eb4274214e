"""When a quarter's figures are due: the förbund's number of days after the quarter
ends (``Association.quarter_deadline_days``, 15 by default)."""

import calendar
import datetime


def quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def quarter_deadline(association, year: int, quarter: int) -> datetime.date:
    """The last day to submit the figures of ``quarter`` of ``year``."""
    return quarter_end(year, quarter) + datetime.timedelta(days=association.quarter_deadline_days)
