"""replycrew's ways in: Slack, the REST API and the command line. Never imported by engine/.

    server.py, socket_mode.py   the one aiohttp app (HTTP or Socket Mode); start-up migrates the store first
    settings.py                 Slack and HTTP settings (compose the engine's)
    rest/                       REST API: routes, auth + rate limit, /ws, dashboard, templates, static/
    cli/                        `replycrew` command: serve, draft, batch, cache, templates
    app.py, runtime.py          the Slack app (Bolt) and what its handlers share
    handlers/                   Slack listeners: commands, subcommands, shortcuts, views, actions, events, files
    drafting.py, drafts.py      one draft in Slack start to finish, and the draft records in the store
    progress.py, editor.py      draft progress, through the one throttled message editor
    batches/                    CSV batches uploaded in Slack (their progress uses the same editor)
    digests/                    scheduled per-channel digests and `/draft stats`
    redelivery.py               Slack re-deliveries handled once
    blocks.py, mrkdwn.py, messages.py   Block Kit, text formats, every word users see
    metrics.py                  GET /metrics and the Slack Web API call counter

Store keys all come from `engine.keys`.
"""
