"""Helpers shared by the search tests."""

import pytest

# Whoosh leaves the files of an index it failed to open to the garbage collector.
tolerate_leaked_files = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)
