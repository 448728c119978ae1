"""Error hierarchy. The library raises these and never prints; the CLI maps them to
exit codes and two short stderr lines (message + hint), the web app to 4xx JSON."""

from __future__ import annotations


class PoseCoachError(Exception):
    """Base class: every expected failure carries a short message and a hint."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class InputError(PoseCoachError):
    """The input (video, image, camera, upload) cannot be used."""

    exit_code = 2


class ModelError(PoseCoachError):
    """No usable pose model could be found or provisioned."""

    exit_code = 3


class ConfigError(PoseCoachError):
    """A setting or argument is invalid."""

    exit_code = 4


class OutputError(PoseCoachError):
    """The outputs cannot be written where asked (read-only, full, too long a path, or a
    folder holding files PoseCoach did not write, which it never replaces)."""

    exit_code = 5


class QueueUnavailable(PoseCoachError):
    """The job queue's server cannot be reached (uploads then get a 503; nothing is lost)."""

    exit_code = 6
