"""Made-up patent numbers in the formats CNIPA uses (the demo patents do not exist)."""

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def zl(application: str) -> str:
    """A granted patent as people cite it: ZL + 12-digit application number + its check digit.

    The 12 digits are year (4), type (1 = invention, 2 = utility model, 3 = design) and a serial
    number (7); the check digit is the weighted sum mod 11, 10 written as X.
    """
    digits = application.replace(" ", "")
    if len(digits) != 12 or not digits.isdigit():
        raise ValueError(f"application number must have 12 digits: {application!r}")
    check = sum(int(d) * w for d, w in zip(digits, _WEIGHTS)) % 11
    return f"ZL{digits}.{'X' if check == 10 else check}"
