"""Powertools logger shared by every function: JSON lines, correlation id = API Gateway request id."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from ent_accounts.settings import current_telemetry

# The service name, level and DEBUG sampling come from template.yaml (settings.Telemetry). The log never holds a
# secret: events are not logged (they carry passwords), and no code logs a request body.
_telemetry = current_telemetry()
logger = Logger(
    service=_telemetry.service_name,
    level=_telemetry.log_level,
    sampling_rate=_telemetry.log_sample_rate,
    log_uncaught_exceptions=True,
)
