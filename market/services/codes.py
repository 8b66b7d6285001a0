"""Validation of official identifiers: 统一社会信用代码 and patent numbers."""

import re
import unicodedata

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_code(text: str) -> str:
    """Full-width to half-width, upper-case, no spaces or separators."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-]", "", text).upper()


def credit_code_error(code: str) -> str | None:
    """Why an 18-character unified social credit code (GB 32100-2015) is invalid, or None."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    if any(ch not in CREDIT_CODE_CHARS for ch in code):
        return "统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）"
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_CODE_WEIGHTS))
    expected = CREDIT_CODE_CHARS[(31 - total % 31) % 31]
    if code[17] != expected:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def credit_code_with_check(first17: str) -> str:
    """Append the check character to 17 characters (used to make demo and test data)."""
    total = sum(CREDIT_CODE_CHARS.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return first17 + CREDIT_CODE_CHARS[(31 - total % 31) % 31]


PATENT_PATTERNS = (
    re.compile(r"^(ZL|CN)?\d{12}\.?[0-9X]$"),  # application number since 2003
    re.compile(r"^(ZL|CN)?\d{8}\.?[0-9X]$"),  # application number 1985-2003
    re.compile(r"^CN\d{7,9}[ABCUSY]\d?$"),  # publication / grant number
    re.compile(r"^CNA\d{11}$"),  # plant variety right
)


def normalise_patent_number(text: str) -> str:
    """Canonical form of a patent number as people type it (ZL 2019 1 0123456.7 → ZL201910123456.7)."""
    text = normalise_code(text)
    return re.sub(r"[（(].*$", "", text)


def patent_number_error(number: str) -> str | None:
    """Why a patent number does not have a known Chinese format, or None."""
    if any(p.match(number) for p in PATENT_PATTERNS):
        return None
    return f"专利号“{number}”格式不正确，应如 ZL202310123456.7 或 CN112345678A"
