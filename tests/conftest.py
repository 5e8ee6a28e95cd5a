"""Shared pytest set-up: the notebooks are checked by nbval, not collected here."""

collect_ignore_glob = ["../_build/*", "../book/*"]
