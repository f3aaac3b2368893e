"""engine/text: the one reader of pasted threads, and the cases where the old readers disagreed.

Before engine/text, the offline steps (`parse_messages`), template variables (`parse_thread`) and
the semantic cache each read threads their own way; each test below pins the answer chosen.
"""

from __future__ import annotations

import re

import pytest

from engine.cache.signature import clean_message, signature
from engine.guard import GuardContext
from engine.models import DraftRequest, ThreadAnalysis
from engine.steps.heuristics import analyse_thread
from engine.templates.variables import extract_variables
from engine.text.facts import extract_facts
from engine.text.names import first_name, is_title
from engine.text.scrub import scrub_analysis, scrub_text
from engine.text.scrub import scrub_sentence as scrub
from engine.text.standards import STANDARDS, find_standards
from engine.text.thread import (
    body_of,
    last_prospect_message,
    names_in_thread,
    parse_messages,
    rep_name,
    signoff_name,
    split_signature,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Pricing for 40 vehicles on a 36-month term?", ["40 vehicles", "36-month term"]),
    ("We have 4,000 vehicles, 12-month term.", ["4,000 vehicles", "12-month term"]),
    ("Send your SOC 2 Type II report and penetration test summary.", ["SOC 2 Type II", "penetration test"]),
    ("We need ISO 27001, not SOC 2.", ["ISO 27001"]),
    ("Does it integrate with QuickBooks Online and DoorDash?", ["mentions QuickBooks Online", "mentions DoorDash"]),
    ("Call me early July, or Tuesday between 2 and 4pm CET.", ["early July", "Tuesday", "between 2 and 4pm CET"]),
    ("Budget is $60k per year, the quote was $120k.", ["$60k per year", "$120k"]),
    ("Going from 40 to 80 engineers after the Series B.", ["from 40 to 80 engineers", "Series B"]),
])
def test_facts_extraction(text: str, expected: list[str]) -> None:
    facts = extract_facts(text)
    for fact in expected:
        assert fact in facts



def test_scrub_removes_names_and_contacts() -> None:
    cleaned = scrub("Could Rohan Mehta from Saffron Trail call me on +44 20 7946 0958 or rohan@x.example?",
                    {"Rohan"})
    assert cleaned is not None
    for leak in ("Rohan", "Mehta", "Saffron", "Trail", "@", "7946"):
        assert leak not in cleaned


THREAD = """Rep (Sam Patel): Hello Aiko,
Would a short walkthrough be useful?
Best, Sam
Ilse de Vries: Hi Sam,
Yes. Next Thursday works.
IT has one question: SSO?
Kind regards,
Ilse de Vries
Head of CRM | Example Co
T: +81 3-5555-0142
Sent from my iPhone

> On Mon, 3 Jun 2024 at 09:12, Sam Patel wrote:
> Would a short walkthrough be useful?
"""


def test_speakers_quotes_and_signatures() -> None:
    messages = parse_messages(THREAD)
    assert [(m.speaker, m.is_rep) for m in messages] == [("Sam Patel", True), ("Ilse de Vries", False)]
    last = last_prospect_message(THREAD)
    assert last is not None
    assert "On Mon" not in last.text and "> Would" not in last.text
    assert body_of(last) == "Hi Sam,\nYes. Next Thursday works.\nIT has one question: SSO?"
    assert rep_name(THREAD) == "Sam Patel"


def test_signoff_name_is_the_name_people_use() -> None:
    message = parse_messages("Rep (Emma Walsh): Hi?\nNguyen Thi Lan: Hi Emma,\nNot for us.\nLan")[-1]
    assert signoff_name(message) == "Lan"
    assert body_of(message) == "Hi Emma,\nNot for us."


def test_re_and_auto_reply_lines_are_not_speakers() -> None:
    thread = "Rep (Grace Liu): Hi?\nIsabela Costa: Re: Automatic reply: Out of office\nRe: Thanks\nI'm back now."
    messages = parse_messages(thread)
    assert [m.speaker for m in messages] == ["Grace Liu", "Isabela Costa"]




# --- where the readers disagreed ---------------------------------------------------------------
INDENTED = "Rep (Sam): hi\nAna de Souza: ok\n  Indented Name: continues"


def test_an_indented_label_continues_the_message() -> None:
    # parse_thread made "Indented Name" a third speaker; an indented line continues the message.
    messages = parse_messages(INDENTED)
    assert [(m.speaker, m.is_rep) for m in messages] == [("Sam", True), ("Ana de Souza", False)]
    assert messages[-1].text == "ok\n  Indented Name: continues"
    variables = extract_variables(DraftRequest(conversation_thread=INDENTED))
    assert variables["prospect_name"] == "Ana de Souza" and variables["first_name"] == "Ana"


QUOTED = ("Rep (Sam Patel): Would a walkthrough help?\n"
          "Ilse de Vries: Thanks, talk to you soon.\n"
          "> On Mon, 3 Jun 2024 at 09:12, Sam Patel wrote:\n"
          "> Could we meet next Thursday? We run 40 vans and need SOC 2.")


def test_quoted_mail_is_kept_apart_from_the_latest_message() -> None:
    # parse_messages dropped quoted mail, parse_thread kept it inside the message text: it is
    # earlier context, available as `quoted`, never part of what the reply must answer.
    last = last_prospect_message(QUOTED)
    assert last is not None and last.speaker == "Ilse de Vries"
    assert last.text == "Thanks, talk to you soon."
    assert last.quoted.startswith("> On Mon") and "40 vans" in last.quoted
    # No reader takes the quoted date, number, standard or question for the prospect's own.
    variables = extract_variables(DraftRequest(conversation_thread=QUOTED))
    assert not {"date", "number", "standard", "question"} & set(variables)
    analysis = analyse_thread(QUOTED)
    assert not any(re.search(r"40 vans|SOC 2|Thursday", fact) for fact in analysis.key_facts)
    assert "40 vans" not in clean_message(QUOTED).text


def test_quoted_mail_before_the_first_label_belongs_to_the_first_message() -> None:
    messages = parse_messages("> Could we meet about 40 vans?\nMateus Oliveira: Sure, happy to.")
    assert [(m.speaker, m.text, m.quoted) for m in messages] == [
        ("Mateus Oliveira", "Sure, happy to.", "> Could we meet about 40 vans?")]


def test_a_prospect_label_is_a_speaker_but_not_a_name() -> None:
    # parse_thread did not take `Prospect:` as a speaker, so template variables missed the ask.
    thread = "Rep (Sam): Hi?\nProspect: Can you send pricing for 40 seats?"
    assert [m.is_rep for m in parse_messages(thread)] == [True, False]
    variables = extract_variables(DraftRequest(conversation_thread=thread))
    assert variables["number"] == "40 seats" and "prospect_name" not in variables


def test_the_signature_starts_at_the_senders_name_for_every_reader() -> None:
    thread = "Rep (Sam Patel): Hi?\nLan Nguyen: Pricing for 40 seats?\nLan N.\nAcme Logistics"
    message = parse_messages(thread)[-1]
    assert split_signature(message) == ("Pricing for 40 seats?", ["Lan N.", "Acme Logistics"])
    assert extract_variables(DraftRequest(conversation_thread=thread))["company"] == "Acme Logistics"


def test_titles_are_one_list() -> None:
    # The guard took the first word of the request's name ("Dr."), the profile step skipped it.
    assert is_title("Dr.") and is_title("herr") and not is_title("Drew")
    assert first_name("Dr. Ana de Souza") == "Ana"
    request = DraftRequest(conversation_thread="Rep (Sam): Hi?\nAna: ok", prospect_name="Dr. Ana Souza")
    assert GuardContext.for_request(request).first_name == "Ana"


@pytest.mark.parametrize("greeting", ["Hi", "hi", "Bonjour", "Kia ora", "Good morning"])
def test_greeted_names_are_read_with_every_greeting(greeting: str) -> None:
    # names_in_thread knew ten greetings, the guard fourteen, the cache's lexicon sixteen.
    assert "Claire" in names_in_thread(f"Rep (Sam): {greeting} Claire, any news?\nClaire Dubois: Not yet.")


def test_one_scrub_names_roles_and_sweeps_the_rest() -> None:
    # Two scrub_analysis functions ran one after the other; one now does both passes.
    thread = ("Rep (Jordan Lee): Hi Mateus, saw Rotaverde is growing.\n"
              "Mateus Oliveira: Pricing for 40 vans? Write to m.oliveira@rotaverde.example or +1 555 010 2000.")
    dirty = ThreadAnalysis(summary="Mateus Oliveira of Rotaverde asks Jordan for pricing "
                                   "(m.oliveira@rotaverde.example, +1 555 010 2000).",
                           key_facts=["Oliveira's fleet: 40 vans", "Rotaverde uses Samsara"])
    clean = scrub_analysis(dirty, thread=thread)
    assert clean.summary == "the prospect of their company asks the rep for pricing ([email], [phone])."
    assert clean.key_facts == ["the prospect's fleet: 40 vans", "their company uses Samsara"]
    assert scrub_analysis(clean, thread=thread) == clean  # a second pass changes nothing


def test_a_view_text_is_scrubbed_as_its_analysis_is() -> None:
    # What a shared cache entry may keep of the message itself (scripts/cross_data.py, scripts/rerank_eval.py).
    thread = ("Rep (Jordan Lee): Hi Mateus, saw Rotaverde is growing.\n"
              "Mateus Oliveira: Pricing for 40 vans? Write to m.oliveira@rotaverde.example or +1 555 010 2000.")
    text = "Mateus here: pricing for 40 vans for Rotaverde? m.oliveira@rotaverde.example"
    clean = scrub_text(text, thread=thread)
    for leak in ("Mateus", "Oliveira", "Rotaverde", "rotaverde", "@"):
        assert leak not in clean
    assert "pricing for 40 vans" in clean
    assert scrub_text(clean, thread=thread) == clean


@pytest.mark.parametrize("written", ["SOC 2 Type II", "soc2 type 2", "SOC2 Type II"])
def test_a_standard_reads_the_same_everywhere(written: str) -> None:
    # Three lists disagreed: the facts knew "SOC2" but not "soc2 type 2", template variables only
    # the exact capitals, the cache guard its own keys. One table in engine/text/standards.py.
    thread = f"Rep (Sam): Hi?\nAna Souza: Can you send your {written} report before Friday?"
    assert "SOC 2 Type II" in analyse_thread(thread).key_facts
    assert extract_variables(DraftRequest(conversation_thread=thread))["standard"] == "SOC 2 Type II"
    assert signature(thread).standards == frozenset({"soc2-type2"})


def test_dora_the_regulation_is_not_dora_the_person() -> None:
    assert [standard.key for standard, _ in find_standards("Does DORA apply? Dora from legal asks.")] == ["dora"]


def test_a_month_is_read_whole() -> None:
    # The facts' month pattern stopped at "Sept" inside "September" ("early Sept").
    assert "early September" in extract_facts("Try me again in early September.")


def test_every_standard_is_found_by_its_stem() -> None:
    # find_standards skips a standard none of whose stems is in the text: its name must contain one.
    for standard in STANDARDS:
        assert any(stem in standard.name.lower() for stem in standard.stems), standard.key
        assert [s.key for s, _ in find_standards(f"Do you have {standard.name}?")] == [standard.key]
