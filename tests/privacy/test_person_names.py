"""The person-name finder on the real pipeline: unusual names in ordinary sentences, and the
capitalised look-alikes (products, places, eponyms, famous people, placeholders) that must pass.

Every sentence here is written for the test, not taken from the evaluation data.
"""

from __future__ import annotations

import pytest

from localfirst.privacy import names
from localfirst.privacy.gate import PrivacyGate


def _people(gate: PrivacyGate, text: str) -> list[str]:
    verdict = gate.check_text(text)
    return [text[f.start : f.end] for f in verdict.findings if f.type == "PERSON"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a title, a name cue, a relation
        ("Ask Dr. Haddad whether the results are back.", "Haddad"),
        ("Our tenant, Mr. Okonkwo, has not paid rent this month.", "Okonkwo"),
        ("My neighbour Fenella keeps parking in front of my garage.", "Fenella"),
        ("Her maiden name is McAllister-Quayle, if that matters.", "McAllister"),
        # verbs of communication, a greeting, a vocative
        ("Please ask Oyelaran to send me the slides.", "Oyelaran"),
        ("Dear Ingeborg, thank you for your patience.", "Ingeborg"),
        ("Radomir, can you check the invoice before Friday?", "Radomir"),
        ("I had lunch with Teodor yesterday and he seemed upset.", "Teodor"),
        # the subject of a predicate only people take
        ("Is it normal that Thandiwe is always late to work?", "Thandiwe"),
        ("Why is Wojciechowska so stubborn about the budget?", "Wojciechowska"),
        ("Zdravko and I are planning a trip; what should we pack?", "Zdravko"),
        # shape and lexicons: first name + surname, an initial, a possessive of a person's thing
        ("Write a reference letter for Aurelio Bianchini.", "Aurelio Bianchini"),
        ("The form lists Jovanka Petrović as the emergency contact.", "Jovanka Petrović"),
        ("The invoice was signed by Ksawery T. Nowicki last week.", "Ksawery T. Nowicki"),
        ("Xiomara's birthday is next week, any gift ideas?", "Xiomara"),
        # lists and lowercase prompts
        ("The founders are: Halvorsen, Brekke and Okafor.", "Okafor"),
        ("please forward this to tomasz kowalczyk asap", "tomasz"),
        ("grandma eulalia needs a ride to the clinic on tuesday", "eulalia"),
        # capitals, apostrophes, headers, and a relation inside a creative request
        ("The account holder is JOHANNA MÄKINEN.", "JOHANNA MÄKINEN"),
        ("Please cc Siobhan O'Connor on the reply.", "Siobhan"),
        ("Patient: Dariusz Kamiński, 54, complains of chest pain.", "Dariusz Kamiński"),
        ("Write a poem for my daughter named Ottilie for her birthday.", "Ottilie"),
    ],
)
def test_unusual_names_in_ordinary_sentences_are_found(
    gate: PrivacyGate, text: str, name: str
) -> None:
    found = _people(gate, text)
    assert any(name in person or person in name for person in found), found
    assert gate.check_text(text).sensitive


@pytest.mark.parametrize(
    "text",
    [
        # products, services, places and things with capitalised names
        "Compare the Samsung Galaxy and the Google Pixel cameras.",
        "Why is Kubernetes so popular with startups?",
        "Bixby remains lackluster compared to other assistants.",
        "Plan a three-day itinerary for Lisbon and Porto.",
        "What if the Suez Canal had never been built?",
        # eponyms and code identifiers
        "Explain how Dijkstra's algorithm finds shortest paths.",
        "Implement the Boyer-Moore majority vote in Rust.",
        "Print the first twenty Fibonacci numbers in Python.",
        "Why does getUserName() return None when userId is missing?",
        "Rename parse_config to loadSettings and update the callers.",
        # famous and fictional people, role play, placeholders
        "What did Marie Curie discover, and how did Curie measure radioactivity?",
        "Write a poem in the style of Emily Dickinson about winter.",
        "Pretend you are Sherlock Holmes. As Holmes, explain your method.",
        "Alice and Bob agree on a key; how could Mallory tamper with it?",
        "If Priya has 5 apples and gives Tomas 2, how many does she have left?",
        "Write a story about a girl named Lily who finds a dragon egg.",
        "Roleplay as a medieval innkeeper named Bertram greeting travellers.",
        "What did President Lincoln say at Gettysburg, and why did King Henry break with Rome?",
        "The account settings page shows an API KEY field and a NEXT button.",
        # ordinary sentence openings and capitalised common words
        "Capitalised words like Wisdom, Patience and Discipline are not people.",
        "Please summarise the article in three bullet points.",
    ],
)
def test_capitalised_look_alikes_are_not_private_people(gate: PrivacyGate, text: str) -> None:
    verdict = gate.check_text(text)
    assert not verdict.sensitive, [(f.type, text[f.start : f.end]) for f in verdict.findings]


def test_a_role_played_character_stays_public_in_every_mention(gate: PrivacyGate) -> None:
    text = 'Take the role of Sheldon. Never start with "As Sheldon", just answer as Sheldon would.'
    verdict = gate.check_text(text)
    assert not verdict.sensitive
    assert {f.type for f in verdict.findings} >= {"PUBLIC_FIGURE"}


def test_name_spans_cover_the_name_only(gate: PrivacyGate) -> None:
    text = "Write a birthday card for Aurelio Bianchini Foundation staff and Teodor Ilić."
    people = _people(gate, text)
    assert "Teodor Ilić" in people
    assert not any("Foundation" in person for person in people)


def test_name_lexicon_ships_with_the_package() -> None:
    given, surnames = names.name_lexicon()
    assert len(given) > 20_000 and len(surnames) > 20_000
    assert {"Ingeborg", "Aurelio", "Radomir"} <= given
    assert {"Kowalczyk", "Bianchini"} <= surnames


def test_surname_camel_case_is_not_code() -> None:
    assert not names.looks_like_code("McCray")
    assert not names.looks_like_code("LeBlanc")
    assert names.looks_like_code("getUserName")
    assert names.looks_like_code("str2")
