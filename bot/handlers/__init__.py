"""Slack listeners, one module per kind of Slack payload; each registers itself on the Bolt app."""
