"""Names and postal addresses in Chinese, Japanese and Korean text.

The English spaCy pipeline reads no CJK text, so these come from structure alone (data in
`data/cjk.toml`, with sources): a name introduced as one ("我叫王小明", "私の名前は佐藤花子です",
"제 이름은 김민준이고"), a common surname before an honorific ("李老师", "田中さん", "김민준 씨"),
and the layouts of postal addresses ("建国路88号", "六本木6丁目10番1号", "테헤란로 152", "〒106-6108").
A text with no CJK character costs one scan for one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_ANY_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_HAN = "\u4e00-\u9fff"
_KANA = "\u3040-\u30ff"
_HANGUL = "\uac00-\ud7af"
# What ends a name after its cue: punctuation, a space, or the words that follow names.
_CHINESE_NAME = rf"[{_HAN}]{{2,3}}"
_JAPANESE_NAME = (
    rf"[{_HAN}{_KANA}]{{2,6}}?(?=です|と申します|といいます|と言います|だ|で|。|、|,|\s|$|さん|様)"
)
_KOREAN_NAME = (
    rf"[{_HANGUL}]{{2,4}}?(?=이고|이에요|예요|입니다|이라고|라고|이야|야|은|는|이|가|씨|님|"
    r"[\s,.!?]|$)"
)


@dataclass(frozen=True)
class CjkMatch:
    type: str
    start: int
    end: int
    score: float
    rule: str


def find_cjk(text: str) -> list[CjkMatch]:
    """Every CJK name and address the data describes, in canonical text."""
    if not _ANY_CJK.search(text):
        return []
    names, honorific_patterns, addresses = _compiled()
    found: list[CjkMatch] = []
    for match in names.finditer(text):
        group = next(g for g in ("zh", "ja", "ko") if match.group(g))
        found.append(
            CjkMatch(
                "PERSON",
                match.start(group),
                match.end(group),
                0.85,
                f"cjk: introduced as a name ('{match.group('cue')}')",
            )
        )
    for pattern in honorific_patterns:
        found.extend(
            CjkMatch(
                "PERSON",
                match.start("name"),
                match.end("name"),
                0.7,
                f"cjk: surname + honorific '{match.group('honorific')}'",
            )
            for match in pattern.finditer(text)
        )
    for name, pattern in addresses:
        found.extend(
            CjkMatch("STREET_ADDRESS", m.start(), m.end(), 0.75, f"cjk: {name}")
            for m in pattern.finditer(text)
        )
    return found


@lru_cache(maxsize=1)
def _compiled() -> tuple[
    re.Pattern[str], tuple[re.Pattern[str], ...], tuple[tuple[str, re.Pattern[str]], ...]
]:
    source = resources.files("localfirst.privacy").joinpath("data/cjk.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    cues = "|".join(re.escape(c) for c in sorted(set(data["name_cues"]), key=len, reverse=True))
    names = re.compile(
        rf"(?P<cue>{cues})\s*(?:(?P<zh>{_CHINESE_NAME})(?=[^{_HAN}]|$|住|在|是|的|电话|，)"
        rf"|(?P<ja>{_JAPANESE_NAME})|(?P<ko>{_KOREAN_NAME}))"
    )
    han_surnames = "|".join(
        re.escape(s)
        for s in sorted(
            set(data["chinese_surnames"]) | set(data["japanese_surnames"]), key=len, reverse=True
        )
    )
    korean_surnames = "|".join(re.escape(s) for s in sorted(set(data["korean_surnames"])))
    honorifics = "|".join(
        re.escape(h) for h in sorted(set(data["honorifics"]), key=len, reverse=True)
    )
    # Han names: a surname and up to two more characters; Korean: a surname and exactly two
    # syllables (Korean full names have three; "선생님" and "고객님" are titles, not names).
    preceders = "".join(re.escape(c) for c in data["name_preceders"])
    honorific_patterns = (
        re.compile(
            rf"(?:(?<![{_HAN}{_KANA}])|(?<=[{preceders}]))"
            rf"(?P<name>(?:{han_surnames})[{_HAN}]{{0,2}}?)\s?"
            rf"(?P<honorific>{honorifics})"
        ),
        re.compile(
            rf"(?<![{_HANGUL}])(?P<name>(?:{korean_surnames})[{_HANGUL}]{{2}})\s?"
            r"(?P<honorific>씨|님)"
        ),
    )
    addresses = tuple((a["name"], re.compile(a["pattern"])) for a in data["address"])
    return names, honorific_patterns, addresses
