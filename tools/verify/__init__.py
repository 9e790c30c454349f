"""Verifiers: each reads what the build produced (mostly the descriptor set),
exits non-zero with a message that names the culprit, and is run by
``make check`` through tests/checks/ (or by ``make installcheck``):
``check_api_docs`` (every element documented, every resource has a
Location), ``check_breaking`` (buf breaking against the newest release in
``api-baselines/``, plus ``--baseline-out`` for ``make api-baseline``),
``check_go_fresh`` (golang/ equals a regeneration; ``--update`` is
``make generate-go``) and ``check_install_tree`` (the installed headers,
library and .pc, and a consumer built with pkg-config alone).
"""
