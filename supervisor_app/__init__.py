"""Coaching Supervisor: offline supervision of an internal leadership-coaching program."""

__version__ = "0.1.0"
APP_NAME = "Coaching Supervisor"
