"""The one reader of pasted threads. Every other part of the engine reads threads through it.

    thread.py     messages and speakers (rep vs prospect), quoted mail, signatures, the latest
                  prospect message
    names.py      name particles, titles, greetings, names from slugs (one list each)
    patterns.py   e-mail, link, phone and domain patterns; `fold`
    facts.py      name-free facts: numbers, money, dates, timeframes, standards, vendors, asks
    quantities.py numbers as hard facts, normalised ("six" = "6", "2k" = "2,000", "€", "2x"), with
    numerals.py   number words ("twenty-five", "a dozen"), clock.py clock times ("10am" = "10:00",
                  "Tuesday 10" = "Tuesday 10am"), days.py days of the month ("the 14th" = "14 March"'s day) and
    lengths.py    lengths of time and rates ("half an hour" = "30 minutes", "£1,200 a month" = "monthly"),
    periods.py    and periods spelled out ("the second quarter" = "Q2", "July to September" = "Q3")
    standards.py  compliance standards, acronym or in full ("BAA" = "Business Associate Agreement")
    places.py     countries, adjectives, regions, states and cities as keys ("German" = "Germany" = "de")
    negation.py   is a cue asked for, or negated ("no need for a demo")?
    scrub.py      the one name scrubber: `scrub_analysis`, `scrub_sentence`

Users: the offline steps (engine/steps), template variables (engine/templates/variables.py),
the semantic cache's signature and word lists (engine/cache), the crew backends' scrub and the
leak guard (engine/guard.py). Import from the modules.
"""

from __future__ import annotations

__all__: list[str] = []
