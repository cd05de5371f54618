"""Restoring a streamed reply: placeholders split anywhere across chunks come back whole."""

import pytest

from localfirst.redaction.restore import PlaceholderRestorer, restore_text

VALUES = {"<PERSON_1>": "Maria Gonzalez", "<EMAIL_ADDRESS_1>": "maria@example.com"}
REPLY = "Dear <PERSON_1>, I wrote to <EMAIL_ADDRESS_1> about <PERSON_1>'s will. 3 < 4 <b>ok</b>"
RESTORED = (
    "Dear Maria Gonzalez, I wrote to maria@example.com about Maria Gonzalez's will. 3 < 4 <b>ok</b>"
)


def stream(chunks: list[str]) -> tuple[list[str], str]:
    restorer = PlaceholderRestorer(VALUES)
    shown = [restorer.feed(chunk) for chunk in chunks]
    shown.append(restorer.flush())
    return shown, "".join(shown)


def test_whole_text_is_restored() -> None:
    assert restore_text(REPLY, VALUES) == RESTORED


@pytest.mark.parametrize("cut", range(1, len(REPLY)))
def test_a_split_at_any_point_is_restored(cut: int) -> None:
    assert stream([REPLY[:cut], REPLY[cut:]])[1] == RESTORED


def test_one_character_at_a_time_is_restored() -> None:
    assert stream(list(REPLY))[1] == RESTORED


def test_ordinary_text_is_not_held_back() -> None:
    shown, _ = stream(["Hello there, ", "3 < 4 and ", "<b>bold</b> ", "done"])
    assert shown[:4] == ["Hello there, ", "3 < 4 and ", "<b>bold</b> ", "done"]


def test_only_a_possible_placeholder_start_waits_for_the_next_chunk() -> None:
    restorer = PlaceholderRestorer(VALUES)
    assert restorer.feed("Dear <PERS") == "Dear "
    assert restorer.feed("ON_1>, hi") == "Maria Gonzalez, hi"
    assert restorer.feed("<PERSON_") == ""
    assert restorer.feed("9> is unknown") == "<PERSON_9> is unknown"


def test_an_unfinished_placeholder_at_the_end_is_shown_as_written() -> None:
    restorer = PlaceholderRestorer(VALUES)
    assert restorer.feed("Signed, <EMAIL_ADD") == "Signed, "
    assert restorer.flush() == "<EMAIL_ADD"
    assert restorer.flush() == ""


def test_unknown_placeholders_are_left_alone() -> None:
    assert restore_text("<PERSON_2> met <PERSON_1>", VALUES) == "<PERSON_2> met Maria Gonzalez"
