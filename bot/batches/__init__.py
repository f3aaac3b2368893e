"""CSV batches in Slack: the shared file, progress message, blocks and the service that runs them."""
