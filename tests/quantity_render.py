"""Render numbers as Chinese numerals, for round-trip tests of the quantity parser."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"


def _below_10k(n: int, leading: bool) -> str:
    out, pending_zero = "", False
    for place, char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        # 十二, not 一十二, at the start of a number.
        if not (place == 10 and digit == 1 and not out and leading):
            out += _DIGITS[digit]
        out += char
    return out


def to_chinese(n: int, liang: bool = False) -> str:
    """Return n (0 ≤ n < 10^8) in Chinese numerals: 12 → 十二, 1200 → 一千二百, 10005 → 一万零五."""
    if not 0 <= n < 10**8:
        raise ValueError(n)
    if n == 0:
        return "零"
    high, low = divmod(n, 10_000)
    if high:
        text = _below_10k(high, True) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_10k(low, False)
    else:
        text = _below_10k(low, True)
    if liang and text.startswith("二") and len(text) > 1 and text[1] in "百千万":
        text = "两" + text[1:]
    return text


def to_chinese_decimal(whole: int, tenths: int) -> str:
    """Return whole.tenths in Chinese numerals: (98, 5) → 九十八点五."""
    return to_chinese(whole) + "点" + _DIGITS[tenths]
