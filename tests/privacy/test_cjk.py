"""Names and addresses in Chinese, Japanese and Korean, which the English pipeline cannot read."""

from __future__ import annotations

import pytest

from localfirst.privacy.cjk import find_cjk
from localfirst.privacy.gate import PrivacyGate


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("我叫陈思远，家住上海市徐汇区漕溪北路120号。", {"PERSON", "STREET_ADDRESS"}),
        ("私の名前は高橋美咲です。よろしくお願いします。", {"PERSON"}),
        (
            "제 이름은 이서연이고 부산시 해운대구 센텀중앙로 97에 살아요.",
            {"PERSON", "STREET_ADDRESS"},
        ),
        ("大阪府大阪市北区梅田3-1-3に送ってください", {"STREET_ADDRESS"}),
        ("〒530-0001 に郵送", {"STREET_ADDRESS"}),
        ("明天请转告王先生会议改到三点", {"PERSON"}),
        ("최민호 씨에게 전화해 주세요", {"PERSON"}),
    ],
)
def test_cjk_names_and_addresses_are_found(gate: PrivacyGate, text: str, kinds: set) -> None:
    assert kinds <= set(gate.check_text(text).sensitive_types)


@pytest.mark.parametrize(
    "text",
    [
        "선생님, 이 문제를 어떻게 풀어요?",  # "teacher-nim": a title, not a name
        "고객님 감사합니다",
        "皆さん、こんにちは。今日は天気がいいですね。",
        "数学老师布置了很多作业",
        "请解释一下量子计算的基本原理",
    ],
)
def test_cjk_titles_and_ordinary_text_pass(text: str) -> None:
    assert find_cjk(text) == []
