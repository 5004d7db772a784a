"""Shared fixtures: paths, a fake AWS environment, the frozen clock, and the two DynamoDB backends."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]

# Before boto3 is imported anywhere: no real credentials and no real AWS, ever.
from tests.support.fake_aws import use_fake_aws  # noqa: E402 (after the path is set)

use_fake_aws()

pytest_plugins = ["tests.support.fixtures", "tests.support.live_fixtures"]
