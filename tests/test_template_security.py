"""The security posture of template.yaml: least-privilege IAM, admin routes behind IAM, encryption, point-in-time
recovery, log retention. Each check runs on the real template and on an example it must catch."""

from __future__ import annotations

import pytest

from local import template
from tests.support import posture

SOURCE = template.load()


def test_no_wildcard_action_in_any_policy_sam_generates_or_we_write():
    assert posture.wildcard_actions(posture.transformed()["Resources"]) == []


def test_no_policy_on_every_resource():
    assert posture.wildcard_resources(posture.transformed()["Resources"]) == []


def test_roles_carry_only_the_logs_and_traces_managed_policies():
    assert posture.unexpected_managed_policies(posture.transformed()["Resources"]) == []


def test_services_let_into_our_topic_and_queue_are_bound_to_this_account():
    assert posture.unconditioned_service_principals(posture.transformed()["Resources"]) == []


def test_mail_can_leave_only_from_the_sender_identity_through_the_stacks_configuration_set():
    statements = [
        statement
        for _, statement in posture._statements(posture.transformed()["Resources"])
        if "ses:" in str(statement["Action"])
    ]
    assert statements and all(statement["Action"] == "ses:SendEmail" for statement in statements)
    resources = {str(resource) for statement in statements for resource in posture._as_list(statement["Resource"])}
    assert resources == {
        str({"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}"}),
        str(
            {
                "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
                "${MailConfigurationSet}"
            }
        ),
    }


def test_only_the_password_reset_function_uses_the_mail_queue_and_only_as_it_must():
    """It sends to the queue and takes its batches (what the AWS managed policy for SQS event sources allows on every
    queue of the account is granted here on this queue only); no other role may touch it."""
    mail_queue = str({"Fn::GetAtt": ["MailQueue", "Arn"]})
    granted = {
        (logical_id, action)
        for logical_id, statement in posture._statements(posture.transformed()["Resources"])
        if mail_queue in [str(resource) for resource in posture._as_list(statement.get("Resource"))]
        for action in posture._as_list(statement["Action"])
    }
    actions = {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    assert granted == {("PasswordResetFunctionRole", action) for action in actions}


def test_the_logout_queue_is_filled_by_the_functions_that_end_sessions_and_taken_by_its_consumer_only():
    logout_queue = str({"Fn::GetAtt": ["LogoutQueue", "Arn"]})
    granted = {
        (logical_id, action)
        for logical_id, statement in posture._statements(posture.transformed()["Resources"])
        if logout_queue in [str(resource) for resource in posture._as_list(statement.get("Resource"))]
        for action in posture._as_list(statement["Action"])
    }
    consumer = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    producers = posture.session_ending_functions()
    assert "AccountFunction" in producers
    assert granted == {(f"{name}Role", "sqs:SendMessage") for name in producers} | {
        ("LogoutNotificationsFunctionRole", action) for action in consumer
    }


def test_the_logout_consumer_may_read_the_table_and_sign_but_never_write_or_mail():
    consumer = SOURCE["Resources"]["LogoutNotificationsFunction"]["Properties"]
    assert {"DynamoDBReadPolicy": {"TableName": {"Ref": "AccountsTable"}}} in consumer["Policies"]
    actions = {
        action
        for logical_id, statement in posture._statements(posture.transformed()["Resources"])
        if logical_id == "LogoutNotificationsFunctionRole" and statement.get("Effect") == "Allow"
        for action in posture._as_list(statement["Action"])
    }
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    # It signs the logout tokens through the managed policy the OIDC function has too (kms:Sign, the signing key only).
    assert {"Ref": "TokenSigningPolicy"} in consumer["Policies"]
    assert not actions & writes and not any(a.startswith(("ses:", "kms:")) for a in actions)


def test_admin_routes_are_iam_authorised():
    assert posture.unauthorised_admin_routes(SOURCE) == []


def test_no_deployed_function_believes_it_is_served_locally():
    """An unsigned admin request (caller `local`) holds every school only where AWS_SAM_LOCAL says the functions run
    on a developer's machine (flows/iam_grants.py): the template must never set it, for any function."""
    variables = SOURCE["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    assert "AWS_SAM_LOCAL" not in variables
    for logical_id, function in template.functions().items():
        assert "AWS_SAM_LOCAL" not in function.environment, logical_id


def test_only_functions_that_mail_may_send_mail():
    senders = {
        logical_id
        for logical_id, resource in SOURCE["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and {"Ref": "MailSendingPolicy"} in resource["Properties"].get("Policies", [])
    }
    assert senders == {
        "FirstConnectionFunction",
        "ValidateEmailFunction",
        "AccountFunction",
        "PasswordResetFunction",
        "ExpireAccountsFunction",
        "AdminFunction",  # the notice to a validated address after a school's reset
        "SchoolConsoleFunction",  # the same notice, after a reset from the console
    }


# Import the code that derives outbox link codes, but never run it: the OpenAPI function builds the document from
# every router; the sweep's reminders carry a random code of their own (flows/expiry.py).
LINK_KEY_IMPORTED_ONLY = {"OpenApiFunction", "ExpireAccountsFunction"}


def test_every_function_that_derives_a_mail_link_code_may_use_the_link_key():
    """A handler whose imports reach code calling `services.link_key` (KMS GenerateMac with MailLinkKey) holds
    MailLinkPolicy: without it the address change or the validation mail fails with AccessDenied in AWS, which moto
    does not check."""
    from tests.unit.test_architecture import ROOT, graph, modules

    known, edges = modules(ROOT), graph(ROOT)
    derivers = {name for name, path in known.items() if "link_key." in path.read_text(encoding="utf-8")}
    missing = []
    for logical_id, resource in SOURCE["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function" or logical_id in LINK_KEY_IMPORTED_ONLY:
            continue
        handler = "functions." + resource["Properties"]["CodeUri"].strip("/").split("/")[-1] + ".app"
        reached, stack = set(), [handler]
        while stack:
            name = stack.pop()
            if name not in reached:
                reached.add(name)
                stack.extend(edges.get(name, ()))
        if reached & derivers and {"Ref": "MailLinkPolicy"} not in resource["Properties"].get("Policies", []):
            missing.append(logical_id)
    assert derivers and missing == []


def test_the_staff_secrets_key_is_used_only_with_a_member_as_encryption_context():
    """Every statement letting a function use StaffSecretsKey requires the encryption context to be the member's id:
    ForAllValues:StringEquals alone would also let a call with no context at all through (it holds for an empty
    set), so a Null condition requires one."""
    statements = [
        statement
        for resource in SOURCE["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
        for policy in resource["Properties"].get("Policies", [])
        if isinstance(policy, dict)
        for statement in policy.get("Statement", [])
        if statement.get("Resource") == {"Fn::GetAtt": ["StaffSecretsKey", "Arn"]}
    ]
    assert statements
    for statement in statements:
        condition = statement["Condition"]
        assert condition["ForAllValues:StringEquals"] == {"kms:EncryptionContextKeys": ["staff_member"]}
        assert condition["Null"] == {"kms:EncryptionContextKeys": "false"}


def test_the_table_is_encrypted_recoverable_retained_and_protected_in_prod():
    assert posture.table_problems(SOURCE) == []


def test_queues_are_encrypted():
    assert posture.unencrypted_queues(SOURCE) == []


def test_every_function_has_a_log_group_with_retention():
    assert posture.functions_without_log_retention(SOURCE) == []


# --- each check catches what it is for ----------------------------------------------------------------------------


def _role(*statements, managed=()):
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "ManagedPolicyArns": list(managed),
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}],
        },
    }


def test_the_iam_checks_catch_wildcards_broad_managed_policies_and_open_service_principals():
    resources = {
        "Role": _role(
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:::table/t"},
            {"Effect": "Allow", "Action": ["ses:SendEmail"], "Resource": "*"},
            managed=["arn:aws:iam::aws:policy/AdministratorAccess"],
        ),
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "PolicyDocument": {
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sns:Publish"}
                    ]
                }
            },
        },
    }
    assert posture.wildcard_actions(resources) == ["Role: dynamodb:*"]
    assert posture.wildcard_resources(resources) == ["Role: ['ses:SendEmail'] on *"]
    assert posture.unexpected_managed_policies(resources) == ["Role: arn:aws:iam::aws:policy/AdministratorAccess"]
    assert posture.unconditioned_service_principals(resources) == ["TopicPolicy: ses.amazonaws.com"]


@pytest.mark.parametrize(
    ("auth", "default", "open_routes"),
    [
        (None, None, ["Create: POST /api/admin/accounts"]),
        ({"Authorizer": "NONE"}, "AWS_IAM", ["Create: POST /api/admin/accounts"]),
        ({"Authorizer": "AWS_IAM"}, None, []),
        (None, "AWS_IAM", []),
    ],
)
def test_the_admin_check_catches_a_route_anyone_could_call(auth, default, open_routes):
    route = {"RestApiId": {"Ref": "Api"}, "Path": "/api/admin/accounts", "Method": "post"}
    event = {"Type": "Api", "Properties": route}
    if auth:
        event["Properties"]["Auth"] = auth
    api = {"Type": "AWS::Serverless::Api", "Properties": {"Auth": {"DefaultAuthorizer": default}} if default else {}}
    function = {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"Create": event}}}
    assert posture.unauthorised_admin_routes({"Resources": {"Api": api, "AdminFunction": function}}) == open_routes


def test_the_storage_checks_catch_an_unprotected_table_a_plain_queue_and_logs_kept_forever():
    source = {
        "Resources": {
            "AccountsTable": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "FnLogGroup": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Fn}"}},
            },
        }
    }
    assert len(posture.table_problems(source)) == 5
    assert posture.unencrypted_queues(source) == ["Queue"]
    assert posture.functions_without_log_retention(source) == ["Fn"]
