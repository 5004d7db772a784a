"""A sam local container without its local endpoints refuses to run, rather than reach real AWS."""

import pytest

from ent_accounts.local_aws_guard import ENDPOINTS, RealAwsRefused, refuse_real_aws_under_sam_local

SAM_CONTAINER = {"AWS_SAM_LOCAL": "true", "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
LOCAL = {name: "http://host.docker.internal:8000" for name in ENDPOINTS}


@pytest.mark.parametrize("blank", ENDPOINTS)
def test_a_sam_local_container_without_an_endpoint_is_refused(blank):
    with pytest.raises(RealAwsRefused, match=blank):
        refuse_real_aws_under_sam_local({**SAM_CONTAINER, **LOCAL, blank: ""})  # SAM's value of an unset variable


def test_an_endpoint_of_aws_itself_is_refused_too():
    real = "https://dynamodb.eu-west-3.amazonaws.com"
    with pytest.raises(RealAwsRefused, match="AWS_ENDPOINT_URL_DYNAMODB"):
        refuse_real_aws_under_sam_local({**SAM_CONTAINER, **LOCAL, "AWS_ENDPOINT_URL_DYNAMODB": real})


def test_local_endpoints_or_an_explicit_request_for_real_aws_pass():
    refuse_real_aws_under_sam_local({**SAM_CONTAINER, **LOCAL})
    refuse_real_aws_under_sam_local({**SAM_CONTAINER, "SAM_LOCAL_REAL_AWS": "true"})


def test_aws_itself_and_the_local_server_are_not_concerned():
    refuse_real_aws_under_sam_local({"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"})  # Lambda: no AWS_SAM_LOCAL
    refuse_real_aws_under_sam_local({"AWS_SAM_LOCAL": "true"})  # make run: no runtime API, AWS embedded
