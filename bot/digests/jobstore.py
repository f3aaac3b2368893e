"""Where digest schedules persist: APScheduler's RedisJobStore with Redis, else a small SQLite job store.

APScheduler 3's job store interface is synchronous, so it cannot sit on our async `Store`. With
Redis configured we use APScheduler's own RedisJobStore (its keys are prefixed `replycrew:`) so
every process sees the same schedules; without it, `SQLiteJobStore` keeps them in
DATA_DIR/jobs.sqlite3 (WAL, one short statement per call, so the event loop never waits long).
Both pickle job state, as every APScheduler store does; only this process writes these files/keys.
"""

from __future__ import annotations

import pickle
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import BaseJobStore, ConflictingIdError, JobLookupError
from apscheduler.jobstores.redis import RedisJobStore
from redis import ConnectionPool

from engine.settings import EngineSettings

__all__ = ["SQLiteJobStore", "open_jobstore"]

JOBS_KEY = "replycrew:digest:jobs"
RUN_TIMES_KEY = "replycrew:digest:run_times"


class SQLiteJobStore(BaseJobStore):  # type: ignore[misc]
    """Digest jobs in one SQLite table: id, next run time (UTC seconds) and the pickled job."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.executescript(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA busy_timeout=5000;
            CREATE TABLE IF NOT EXISTS digest_jobs (
                id TEXT PRIMARY KEY, next_run_time REAL, job_state BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS digest_jobs_next ON digest_jobs (next_run_time);
            """
        )

    def lookup_job(self, job_id: str) -> Job | None:
        row = self._db.execute("SELECT job_state FROM digest_jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else self._job(row[0])

    def get_due_jobs(self, now: datetime) -> list[Job]:
        return self._jobs("WHERE next_run_time <= ?", (now.timestamp(),))

    def get_next_run_time(self) -> datetime | None:
        row = self._db.execute(
            "SELECT MIN(next_run_time) FROM digest_jobs WHERE next_run_time IS NOT NULL").fetchone()
        return None if row is None or row[0] is None else datetime.fromtimestamp(row[0], UTC)

    def get_all_jobs(self) -> list[Job]:
        jobs = self._jobs("", ())
        self._fix_paused_jobs_sorting(jobs)
        return jobs

    def add_job(self, job: Job) -> None:
        try:
            self._db.execute("INSERT INTO digest_jobs (id, next_run_time, job_state) VALUES (?, ?, ?)",
                             (job.id, _timestamp(job.next_run_time), _dump(job)))
        except sqlite3.IntegrityError as exc:
            raise ConflictingIdError(job.id) from exc

    def update_job(self, job: Job) -> None:
        cursor = self._db.execute("UPDATE digest_jobs SET next_run_time = ?, job_state = ? WHERE id = ?",
                                  (_timestamp(job.next_run_time), _dump(job), job.id))
        if cursor.rowcount == 0:
            raise JobLookupError(job.id)

    def remove_job(self, job_id: str) -> None:
        cursor = self._db.execute("DELETE FROM digest_jobs WHERE id = ?", (job_id,))
        if cursor.rowcount == 0:
            raise JobLookupError(job_id)

    def remove_all_jobs(self) -> None:
        self._db.execute("DELETE FROM digest_jobs")

    def shutdown(self) -> None:
        self._db.close()

    def _jobs(self, where: str, params: tuple[Any, ...]) -> list[Job]:
        rows = self._db.execute(
            f"SELECT id, job_state FROM digest_jobs {where} ORDER BY next_run_time", params).fetchall()
        jobs = []
        for job_id, state in rows:
            try:
                jobs.append(self._job(state))
            except Exception:  # a job whose code moved away must not stop the others
                self._logger.exception("Unable to restore digest job %s; removing it", job_id)
                self._db.execute("DELETE FROM digest_jobs WHERE id = ?", (job_id,))
        return jobs

    def _job(self, state: bytes) -> Job:
        job = Job.__new__(Job)
        job.__setstate__(pickle.loads(state))
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

    def __repr__(self) -> str:
        return f"<SQLiteJobStore {self.path}>"


def _dump(job: Job) -> bytes:
    return pickle.dumps(job.__getstate__(), pickle.HIGHEST_PROTOCOL)


def _timestamp(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def open_jobstore(settings: EngineSettings) -> BaseJobStore:
    """Redis when REDIS_URL/REDIS_HOST is set (shared by every process), else DATA_DIR/jobs.sqlite3."""
    dsn = settings.redis_dsn
    if dsn:
        pool = ConnectionPool.from_url(dsn, socket_connect_timeout=1.0, socket_timeout=2.0)
        return RedisJobStore(jobs_key=JOBS_KEY, run_times_key=RUN_TIMES_KEY, connection_pool=pool)
    return SQLiteJobStore(settings.data_dir / "jobs.sqlite3")
