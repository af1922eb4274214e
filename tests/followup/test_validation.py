"""The rules a quarter's figures keep."""

from followup.validation import count_errors, relation_errors, year_error


def test_counts_are_whole_numbers_zero_or_more():
    errors = count_errors({"a": 3, "b": -1, "c": None, "d": 2.5, "e": True, "f": 0})
    assert set(errors) == {"b", "d", "e"}


def test_outcomes_cannot_exceed_the_ended():
    counts = {("ended", "women"): 3, ("ended_work", "women"): 2, ("ended_studies", "women"): 2}
    assert set(relation_errors(counts, ["women"])) == {("ended_work", "women")}
    counts[("ended_studies", "women")] = 1
    assert relation_errors(counts, ["women"]) == {}


def test_ended_cannot_exceed_active():
    counts = {("active", "men"): 4, ("ended", "men"): 5}
    assert set(relation_errors(counts, ["men"])) == {("ended", "men")}


def test_new_are_active_too():
    counts = {("active", "men"): 4, ("new", "men"): 6}
    assert set(relation_errors(counts, ["men"])) == {("new", "men")}


def test_each_gender_on_its_own():
    counts = {
        ("active", "women"): 10,
        ("ended", "women"): 9,
        ("active", "men"): 2,
        ("ended", "men"): 3,
    }
    assert set(relation_errors(counts, ["women", "men"])) == {("ended", "men")}


def test_a_blank_counts_as_zero():
    counts = {("ended", "women"): None, ("ended_work", "women"): 1}
    assert set(relation_errors(counts, ["women"])) == {("ended_work", "women")}


def test_the_year_must_be_a_running_year():
    assert year_error(2022, {2022, 2023}) is None
    assert "2023" in year_error(2021, {2022, 2023})
    assert year_error(2022, set())
