"""Run a request once per idempotency key (Powertools Idempotency; records in the accounts table, see the store).

The client sends an `Idempotency-Key` (at least 32 random characters, e.g. a UUID). A retry with the same key and
the same body gets the saved answer instead of a second run; the same key with another body is refused. The saved
answer is sealed (sealing.py) with a key derived from the idempotency key, which the table never holds (Powertools
stores only its SHA-256): a copy of the table reveals no provisional password, and the client can still replay.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ent_accounts import sealing
from ent_accounts.errors import IdempotencyKeyReused, InvalidRequest, RequestInProgress
from ent_accounts.services import Services

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
KEEP_HOURS = 24  # a school retrying the next morning still gets its answer, not a second set of accounts
KEY_MESSAGE = "L'en-tête Idempotency-Key doit contenir de 32 à 128 caractères aléatoires (lettres, chiffres, - ou _)."


def checked_key(raw: str | None) -> str:
    key = (raw or "").strip()
    if not KEY_PATTERN.match(key):
        raise InvalidRequest(KEY_MESSAGE, fields={"Idempotency-Key": KEY_MESSAGE})
    return key


def run_once(
    services: Services,
    scope: str,
    key: str,
    payload: Any,
    work: Callable[[], Any],
    lambda_context: Any = None,
) -> Any:
    """`work()`'s answer (JSON-able), computed once per (scope, key) and replayed to retries for KEEP_HOURS."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=KEEP_HOURS * 3600,
        hash_function="sha256",
    )
    if lambda_context is not None:
        # An attempt that dies (timeout) frees the key once its Lambda time is over, instead of after KEEP_HOURS.
        config.register_lambda_context(lambda_context)

    @idempotent_function(
        data_keyword_argument="request",
        persistence_store=services.store.idempotency_layer(scope),
        config=config,
        key_prefix=scope,
    )
    def once(request: dict) -> dict:
        return {"sealed": sealing.seal(key, scope, json.dumps(work(), ensure_ascii=False).encode("utf-8"))}

    try:
        kept = once(request={"key": key, "payload": payload})
    except IdempotencyAlreadyInProgressError:
        raise RequestInProgress() from None
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    return json.loads(sealing.unseal(key, scope, kept["sealed"]))
