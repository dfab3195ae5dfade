"""Refusals name what the person gave (issue 20, item 6): a size in bytes for a tiny file, and
"the labels you typed" when the labels came from the form's text box, not a file."""

from pathlib import Path

import pytest

from backend.networks.registration import (
    RegistrationError,
    RegistrationRequest,
    _check_labels,
    _megabytes,
    parse_labels,
)


@pytest.mark.parametrize(
    ("size", "words"),
    [(56, "56 B"), (1023, "1023 B"), (1024, "1 KB"), (20_000, "20 KB"), (5 * 2**20, "5.0 MB")],
)
def test_file_sizes_in_words(size, words):
    assert _megabytes(size) == words


def test_typed_labels_are_not_called_a_file():
    with pytest.raises(RegistrationError) as typed:
        parse_labels("shirt\nshirt", "typed")
    assert str(typed.value) == "The labels you typed name a class twice."
    with pytest.raises(RegistrationError) as filed:
        parse_labels("shirt\nshirt", "file")
    assert str(filed.value) == "The labels file names a class twice."
    with pytest.raises(RegistrationError, match="^The labels you typed are not valid JSON"):
        parse_labels("[1, 2", "typed")


@pytest.mark.parametrize(
    ("source", "words"),
    [("typed", "the labels you typed name 3 classes"), ("file", "the labels file names 3")],
)
def test_label_count_refusal_names_the_source(source, words):
    request = RegistrationRequest(
        file=Path("m.keras"), name="m", labels=["a", "b", "c"], labels_source=source
    )
    reports = []
    with pytest.raises(RegistrationError) as refused:
        _check_labels(request, None, {"num_classes": 2}, lambda *a: reports.append(a))
    assert words in str(refused.value)
    assert reports[-1][1] == "failed" and words in reports[-1][2]
