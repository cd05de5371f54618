"""The placeholder map: stable, typed, never reusing what the user typed, and round-tripping."""

from localfirst.redaction.placeholders import PLACEHOLDER, PlaceholderMap


def test_the_same_value_always_gets_the_same_placeholder() -> None:
    placeholders = PlaceholderMap()
    first = placeholders.placeholder_for("PERSON", "Maria Gonzalez")
    other = placeholders.placeholder_for("PERSON", "Tom Baker")
    assert (first, other) == ("<PERSON_1>", "<PERSON_2>")
    assert placeholders.placeholder_for("PERSON", "Maria Gonzalez") == "<PERSON_1>"
    # the first type seen names it: one value, one placeholder
    assert placeholders.placeholder_for("LOCATION", "Maria Gonzalez") == "<PERSON_1>"
    assert placeholders.placeholder_for("EMAIL_ADDRESS", "m@example.com") == "<EMAIL_ADDRESS_1>"
    assert len(placeholders) == 3


def test_placeholders_match_the_pattern_the_restorer_looks_for() -> None:
    placeholders = PlaceholderMap()
    odd = placeholders.placeholder_for("us-ssn", "078-05-1120")
    assert odd == "<US_SSN_1>" and PLACEHOLDER.fullmatch(odd)


def test_a_placeholder_the_user_typed_is_never_handed_out() -> None:
    placeholders = PlaceholderMap()
    placeholders.reserve_literals(["Fill in <PERSON_1> and <PERSON_2> in this template."])
    assert placeholders.placeholder_for("PERSON", "Maria Gonzalez") == "<PERSON_3>"
    assert placeholders.value_of("<PERSON_1>") is None


def test_an_alias_stands_for_an_existing_placeholder_without_being_stored() -> None:
    placeholders = PlaceholderMap()
    full = placeholders.placeholder_for("PERSON", "Maria Gonzalez")
    placeholders.alias("Maria", full)
    assert placeholders.placeholder_for("PERSON", "Maria") == full
    assert placeholders.restorations() == {full: "Maria Gonzalez"}
    assert "Maria" not in PlaceholderMap.from_dict(placeholders.as_dict())


def test_the_stored_form_reads_back_and_keeps_numbering_going() -> None:
    placeholders = PlaceholderMap()
    placeholders.placeholder_for("PERSON", "Maria Gonzalez")
    placeholders.placeholder_for("PHONE_NUMBER", "415-738-0132")
    reopened = PlaceholderMap.from_dict(placeholders.as_dict())
    assert reopened.restorations() == placeholders.restorations()
    assert reopened.placeholder_for("PERSON", "Tom Baker") == "<PERSON_2>"
    assert reopened.placeholder_for("PERSON", "Maria Gonzalez") == "<PERSON_1>"


def test_garbage_in_a_stored_map_is_skipped() -> None:
    stored = {
        "<PERSON_1>": {"type": "PERSON", "value": "Maria"},
        "not a placeholder": {"type": "PERSON", "value": "Tom"},
        "<PERSON_2>": "no entry",
        "<EMAIL_ADDRESS_1>": {"type": "EMAIL_ADDRESS", "value": 42},
    }
    assert PlaceholderMap.from_dict(stored).restorations() == {"<PERSON_1>": "Maria"}


def test_values_come_longest_first() -> None:
    placeholders = PlaceholderMap()
    for value in ("Ann", "Ann Lee-Smith", "Ann Lee"):
        placeholders.placeholder_for("PERSON", value)
    assert [v for _, v in placeholders.values()] == ["Ann Lee-Smith", "Ann Lee", "Ann"]
