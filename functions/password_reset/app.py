"""Lambda handler: password_reset routes (see template.yaml), and the mail queue they fill (its SQS event source);
the work is done in the shared layer."""

from aws_lambda_powertools.logging import correlation_paths

from ent_accounts.flows.queued_mail import deliver_queued_mail
from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.queues import is_queue_event, process_batch
from ent_accounts.services import services
from ent_accounts.web.api import create_app, handle
from ent_accounts.web.routes.password_reset import router

app = create_app(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    if is_queue_event(event):
        # Forgotten-password mails, queued by POST /api/password/forgot and sent here, off the request path.
        return process_batch(event, lambda message: deliver_queued_mail(services(), message))
    return handle(app, event, context)
