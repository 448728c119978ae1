"""Where the web app's analysis jobs run, behind one small interface.

The API node always keeps each job's record in its SQLite database (posecoach.web.jobs):
the list, statuses and the history are read from there whatever runs the jobs. A backend
only decides how a queued record gets analysed:

- "local" (the default, nothing to install or run): posecoach.web.worker.Supervisor starts
  worker processes on this machine and they write progress and results to the database.
- "redis://HOST:PORT/DB": posecoach.web.queue_rq.RQBackend enqueues the job on Redis Queue;
  `posecoach worker` processes on any machine run it, and the API node copies what they
  report into its database (it stays the only writer of the history).
"""

from __future__ import annotations

from typing import Protocol

from posecoach.errors import QueueUnavailable  # noqa: F401 - re-exported for api and app
from posecoach.history import HistoryStore
from posecoach.web.jobs import Job, JobQueue
from posecoach.web.settings import ServeSettings


class JobBackend(Protocol):
    def start(self) -> None:
        """Begin running jobs (raises QueueUnavailable when the queue cannot be reached)."""

    def stop(self) -> None:
        """Stop at server shutdown; unfinished jobs run again later (see each backend)."""

    def check_available(self) -> None:
        """Raise QueueUnavailable when a new job could not be queued now."""

    def submit(self, job: Job) -> None:
        """Queue a job whose record was just added (raises QueueUnavailable)."""

    def cancel(self, job_id: str) -> None:
        """Stop a job that is being deleted, if it runs (best effort)."""


def backend_for(settings: ServeSettings, queue: JobQueue, history: HistoryStore) -> JobBackend:
    if settings.queue_url is None:
        from posecoach.web.worker import Supervisor

        return Supervisor(settings, queue)
    from posecoach.web.queue_rq import RQBackend

    return RQBackend(settings, queue, history)
