"""Every note and error the template path shows a user, in one place so they read alike."""

from __future__ import annotations

__all__ = [
    "BROKEN_TEMPLATE",
    "GUARD_FELL_BACK",
    "GUARD_REPAIRED",
    "MISSING_VARIABLES",
    "NO_TEMPLATE",
    "POLISHED",
    "POLISH_FAILED",
    "POLISH_SKIPPED_OFFLINE",
    "TEMPLATES_UNAVAILABLE",
    "TEMPLATE_USED",
]

TEMPLATE_USED = "Drafted from template '{template_id}' for intent '{intent}'."
NO_TEMPLATE = ("No template covers intent '{intent}' on channel '{channel}': "
               "the reply was drafted by the {path} path instead.")
MISSING_VARIABLES = ("No template could be filled for intent '{intent}' ({details}): "
                     "the reply was drafted by the {path} path instead.")
BROKEN_TEMPLATE = "template '{template_id}' failed to render: {error}"
TEMPLATES_UNAVAILABLE = "Templates are not configured on this engine: the reply was drafted by the {path} path."
POLISH_SKIPPED_OFFLINE = ("AI polish skipped: offline mode (no LLM key is set), "
                          "so the template draft is returned as is.")
POLISHED = "Template draft personalised by the LLM (ai_polish)."
POLISH_FAILED = "AI polish failed ({error}): the template draft is returned as is."
GUARD_REPAIRED = "Leak guard repaired the draft ({problems}); read it before sending."
GUARD_FELL_BACK = ("Leak guard rejected the draft ({problems}) and could not repair it: "
                   "a plain safe draft is shown instead.")
