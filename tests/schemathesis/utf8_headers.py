"""Schemathesis hook for Spin (see tests/src/exceptions.rs): send generated header values as UTF-8.

Python's HTTP stack writes header values as Latin-1, so a generated "é" leaves as the byte 0xE9,
which Spin's HTTP trigger answers with an empty 500 before any component runs. Re-spelling each
non-ASCII value so that its Latin-1 encoding is its UTF-8 encoding keeps the characters (the
component still sees non-ASCII header values) and sends bytes Spin accepts.
"""

import schemathesis


def _utf8_on_the_wire(value):
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8").decode("latin-1")
    return value


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.headers:
        case.headers = {name: _utf8_on_the_wire(value) for name, value in case.headers.items()}
