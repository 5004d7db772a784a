"""Lambda handler: the school staff's console, /etablissement (see template.yaml); the work is in the shared layer."""

from aws_lambda_powertools.logging import correlation_paths

from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.web.api import create_app, handle
from ent_accounts.web.routes.school_console import router

app = create_app(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    return handle(app, event, context)
