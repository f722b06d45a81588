"""Settings of a scale-out test node (tests/postgres/scale_out.py): the test settings with persistent
database connections, as deployed (the test process itself closes them after each request)."""

from tests.settings import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
