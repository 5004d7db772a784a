import pytest

from tests.support.server import start_server


@pytest.fixture(scope="module")
def server():
    started = start_server()
    yield started
    started.stop()
