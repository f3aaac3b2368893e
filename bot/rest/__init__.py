"""The REST API: routes, auth, rate limit, live updates over WebSocket, dashboard, /metrics."""
