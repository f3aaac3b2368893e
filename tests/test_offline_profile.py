"""Offline profile enrichment: names from the request, thread and slugs; the company website, safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.fetch import WebsiteInfo
from engine.models import DraftRequest
from engine.settings import EngineSettings
from engine.steps.offline import OfflineProfile
from engine.steps.prospect import company_from_slug, company_from_title, guess_industry
from engine.text.names import name_from_slug
from engine.workflow import Engine
from tests.fakes.website import FakeWebsite

THREAD = (
    "Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
    "Mateus Oliveira: Happy to do a 30 min demo next Thursday afternoon. Can you send an invite?"
)


@pytest.mark.parametrize(("url", "name"), [
    ("https://www.linkedin.com/in/mateus-oliveira-123", "Mateus Oliveira"),
    ("linkedin.com/in/jane-doe-4b7a9b21/", "Jane Doe"),
    ("https://www.linkedin.com/in/ana-de-souza/", "Ana de Souza"),
    ("https://linkedin.com/in/j%C3%BCrgen-m%C3%BCller-a1b2c3?trk=x", "Jürgen Müller"),
    ("https://linkedin.com/in/mary-smith-phd-7", "Mary Smith"),
    ("https://linkedin.com/in/12345", None),
    ("https://www.linkedin.com/company/acme", None),
])
def test_name_from_linkedin_slug(url: str, name: str | None) -> None:
    assert name_from_slug(url) == name


def test_company_from_slug_and_title() -> None:
    assert company_from_slug("https://www.linkedin.com/company/lumenfield-apparel/") == "Lumenfield Apparel"
    assert company_from_slug("https://lumenfield.example") is None
    assert company_from_title("Home | Acme Freight", "acmefreight.example") == "Acme Freight"
    assert company_from_title("Welcome", "acme.example") is None
    assert company_from_title("Best shoes online — Shop now", "acme.example") is None


def test_industry_guess_needs_evidence() -> None:
    assert guess_industry("Regional freight and haulage: our fleet of trucks delivers overnight.") \
        == "Logistics & transportation"
    assert guess_industry("Welcome to our site.") is None


async def test_name_sources_in_order() -> None:
    profile = OfflineProfile(EngineSettings())
    slug = "https://www.linkedin.com/in/priya-shah-88"
    from_request = await profile.enrich(DraftRequest(conversation_thread=THREAD, prospect_name="Dr Ana Lima",
                                                     prospect_profile_url=slug))
    assert (from_request.name, from_request.first_name) == ("Dr Ana Lima", "Ana")
    from_thread = await profile.enrich(DraftRequest(conversation_thread=THREAD, prospect_profile_url=slug))
    assert (from_thread.name, from_thread.first_name) == ("Mateus Oliveira", "Mateus")
    from_slug = await profile.enrich(DraftRequest(conversation_thread="Pricing for 5 seats?",
                                                  prospect_profile_url=slug))
    assert (from_slug.name, from_slug.first_name) == ("Priya Shah", "Priya")


async def test_no_website_means_no_fetch() -> None:
    calls: list[str] = []

    async def fetch(url: str) -> WebsiteInfo:
        calls.append(url)
        return WebsiteInfo(url=url)

    profile = await OfflineProfile(fetch=fetch).enrich(DraftRequest(
        conversation_thread=THREAD, prospect_company_url="https://www.linkedin.com/company/lumenfield-apparel"))
    assert calls == []
    assert profile.company == "Lumenfield Apparel" and profile.notes == []


async def test_website_enriches_the_profile(site: FakeWebsite) -> None:
    settings = EngineSettings(allow_private_fetch=True)
    request = DraftRequest(conversation_thread=THREAD, prospect_company_website=f"{site.base_url}/")
    profile = await OfflineProfile(settings).enrich(request)
    assert profile.website_title == "Lumenfield Apparel — Sustainable everyday clothing"
    assert profile.website_description is not None and "organic cotton" in profile.website_description
    assert profile.website_summary is not None and "fashion brand" in profile.website_summary
    assert profile.industry == "Retail & e-commerce"
    assert profile.company_domain == "127.0.0.1"
    assert profile.notes == []


async def test_company_slug_wins_over_domain(site: FakeWebsite) -> None:
    request = DraftRequest(conversation_thread=THREAD, prospect_company_website=f"{site.base_url}/",
                           prospect_company_url="https://www.linkedin.com/company/lumen-field")
    profile = await OfflineProfile(EngineSettings(allow_private_fetch=True)).enrich(request)
    assert profile.company == "Lumen Field"


async def test_refused_fetch_is_a_note_not_a_failure(site: FakeWebsite) -> None:
    request = DraftRequest(conversation_thread=THREAD, prospect_company_website=f"{site.base_url}/")
    profile = await OfflineProfile(EngineSettings()).enrich(request)
    assert site.seen == []
    assert profile.name == "Mateus Oliveira" and profile.website_title is None
    assert len(profile.notes) == 1 and profile.notes[0].startswith("Did not fetch the company website")
    assert "loopback" in profile.notes[0] and "ALLOW_PRIVATE_FETCH" in profile.notes[0]


async def test_failed_fetch_is_a_note(site: FakeWebsite) -> None:
    request = DraftRequest(conversation_thread=THREAD, prospect_company_website=f"{site.base_url}/missing")
    profile = await OfflineProfile(EngineSettings(allow_private_fetch=True)).enrich(request)
    assert profile.notes == [f"Could not read the company website: {site.base_url}/missing answered HTTP 404; "
                             "check the website URL"]


async def test_offline_engine_uses_the_website(site: FakeWebsite, data_dir: Path) -> None:
    request = DraftRequest(conversation_thread=THREAD, prospect_company_website=f"{site.base_url}/")
    allowed = await Engine(EngineSettings(data_dir=data_dir, allow_private_fetch=True)).run(request, scope="t")
    assert allowed.profile is not None and allowed.profile.industry == "Retail & e-commerce"
    refused = await Engine(EngineSettings(data_dir=data_dir)).run(request, scope="t")
    assert not refused.degraded and refused.steps[0].status == "ok"
    assert refused.profile is not None and refused.profile.notes[0].startswith("Did not fetch")
