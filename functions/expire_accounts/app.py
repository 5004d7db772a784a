"""Lambda handler: the scheduled sweep that deletes pending accounts past their 3-month deadline."""

from ent_accounts.flows.expiry import sweep_expired_accounts
from ent_accounts.observability import logger
from ent_accounts.services import services


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    summary = sweep_expired_accounts(services(), request_id=context.aws_request_id).as_dict()
    logger.info("expired accounts swept", extra=summary)
    return summary
