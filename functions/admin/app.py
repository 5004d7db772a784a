"""Lambda handler: school routes, the client registry and the grants of IAM callers (/api/admin/…, IAM-authorised,
see template.yaml); the work is done in the layer."""

from aws_lambda_powertools.logging import correlation_paths

from ent_accounts.metrics import publish_metrics
from ent_accounts.observability import logger
from ent_accounts.web.api import create_app, handle
from ent_accounts.web.routes import admin, clients, grants, staff_admin

app = create_app(admin.router, clients.router, grants.router, staff_admin.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@publish_metrics
def lambda_handler(event, context):
    return handle(app, event, context)
