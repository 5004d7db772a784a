"""Lambda handler: password_reset routes (see template.yaml), the mail queue they fill (its SQS event source), and the
outbox's mails (the table's stream: OutboxConsumer; and every 5 minutes the outbox sweep, for the mails the stream
no longer hands over); the work is done in the shared layer."""

from aws_lambda_powertools.logging import correlation_paths

from ent_accounts.flows.outbox import deliver_outbox_mail, sweep_outbox
from ent_accounts.flows.queued_mail import deliver_queued_mail
from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.queues import is_queue_event, process_batch
from ent_accounts.services import services
from ent_accounts.streams import is_scheduled_event, is_stream_event, process_stream_batch
from ent_accounts.web.api import create_app, handle
from ent_accounts.web.routes.password_reset import router

app = create_app(router)
SWEEP_MARGIN_MS = 2000  # the sweep stops trying mails this long before the function's timeout


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    if is_stream_event(event):
        # Validation mails written to the outbox by the transaction of a first connection or a resend.
        current = services()
        deliver = lambda outbox_id: deliver_outbox_mail(current, outbox_id)  # noqa: E731
        return process_stream_batch(event, deliver, current.clock.sleep)
    if is_scheduled_event(event):
        # The outbox sweep: mails still unsent minutes after their creation or their latest attempt.
        out_of_time = lambda: context.get_remaining_time_in_millis() < SWEEP_MARGIN_MS  # noqa: E731
        summary = sweep_outbox(services(), out_of_time).as_dict()
        logger.info("outbox swept", extra=summary)
        return summary
    if is_queue_event(event):
        # Forgotten-password mails, queued by POST /api/password/forgot and sent here, off the request path.
        return process_batch(event, lambda message: deliver_queued_mail(services(), message))
    return handle(app, event, context)
