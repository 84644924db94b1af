"""Logging for `cip-graph serve`: one JSON object per line for the log collector (CIP_LOG_FORMAT=json)
or plain text for a terminal, the same for the service's loggers and uvicorn's. A line written while
a GraphQL request runs carries its request id."""

import logging
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from app.observation import observed
from app.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def formatter(log_format: Literal["json", "text"]) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        # uvicorn repeats its messages with terminal colours in `color_message`.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
    )


class RequestIdFilter(logging.Filter):
    """Names the request a line was written for, so a masked error's line leads to its access line."""

    def filter(self, record: logging.LogRecord) -> bool:
        observation = observed()
        if observation is not None and not hasattr(record, "request_id"):
            record.request_id = observation.request_id
        return True


class PrivateAccessFilter(logging.Filter):
    """uvicorn's access lines name the client's address and the query string, in which a GET request
    carries its variables; both may be personal data, so the lines keep neither."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _client, method, path, version, status = record.args
            record.args = ("-", method, str(path).partition("?")[0], version, status)
        return True


def log_config(settings: Settings) -> dict[str, Any]:
    """For logging.config.dictConfig and uvicorn's `log_config`: every logger, uvicorn's included,
    writes through one handler on the root logger."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": formatter, "log_format": settings.log_format}},
        "filters": {"request_id": {"()": RequestIdFilter}, "private_access": {"()": PrivateAccessFilter}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": settings.log_level.upper(), "handlers": ["default"]},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True, "filters": ["private_access"]},
        },
    }
