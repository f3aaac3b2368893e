"""What a digest schedule is (daily or weekly, a local time, a time zone) and how to read one from Slack."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.digests import messages

__all__ = ["DigestSchedule", "ScheduleError", "parse_schedule"]

_TIME = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A schedule the user typed cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class DigestSchedule:
    """When a channel's digest is due: every day, or one weekday, at a local time in a time zone."""

    kind: Literal["daily", "weekly"]
    hour: int
    minute: int
    tz: str = "UTC"
    weekday: int | None = None  # 0 = Monday, only for weekly

    def trigger(self) -> CronTrigger:
        """The APScheduler trigger; it keeps the local time across DST changes."""
        day_of_week = _WEEKDAYS[self.weekday] if self.kind == "weekly" and self.weekday is not None else "*"
        return CronTrigger(day_of_week=day_of_week, hour=self.hour, minute=self.minute,
                           timezone=ZoneInfo(self.tz))

    @property
    def period(self) -> timedelta:
        """How far back a digest on this schedule looks."""
        return timedelta(days=7 if self.kind == "weekly" else 1)

    def describe(self) -> str:
        """`every day at 09:00 (Europe/Berlin)` or `every Monday at 09:00 (UTC)`."""
        when = "every day" if self.kind == "daily" else f"every {messages.WEEKDAY_NAMES[self.weekday or 0]}"
        return f"{when} at {self.hour:02d}:{self.minute:02d} ({self.tz})"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the job store."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DigestSchedule:
        """The schedule `to_dict` wrote."""
        return cls(kind=data["kind"], hour=int(data["hour"]), minute=int(data["minute"]),
                   tz=str(data.get("tz") or "UTC"), weekday=data.get("weekday"))


def _zone(text: str) -> str:
    if text.upper() == "UTC":
        return "UTC"
    if not re.fullmatch(r"[A-Za-z_+\-0-9]+(/[A-Za-z_+\-0-9]+)*", text):
        raise ScheduleError(messages.bad_timezone(text))
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(messages.bad_timezone(text)) from exc
    return text


def parse_schedule(args: list[str], *, default_tz: str = "UTC") -> DigestSchedule:
    """`daily 09:00 [tz]` or `weekly mon 09:00 [tz]` -> a DigestSchedule, else ScheduleError."""
    words = [word.strip() for word in args if word.strip()]
    if not words or words[0].lower() not in ("daily", "weekly"):
        raise ScheduleError(messages.DIGEST_HELP)
    kind: Literal["daily", "weekly"] = "weekly" if words[0].lower() == "weekly" else "daily"
    rest = words[1:]
    weekday: int | None = None
    if kind == "weekly":
        if not rest:
            raise ScheduleError(messages.bad_weekday(""))
        day = rest.pop(0).lower()[:3]
        if day not in _WEEKDAYS:
            raise ScheduleError(messages.bad_weekday(day))
        weekday = _WEEKDAYS.index(day)
    if not rest:
        raise ScheduleError(messages.bad_time(""))
    match = _TIME.fullmatch(rest[0])
    if match is None:
        raise ScheduleError(messages.bad_time(rest[0]))
    tz = _zone(rest[1]) if len(rest) > 1 else default_tz
    if len(rest) > 2:
        raise ScheduleError(messages.DIGEST_HELP)
    return DigestSchedule(kind=kind, hour=int(match.group(1)), minute=int(match.group(2)), tz=tz,
                          weekday=weekday)
