# The live-updates app's granian fixtures (stream/tests/conftest.py) for the streaming tests.
from stream.tests.conftest import stream_server, stream_server_factory  # noqa: F401
