"""The plain offline reply: per intent, per channel, with the prospect's facts and no placeholders."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from engine.models import DraftRequest, ProspectProfile
from engine.steps.heuristics import analyse_thread
from engine.steps.prospect import profile_from_request
from engine.steps.replies import plain_reply
from tests.conftest import SAMPLES

THREADS = [json.loads(line) for line in (SAMPLES / "threads.jsonl").read_text("utf-8").splitlines() if line]
BY_ID = {row["id"]: row for row in THREADS}
PLACEHOLDER = re.compile(r"\{|\}|\bNone\b|\[[A-Z][a-z]*\]|Hi ,|\bnull\b|__")


def _draft(row: dict[str, Any], *, with_analysis: bool = True) -> tuple[str, str | None]:
    request = DraftRequest(conversation_thread=row["thread"], channel=row["channel"])
    profile = profile_from_request(request)
    analysis = analyse_thread(row["thread"]) if with_analysis else None
    draft = plain_reply(request, profile=profile, analysis=analysis)
    assert draft.channel == row["channel"]
    return draft.text, draft.subject


@pytest.mark.parametrize("row", THREADS, ids=[row["id"] for row in THREADS])
def test_every_sample_gets_a_clean_reply(row: dict[str, Any]) -> None:
    text, subject = _draft(row)
    assert not PLACEHOLDER.search(text), text
    greeting = text.splitlines()[0]
    assert re.fullmatch(r"Hi [^,]+,", greeting) and greeting[3:-1] in row["prospect_name"]
    if row["channel"] == "email":
        assert subject is not None and subject.startswith("Re: ") and not PLACEHOLDER.search(subject)
        assert text.rstrip().endswith(row["rep_name"].split()[0])  # signed by the rep
    else:
        assert subject is None and len(text) < 500
    # The reply never names the prospect's company or a colleague from the thread.
    assert row["company"] not in text


@pytest.mark.parametrize("row", [r for r in THREADS if r["intent"] in ("not_interested", "unsubscribe_request")],
                         ids=lambda row: row["id"])
def test_no_push_after_a_no(row: dict[str, Any]) -> None:
    text, _ = _draft(row)
    assert not re.search(r"\bcall\b|\bdemo\b|\bmeeting\b|\?|pricing|trial", text, re.IGNORECASE), text


def test_meeting_reply_confirms_the_time_and_length() -> None:
    text, _ = _draft(BY_ID["d01-a"])
    assert "next Thursday afternoon" in text and "30-minute" in text
    text, subject = _draft(BY_ID["d09-n1"])
    assert "Thursday 17 April at 10am" in text and "Monday 14 April" not in text
    assert subject == "Re: Our call Thursday 17 April at 10am"


def test_replies_answer_the_concrete_ask() -> None:
    assert "40 vans on a 36-month term" in _draft(BY_ID["d02-a"])[0]
    assert "4,000 vehicles on a 12-month term" in _draft(BY_ID["d02-n1"])[0]
    assert "SOC 2 Type II report" in _draft(BY_ID["d11-a"])[0]
    assert "ISO 27001 certificate" in _draft(BY_ID["d11-n1"])[0]
    assert "early July" in _draft(BY_ID["d05-a"])[0]
    assert "DoorDash and Uber Eats" in _draft(BY_ID["d12-a"])[0]
    assert "QuickBooks Online" in _draft(BY_ID["d12-n1"])[0]
    assert "14-day free trial ready for 3 users" in _draft(BY_ID["d15-a"])[0]
    assert "brochure and spec sheet" in _draft(BY_ID["d16-a"])[0]
    assert "fleet manager" in _draft(BY_ID["d23-a"])[0]


def test_fast_mode_reads_the_raw_thread() -> None:
    text, _ = _draft(BY_ID["d01-a"], with_analysis=False)
    assert "next Thursday afternoon" in text


def test_unknown_name_greets_without_a_gap() -> None:
    request = DraftRequest(conversation_thread="Can you send pricing for 25 seats?", channel="email")
    draft = plain_reply(request, profile=ProspectProfile(), analysis=None)
    assert draft.text.startswith("Hi there,") and "25 seats" in draft.text
    assert draft.subject == "Re: Pricing for 25 seats"
    assert draft.text.rstrip().endswith("Best regards")


def test_snippet_is_added_but_not_after_a_no() -> None:
    for row_id, expected in (("d02-a", True), ("d04-a", False)):
        row = BY_ID[row_id]
        request = DraftRequest(conversation_thread=row["thread"], channel=row["channel"])
        draft = plain_reply(request, profile=None, analysis=analyse_thread(row["thread"]),
                            snippets=["Hardware is included in every plan."])
        assert ("Hardware is included in every plan." in draft.text) is expected
