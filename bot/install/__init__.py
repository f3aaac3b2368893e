"""Installing the app in many workspaces: Bolt's OAuth v2 flow on our Store, tokens encrypted at rest.

- `cipher.py`: Fernet encryption of installation records with SLACK_TOKEN_KEY.
- `installations.py`: Bolt's AsyncInstallationStore on the engine's Store (SQLite or Redis).
- `states.py`: Bolt's AsyncOAuthStateStore on the same Store (one-time, expiring).
- `flow.py`: the AsyncOAuthFlow for `GET /slack/install` and `GET /slack/oauth_redirect`.
- `clients.py`: the Web API client of one workspace, for background work (digests, batches).
"""
