"""Lambda handler: the logout queue's consumer (its SQS event source, see template.yaml). Each notice tells one client
that a session it was signed in through has ended; the work is done in the shared layer."""

from ent_accounts.flows.logout_notifications import deliver_queued_notice
from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.queues import process_batch
from ent_accounts.services import services


@logger.inject_lambda_context(clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    return process_batch(event, lambda message: deliver_queued_notice(services(), message))
