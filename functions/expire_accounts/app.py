"""Lambda handler: the scheduled sweep that deletes pending accounts past their 3-month deadline."""

from ent_accounts.flows.expiry import sweep_expired_accounts
from ent_accounts.links import Links
from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.services import services


@logger.inject_lambda_context(clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    current = services()
    # Reminders carry a link, and a scheduled run has no request to take the service's URL from.
    links = Links(current.settings.public_base_url or current.settings.api_url)
    summary = sweep_expired_accounts(current, context.aws_request_id, links).as_dict()
    logger.info("expired accounts swept", extra=summary)
    return summary
