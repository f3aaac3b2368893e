"""Scheduled per-channel digests: schedule parsing, the persistent scheduler, reports and their blocks.

    schedule.py    `/draft digest daily 09:00 Europe/Berlin` -> DigestSchedule -> CronTrigger
    scheduler.py   schedules as records in the Store; APScheduler (public API) wakes us when one is due
    legacy.py      start-up import of schedules the previous release kept in APScheduler job stores
    report.py      one channel's activity from its own draft records
    blocks.py      the digest's Block Kit
    service.py     posting (exactly once per fire time) and the runtime one Slack app owns
    activity.py    intents by request id and batch runs by channel, kept for digests
    messages.py    every word users see
"""
