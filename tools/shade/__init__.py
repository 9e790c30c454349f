"""The shade coverage wing: proof that the API covers python-shade 1.33.0.

shade runs only in its own virtualenv (``env`` builds it from
``requirements.txt``); ``introspect`` is the one script run *inside* that venv
(by file path, importing nothing from this package) and answers in JSON:
shade's public methods, and shade's normalize functions applied offline to
fixtures, shade's own test fixtures plus the REST bodies kept as data in
``fixtures/``. ``check_coverage`` checks every method against the maps in
``map/*.toml`` (mapped to RPCs that take its parameters and return its
resource, or excluded with a reason of a known kind), with tiers from the
methods table ``shade-methods.md``; ``check_data`` converts every normalized
dict into its message with ``convert``, the generic descriptor-driven
converter, and fails on any dropped key or value that does not fit, on a key
that should be typed landing in ``properties``, and on a network expansion
that was not exercised or not carried.
"""
