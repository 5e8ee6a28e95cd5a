"""Sphinx glue for a self-contained site (loaded from _config.yml).

* Sphinx 7.4 can register the same inline script twice on a page (for
  instance when two extensions add the same snippet); the second copy throws
  a page error ("Identifier ... has already been declared"). Duplicates are
  dropped here, keeping the first occurrence. The handler runs first
  (priority 1): ``html-page-context`` is emitted with ``emit_firstresult``, so
  a theme handler that returns a template would stop a later one.
"""

from __future__ import annotations


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # The copies differ only in filename None vs "" (both: inline).
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", script) or "",
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
