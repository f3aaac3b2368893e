"""Scheduled per-channel digests: schedule parsing, the persistent scheduler, reports and their blocks.

    schedule.py    `/draft digest daily 09:00 Europe/Berlin` -> DigestSchedule -> CronTrigger
    jobstore.py    where schedules persist (Redis, else DATA_DIR/jobs.sqlite3)
    scheduler.py   APScheduler's AsyncIOScheduler with an injectable clock
    report.py      one channel's activity from its own draft records
    blocks.py      the digest's Block Kit
    service.py     posting (exactly once per fire time) and the runtime one Slack app owns
    activity.py    intents by request id and batch runs by channel, kept for digests
    messages.py    every word users see
"""
