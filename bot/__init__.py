"""replycrew's ways in: Slack, the REST API and the command line."""
