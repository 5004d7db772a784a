"""What ops rely on in template.yaml and samconfig.toml: alarms that ring for every function, a dashboard that
parses, retries and a failure queue for background work, throttling, and a README that documents what is there."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from local import template
from tests.support import posture

ROOT = Path(__file__).resolve().parent.parent
SOURCE = template.load()
RESOURCES = SOURCE["Resources"]
FUNCTIONS = sorted(template.functions())
README = (ROOT / "README.md").read_text(encoding="utf-8")


# An alarm sums at most 10 metrics (CloudWatch's limit): the functions serving the API are in two pairs of alarms (the
# first ten, then the school staff's console), those doing background work in another.
ERRORS_ALARMS = ("FunctionErrorsAlarm", "ConsoleFunctionErrorsAlarm", "BackgroundFunctionErrorsAlarm")
THROTTLES_ALARMS = ("FunctionThrottlesAlarm", "ConsoleFunctionThrottlesAlarm", "BackgroundFunctionThrottlesAlarm")


def test_every_function_is_in_one_errors_alarm_and_one_throttles_alarm():
    alarms = posture.alarms(SOURCE)
    for names in (ERRORS_ALARMS, THROTTLES_ALARMS):
        watched = [posture.alarmed_functions(alarms[name]) for name in names]
        assert set().union(*watched) == set(FUNCTIONS), names
        assert sum(len(functions) for functions in watched) == len(FUNCTIONS), names  # each function once
        for name in names:
            assert len([query for query in alarms[name]["Metrics"] if "MetricStat" in query]) <= 10, name
    api, console, background = (posture.alarmed_functions(alarms[name]) for name in ERRORS_ALARMS)
    assert api | console == {name for name in FUNCTIONS if template.functions()[name].routes}
    assert background == {name for name in FUNCTIONS if not template.functions()[name].routes}
    for errors, throttles in zip(ERRORS_ALARMS, THROTTLES_ALARMS, strict=True):
        assert posture.alarmed_functions(alarms[errors]) == posture.alarmed_functions(alarms[throttles])


def test_the_alarm_check_notices_a_function_left_out_of_the_sum():
    alarm = {
        "Metrics": [
            {"Id": "total", "Expression": "SUM([a])"},
            *(
                {"Id": query_id, "MetricStat": {"Metric": {"Dimensions": [{"Name": "FunctionName", "Value": ref}]}}}
                for query_id, ref in (("a", {"Ref": "AFunction"}), ("b", {"Ref": "BFunction"}))
            ),
        ]
    }
    assert posture.alarmed_functions(alarm) == {"AFunction"}


def test_the_alarms_ops_asked_for_exist_and_mail_the_alarm_topic():
    alarms = posture.alarms(SOURCE)
    watched = {(alarm.get("Namespace"), alarm.get("MetricName")) for alarm in alarms.values()}
    assert {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),  # the sweep or a mail event failed every retry
        ("EntAccounts", "AccountsExpired"),  # the sweep deleted an unusual number of accounts
        ("EntAccounts", "MailsFailed"),
        ("AWS/SES", "Reputation.BounceRate"),
        ("AWS/SES", "Reputation.ComplaintRate"),
    } <= watched
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name  # quiet nights are not incidents
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail" and subscription["Properties"]["Endpoint"] == {
        "Ref": "AlarmEmail"
    }


def test_the_metric_alarms_read_the_names_and_dimensions_the_code_writes():
    from ent_accounts import metrics

    for alarm in posture.alarms(SOURCE).values():
        if alarm.get("Namespace") == "EntAccounts":
            assert alarm["MetricName"] in metrics.ALL
            assert {d["Name"] for d in alarm["Dimensions"]} == {"service", "stage"}


def test_the_dashboard_parses_and_shows_every_function_and_alarm():
    body = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    assert {widget["type"] for widget in dashboard["widgets"]} == {"alarm", "metric"}
    for function in FUNCTIONS:
        assert f'"${{{function}}}"' in body, function
    for alarm in posture.alarms(SOURCE):
        assert f"${{{alarm}.Arn}}" in body, alarm
    from ent_accounts import metrics

    assert all(f'"{name}"' in body for name in metrics.ALL)


def test_the_sweep_retries_runs_alone_and_its_failures_are_kept():
    sweep = RESOURCES["ExpireAccountsFunction"]["Properties"]
    assert sweep["ReservedConcurrentExecutions"] == {
        "Fn::If": ["HasSweepConcurrency", {"Ref": "SweepReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    queue_arn = {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    assert sweep["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert sweep["EventInvokeConfig"]["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": queue_arn}
    schedule = sweep["Events"]["Daily"]["Properties"]
    assert schedule["RetryPolicy"]["MaximumRetryAttempts"] > 0 and schedule["DeadLetterConfig"] == {"Arn": queue_arn}
    # EventBridge may write to the queue only for this rule (its name is fixed so the policy can say so).
    assert schedule["Name"]["Fn::Sub"] in scheduled_dead_letter_rules()


def scheduled_dead_letter_rules() -> list[str]:
    """The rules whose failed events EventBridge may put in the failed-events queue (one statement each)."""
    statements = RESOURCES["FailedEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    rules = []
    for statement in statements:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        rule_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
        rules.append(rule_arn.split(":rule/", 1)[1])
    return rules


def test_the_outbox_sweep_runs_every_five_minutes_on_the_outbox_sender_and_its_failures_are_kept():
    """The mails the stream no longer hands over are swept by the function that sends the outbox (its handler tells
    a schedule from a stream batch), with no permission more; a run that fails its retries is kept in the
    failed-events queue, whose alarm rings."""
    from ent_accounts.outbox import LEASE_SECONDS, SWEEP_AFTER_SECONDS

    function = RESOURCES["PasswordResetFunction"]["Properties"]
    consumer = RESOURCES["OutboxConsumer"]["Properties"]
    assert consumer["FunctionName"] == {"Ref": "PasswordResetFunction"}
    schedule = function["Events"]["OutboxSweep"]
    assert schedule["Type"] == "Schedule" and schedule["Properties"]["Schedule"] == "rate(5 minutes)"
    assert SWEEP_AFTER_SECONDS == 300 and SWEEP_AFTER_SECONDS > LEASE_SECONDS  # a claim it finds has run out
    queue_arn = {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    properties = schedule["Properties"]
    assert properties["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert properties["DeadLetterConfig"] == {"Arn": queue_arn}
    assert properties["Name"]["Fn::Sub"] in scheduled_dead_letter_rules()
    retries = function["EventInvokeConfig"]
    assert retries["DestinationConfig"]["OnFailure"] == {"Type": "SQS", "Destination": queue_arn}
    assert retries["MaximumEventAgeInSeconds"] <= 300  # never older than the next run
    assert template.functions()["PasswordResetFunction"].schedules == ["rate(5 minutes)"]


def test_mail_events_retry_and_keep_their_failures_too():
    function = RESOURCES["MailEventsFunction"]["Properties"]
    assert function["Events"]["MailEvents"] == {"Type": "SNS", "Properties": {"Topic": {"Ref": "MailEventsTopic"}}}
    assert function["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["FailedEventsQueue", "Arn"]
    }
    destination = RESOURCES["MailEventDestination"]["Properties"]["EventDestination"]
    assert sorted(destination["MatchingEventTypes"]) == ["bounce", "complaint"] and destination["Enabled"] is True


def test_queued_mail_is_retried_then_kept_in_the_failed_events_queue():
    """The forgotten-password mail leaves from a queue: Lambda takes it in batches and hands back only the messages
    that failed, which SQS offers again, then moves to the failed-events queue (its alarm rings)."""
    queue = RESOURCES["MailQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]}
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 5  # Lambda's advice: fewer, and throttled batches are lost
    # A dead-letter queue keeps a message for its own retention counted from the first send: it must be longer.
    assert RESOURCES["FailedEventsQueue"]["Properties"]["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    mapping = RESOURCES["MailQueueConsumer"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["MailQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    consumer = RESOURCES[mapping["FunctionName"]["Ref"]]["Properties"]
    timeout = consumer.get("Timeout", SOURCE["Globals"]["Function"]["Timeout"])
    assert queue["VisibilityTimeout"] >= 6 * timeout  # a batch still running is not handed to another container
    # The producer is the consumer: the forgotten-password routes queue, the same function sends.
    assert consumer["Environment"]["Variables"]["MAIL_QUEUE_URL"] == {"Ref": "MailQueue"}
    assert template.functions()[mapping["FunctionName"]["Ref"]].queues == ["MailQueue"]


def test_logout_notices_are_retried_about_five_minutes_then_kept_in_the_failed_events_queue():
    """A client that is down is tried 5 times, a visibility timeout (a minute) apart, then its notice waits 14 days in
    the failed-events queue (its alarm rings); one notice per invocation, so a slow client delays only its own."""
    queue = RESOURCES["LogoutQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["FailedEventsQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] == 86400
    assert RESOURCES["FailedEventsQueue"]["Properties"]["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    mapping = RESOURCES["LogoutQueueConsumer"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["LogoutQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and mapping["BatchSize"] == 1
    consumer = RESOURCES[mapping["FunctionName"]["Ref"]]["Properties"]
    from ent_accounts.sso.form_post import TIMEOUT

    assert consumer["Timeout"] >= 2 * TIMEOUT  # the connection and the answer may each wait TIMEOUT
    assert queue["VisibilityTimeout"] == 6 * consumer["Timeout"]
    assert 4 * 60 <= (queue["RedrivePolicy"]["maxReceiveCount"] - 1) * queue["VisibilityTimeout"] <= 6 * 60
    assert template.functions()[mapping["FunctionName"]["Ref"]].queues == ["LogoutQueue"]
    mappings = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    sources = sorted(m["EventSourceArn"]["Fn::GetAtt"][0] for m in mappings)
    assert sources == ["AccountsTable", "LogoutQueue", "MailQueue"]  # the table's stream: the outbox


def test_the_functions_that_end_sessions_know_the_logout_queue():
    """Every route that ends a session queues a notice per client it was signed in to."""
    ending = posture.session_ending_functions()
    assert "AccountFunction" in ending  # /api/logout and /deconnexion
    for name in ending:
        assert RESOURCES[name]["Properties"]["Environment"]["Variables"]["LOGOUT_QUEUE_URL"] == {"Ref": "LogoutQueue"}


def test_every_mail_goes_through_the_configuration_set():
    assert SOURCE["Globals"]["Function"]["Environment"]["Variables"]["MAIL_CONFIGURATION_SET"] == {
        "Ref": "MailConfigurationSet"
    }


def test_the_api_stage_is_throttled_and_traced():
    api = RESOURCES["Api"]["Properties"]
    [settings] = api["MethodSettings"]
    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    assert api["TracingEnabled"] is True and SOURCE["Globals"]["Function"]["Tracing"] == "Active"


def test_debug_log_sampling_is_wired_to_its_parameter():
    variables = SOURCE["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_LOGGER_SAMPLE_RATE"] == {"Ref": "DebugLogSampleRate"}
    parameter = SOURCE["Parameters"]["DebugLogSampleRate"]
    assert 0 <= parameter["Default"] <= 1 and (parameter["MinValue"], parameter["MaxValue"]) == (0, 1)


def test_every_parameter_has_a_description_and_prod_refuses_the_example_settings():
    for name, parameter in SOURCE["Parameters"].items():
        assert parameter.get("Description"), name
    assertions = SOURCE["Rules"]["ProductionSettings"]["Assertions"]
    refused = [assertion["Assert"]["Fn::Not"][0]["Fn::Equals"] for assertion in assertions]
    assert [{"Ref": "MailIdentity"}, "ent.example.fr"] in refused and [{"Ref": "AlarmEmail"}, ""] in refused
    assert [{"Ref": "PublisherName"}, ""] in refused and [{"Ref": "PublisherContact"}, ""] in refused


def test_samconfig_deploys_dev_and_prod_in_paris_and_confirms_prod_changes():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    for env in ("dev", "prod"):
        deploy = config[env]["deploy"]["parameters"]
        overrides = dict(item.split("=", 1) for item in deploy["parameter_overrides"])
        assert deploy["stack_name"] == f"ent-accounts-{env}" and deploy["region"] == "eu-west-3"
        assert deploy["resolve_s3"] is True and deploy["capabilities"] == "CAPABILITY_IAM"
        assert overrides["Stage"] == env and overrides["Environment"] == env
        assert set(overrides) <= set(SOURCE["Parameters"])
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True


def _readme_section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_the_readme_deploy_section_lists_every_parameter_and_output():
    section = _readme_section("Deploying")
    documented = set(re.findall(r"^\| (?:\*\*)?`(\w+)`(?:\*\*)? \|", section, re.M))
    assert set(SOURCE["Parameters"]) <= documented
    assert set(SOURCE["Outputs"]) - {f"{function}Name" for function in FUNCTIONS} <= documented
    assert "<Function>Name" in section or "FunctionName" in section  # the function-name outputs, as one line
    for alarm in posture.alarms(SOURCE):
        assert alarm in section, alarm
    assert "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html" in section
    assert "sam build && sam deploy --guided --config-env dev" in section


def test_prod_is_deployed_with_the_stage_throttle_an_academie_s_morning_needs():
    """The template's default stage throttle (100 requests/s) would refuse 9 requests in 10 at 8 a.m. in September
    (≈ 1,350/s, BENCHMARKS.md): prod is deployed with twice the peak."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    overrides = dict(item.split("=", 1) for item in config["prod"]["deploy"]["parameters"]["parameter_overrides"])
    assert int(overrides["ApiRateLimit"]) >= 2 * 1350 and int(overrides["ApiBurstLimit"]) >= int(
        overrides["ApiRateLimit"]
    )
