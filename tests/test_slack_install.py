"""A second workspace installs the app through /slack/install and is answered with its own token."""

from __future__ import annotations

import html
import re
from pathlib import Path

import aiohttp
import pytest

from bot.app import SLACK_APP
from bot.batches.records import ACTIVE_PREFIX
from bot.blocks import draft_modal
from bot.handlers.digests import digests_for
from bot.install.cipher import TokenCipher, TokenKeyError, new_key
from bot.install.installations import INSTALL_PREFIX
from bot.messages import NOT_INSTALLED
from tests.batch_slack_helpers import SHARE_TS, GatedReply, batch_harness, until
from tests.conftest import SAMPLES
from tests.fakes.slack_server import FakeSlack
from tests.slack_helpers import SlackHarness, multi_workspace_settings, slack_harness

THREAD = ("Rep (Jordan Lee): Hi Ana, worth a quick look at how we automate win-back journeys?\n"
          "Ana Ruiz: Maybe. What does it cost for 40 seats? We'd need it before Q3.")


async def install(slack: SlackHarness, *, team_id: str | None, enterprise_id: str | None = None,
                  org_wide: bool = False) -> str:
    """Walk Bolt's install flow as a browser would; returns the bot token Slack issued."""
    fake = slack.fake
    fake.installer = {"team_id": team_id, "enterprise_id": enterprise_id, "is_enterprise_install": org_wide,
                      "bot_user_id": f"U0BOT{team_id or enterprise_id}"}
    fake.redirect_uri = str(slack.client.make_url("/slack/oauth_redirect"))
    page = await slack.client.get("/slack/install", allow_redirects=False)
    assert page.status == 200, await page.text()
    cookie = page.headers["Set-Cookie"].split(";")[0]  # Bolt's state cookie (aiohttp keeps none for IPs)
    link = html.unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', await page.text()).group(1))
    assert link.startswith(fake.base)  # Slack's consent page on SLACK_API_URL's host
    async with aiohttp.ClientSession() as browser, browser.get(link, allow_redirects=False) as consent:
        assert consent.status == 302
        back = consent.headers["Location"]
    before = set(fake.workspaces.installs)
    assert back.startswith(fake.redirect_uri + "?code=")
    done = await slack.client.get("/slack/oauth_redirect" + back[len(fake.redirect_uri):],
                                  headers={"Cookie": cookie}, allow_redirects=False)
    assert done.status == 200, await done.text()
    [token] = set(fake.workspaces.installs) - before
    return token


async def test_a_second_workspace_installs_and_is_answered_with_its_own_token(data_dir: Path) -> None:
    async with FakeSlack() as fake:
        key = new_key()
        async with slack_harness(data_dir, fake=fake, **multi_workspace_settings(fake, key)) as slack:
            first = await install(slack, team_id="T0ONE")
            second = await install(slack, team_id="T0TWO")
            assert first != second

            for team, token in (("T0TWO", second), ("T0ONE", first)):
                response = await slack.command(THREAD, team_id=team, channel_id=f"C{team}")
                assert response.status == 200
                await slack.settle()
                calls = [c for c in fake.calls if c.args.get("channel") == f"C{team}"]
                assert calls and {c.token for c in calls} == {token}, team
                assert slack.drafts_posted(f"C{team}")

            # Tokens are sealed at rest: the store never holds one in the clear.
            raw = [value async for _, value in slack.engine.store.scan(INSTALL_PREFIX)]
            assert raw and not any(first in value or second in value for value in raw)
            assert any(second in TokenCipher(key).open(value) for value in raw)


async def test_a_workspace_that_never_installed_gets_no_token(data_dir: Path) -> None:
    async with FakeSlack() as fake, slack_harness(
            data_dir, fake=fake, **multi_workspace_settings(fake, new_key())) as slack:
        await install(slack, team_id="T0ONE")
        calls = len(fake.calls)
        response = await slack.command(THREAD, team_id="T0STRANGER", channel_id="C0X")
        await slack.settle()
        assert response.status == 200
        assert [r["text"] for r in fake.responses] == [NOT_INSTALLED]  # privately, via response_url
        assert [c.method for c in fake.calls[calls:]] == []  # no Web API call, with nobody's token


async def test_a_replayed_redirect_installs_nothing(data_dir: Path) -> None:
    async with FakeSlack() as fake, slack_harness(
            data_dir, fake=fake, **multi_workspace_settings(fake, new_key())) as slack:
        fake.redirect_uri = str(slack.client.make_url("/slack/oauth_redirect"))
        page = await slack.client.get("/slack/install")
        state = re.search(r"state=([\w-]+)", await page.text()).group(1)
        forged = await slack.client.get(f"/slack/oauth_redirect?code=stolen&state={state}")
        assert forged.status == 400  # no state cookie: Bolt refuses before any exchange
        assert not fake.calls_to("oauth.v2.access")


def test_a_missing_or_bad_token_key_says_how_to_make_one() -> None:
    for key in (None, "not-a-key"):
        with pytest.raises(TokenKeyError, match=r"Fernet\.generate_key"):
            TokenCipher(key)
    with pytest.raises(TokenKeyError, match="reinstall"):
        TokenCipher(new_key()).open(TokenCipher(new_key()).seal("xoxb-1"))


async def test_background_work_uses_the_team_token_and_stops_when_it_uninstalls(data_dir: Path) -> None:
    reply = GatedReply(free=2)
    async with FakeSlack() as fake, batch_harness(
            data_dir, fake=fake, reply=reply, **multi_workspace_settings(fake, new_key())) as slack:
        token = await install(slack, team_id="T0TWO")
        await slack.command("digest daily 09:00", team_id="T0TWO", channel_id="C0TWO")
        await slack.command("digest now", team_id="T0TWO", channel_id="C0TWO")
        await slack.settle()
        digests = digests_for(slack.client.app[SLACK_APP])  # type: ignore[index]
        assert await digests.scheduler.list("T0TWO")
        [digest] = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == "C0TWO"]
        assert digest.token == token and digest.error is None  # the scheduled path, the team's token

        info = fake.add_file("leads.csv", (SAMPLES / "batch.csv").read_bytes(), channel="C0TWO", ts=SHARE_TS)
        await slack.event({"type": "file_shared", "file_id": info["id"], "user_id": slack.user_id,
                           "channel_id": "C0TWO", "event_ts": "1.1"}, team_id="T0TWO")
        await until(lambda: reply.calls > 2)  # the batch runs, held at its third row
        assert fake.downloads[-1]["authorization"] == f"Bearer {token}"

        fake.uninstall("T0TWO")
        gone_at = len(fake.calls)
        await slack.event({"type": "app_uninstalled"}, team_id="T0TWO")
        reply.gate.set()
        await slack.settle()
        assert [key async for key, _ in slack.engine.store.scan(INSTALL_PREFIX)] == []
        assert await digests.scheduler.list("T0TWO") == []
        assert [key async for key, _ in slack.engine.store.scan(ACTIVE_PREFIX)] == []
        assert not fake.calls_to("files.completeUploadExternal")  # the batch was not delivered
        assert [c for c in fake.calls[gone_at:] if c.error is None] == []
        # And the workspace is told to reinstall instead of being served with a dead token.
        await slack.command(THREAD, team_id="T0TWO", channel_id="C0TWO")
        await slack.settle()
        assert fake.responses[-1]["text"] == NOT_INSTALLED


async def test_an_org_wide_install_answers_every_workspace_of_the_org(data_dir: Path) -> None:
    async with FakeSlack() as fake, slack_harness(
            data_dir, fake=fake, **multi_workspace_settings(fake, new_key())) as slack:
        token = await install(slack, team_id=None, enterprise_id="E0ORG", org_wide=True)
        slack.enterprise_id, slack.org_install = "E0ORG", True
        for team in ("T0EAST", "T0WEST"):
            values = {"thread": {"type": "plain_text_input", "value": THREAD},
                      "channel": {"type": "static_select", "selected_option": {"value": "linkedin"}},
                      "conversation": {"type": "conversations_select", "selected_conversation": f"C{team}"}}
            response = await slack.submit_view(draft_modal(), values, team_id=team)  # team: null in the body
            assert response.status == 200
            await slack.settle()
            assert slack.drafts_posted(f"C{team}"), team
        assert {c.token for c in fake.calls if c.method.startswith("chat.")} == {token}
