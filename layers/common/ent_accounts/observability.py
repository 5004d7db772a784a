"""Powertools logger shared by every function: JSON lines, correlation id = API Gateway request id."""

from __future__ import annotations

from aws_lambda_powertools import Logger

# POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL come from template.yaml. The log never holds a secret:
# events are not logged (they carry passwords), and no code logs a request body.
logger = Logger(service="ent-accounts", log_uncaught_exceptions=True)
