"""POST /run-template: a templated draft in milliseconds (the full workflow, noted, when none fits)."""

from __future__ import annotations

from aiohttp import web

from bot.rest.auth import API_SCOPE_KEY
from bot.rest.routes import ENGINE, json_errors, parse_draft_request, read_json, result_response
from bot.rest.ws import tracked
from engine.fastpath import run_template
from engine.models import new_request_id

__all__ = ["add_template_routes"]


@json_errors
async def run_template_handler(request: web.Request) -> web.StreamResponse:
    """POST /run-template: the seed's body; `use_templates` is always on here."""
    draft_request = parse_draft_request(await read_json(request), use_templates=True)
    scope = request[API_SCOPE_KEY]
    request_id = new_request_id()
    with tracked(request, request_id):
        result = await run_template(request.app[ENGINE], draft_request, scope=scope, request_id=request_id)
    return result_response(result)


def add_template_routes(app: web.Application) -> None:
    """Register POST /run-template (after `bot.rest.routes.add_routes`, which sets up the WebSocket hub)."""
    app.router.add_post("/run-template", run_template_handler)
