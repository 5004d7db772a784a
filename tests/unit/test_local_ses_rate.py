"""`python -m local --ses-max-send-rate`: the embedded SES refuses what a production account's sending rate would,
and the outbox's sender, reading the rate from GetAccount, paces its retries to it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.ses_rate import SendingRate


def mail(to: str) -> dict:
    body = {"Text": {"Data": "x"}}
    return {
        "FromEmailAddress": "noreply@ent.example.fr",
        "Destination": {"ToAddresses": [to]},
        "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": body}},
    }


def test_a_send_faster_than_the_rate_is_refused_as_ses_throttles_and_the_rate_is_reported():
    import boto3

    with mock_aws():
        ses = boto3.client("sesv2", region_name="eu-west-3")
        ses.create_email_identity(EmailIdentity="ent.example.fr")
        rate = SendingRate(0.5)  # one mail every 2 s: the second, at once, is refused
        rate.install(ses)
        ses.send_email(**mail("a@laposte.net"))
        with pytest.raises(ClientError) as refused:
            ses.send_email(**mail("b@laposte.net"))
        assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert (rate.accepted, rate.refused) == (1, 1)
        assert ses.get_account()["SendQuota"]["MaxSendRate"] == 0.5

        from ent_accounts.mail import Mailer

        assert Mailer("noreply@ent.example.fr", client=ses).max_send_rate() == 0.5  # what the sender paces to


def test_the_rate_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        SendingRate(0)
