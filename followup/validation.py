"""The rules a quarter's figures must keep, as plain functions.

``counts`` maps ``(measure_key, gender)`` to a count (or None when left
blank); only the standard measures have keys the rules know. A blank counts
as 0 in the comparisons. The result maps ``(measure_key, gender)`` to a
message; empty when everything holds.
"""

from django.utils.translation import gettext as _

NEW, ACTIVE, ENDED, ENDED_WORK, ENDED_STUDIES = (
    "new",
    "active",
    "ended",
    "ended_work",
    "ended_studies",
)


def count_errors(values: dict) -> dict:
    """Non-negative whole numbers only. ``values`` maps any key to what was entered."""
    errors = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors[key] = _("A count is a whole number, 0 or more.")
    return errors


def relation_errors(counts: dict, genders) -> dict:
    """Per gender: ended into work + ended into studies ≤ ended ≤ active; new ≤ active."""
    errors = {}

    def get(key, gender):
        value = counts.get((key, gender))
        return value if isinstance(value, int) and value >= 0 else 0

    for gender in genders:
        if (ENDED_WORK, gender) in counts or (ENDED_STUDIES, gender) in counts:
            outcomes = get(ENDED_WORK, gender) + get(ENDED_STUDIES, gender)
            if outcomes > get(ENDED, gender):
                key = ENDED_WORK if (ENDED_WORK, gender) in counts else ENDED_STUDIES
                errors[(key, gender)] = _(
                    "Ended into work and ended into studies together cannot be more than "
                    "the number who ended."
                )
        if (ACTIVE, gender) in counts:
            if get(ENDED, gender) > get(ACTIVE, gender) and (ENDED, gender) in counts:
                errors[(ENDED, gender)] = _(
                    "More cannot have ended than were active during the quarter."
                )
            if get(NEW, gender) > get(ACTIVE, gender) and (NEW, gender) in counts:
                errors[(NEW, gender)] = _(
                    "The new participants are active too: active cannot be fewer than new."
                )
    return errors


def year_error(year: int, running_years) -> str | None:
    running = sorted(running_years)
    if year in running:
        return None
    if not running:
        return _("The intervention is not running in any plan year, so no quarter can be entered.")
    return _("The intervention does not run in %(year)s (it runs %(years)s).") % {
        "year": year,
        "years": ", ".join(str(y) for y in running),
    }
