"""Batches of drafts: rows, CSV in and out, the runner and its reports."""
