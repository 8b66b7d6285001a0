"""Every place the product reaches into Whoosh's private internals, and the version they were written for.

Whoosh-Reloaded 2.7.5 is a fork no longer maintained; our bulk writer, matchers and fixes read and write its
private attributes. Importing this package checks the installed version against the pinned one and stops the
program if they differ: on another version those attributes may mean something else and corrupt an index
quietly.
"""

import secrets

import whoosh
from whoosh.codec.base import Segment

PINNED_VERSION = (2, 7, 5)  # requirements.txt pins Whoosh-Reloaded==2.7.5


class UnsupportedWhoosh(RuntimeError):
    """The installed Whoosh is not the version our internals were written and tested against."""


def check_version(installed=None) -> None:
    """Stop unless the installed Whoosh is the pinned one."""
    installed = tuple(whoosh.__version__ if installed is None else installed)
    if installed != PINNED_VERSION:
        raise UnsupportedWhoosh(
            f"Whoosh {'.'.join(map(str, installed))} is installed, "
            f"but market/search/whoosh_internals was written for "
            f"{'.'.join(map(str, PINNED_VERSION))}: "
            f"install the version pinned in requirements.txt, or review and test "
            "every module in market/search/whoosh_internals against the new one before changing the pin."
        )


def _segment_name(cls, size: int = 16) -> str:
    """Whoosh names a new segment with the global `random`: a program that seeds it (Hypothesis does before
    every example it runs) names the next segment of an index like an earlier one, and that commit fails.
    Names drawn from the operating system's randomness cannot repeat that way."""
    return "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))


check_version()
Segment._random_id = classmethod(_segment_name)
