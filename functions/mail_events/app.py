"""Lambda handler: SES bounce and complaint events (through SNS) mark the address undeliverable on its account."""

import json
from collections import Counter

from ent_accounts.flows.mail_events import record_mail_event
from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.services import services


@logger.inject_lambda_context(clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    outcomes: Counter[str] = Counter()
    for record in event["Records"]:
        # An error propagates: Lambda retries the event, then sends it to the failed-events queue (template.yaml).
        outcomes += record_mail_event(services(), json.loads(record["Sns"]["Message"]), context.aws_request_id)
    logger.info("mail events handled", extra=dict(outcomes))
    return dict(outcomes)
