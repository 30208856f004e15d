"""Test settings: the real settings module, with the environment a test run needs."""

import os
import tempfile

os.environ.setdefault("LIAISON_HTTPS", "0")
os.environ.setdefault("LIAISON_DATA_DIR", tempfile.mkdtemp(prefix="liaison-test-"))
os.environ.setdefault("LIAISON_NODE_ID", "ma")
os.environ.setdefault("LIAISON_LANGUAGE", "en")  # tests read English messages
os.environ.setdefault("LIAISON_AGENCY", "Test service")
os.environ.setdefault("LIAISON_COUNTRY", "MA")
# Pages count the navbar's unread items afresh, so query pins do not depend on test order
# (tests/desk/test_badge_cache.py turns the reuse on).
os.environ.setdefault("LIAISON_DESK_BADGE_SECONDS", "0")
os.environ.setdefault("LIAISON_TASKS_IMMEDIATE", "1")
os.environ.setdefault("LIAISON_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from liaison.settings import *  # noqa: F403

# Argon2 costs about 0.17 s of CPU a password, and most tests make users and sign them in.
# The hashing itself is tested with the node's own hashers (tests/accounts/test_login.py);
# live nodes (tests/federation) run the real settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# In memory: each test process its own, emptied around every test (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Flushing a test database (transactional tests) truncates the audit log, which the
    # append-only trigger refuses unless this is on (liaison/audit/migrations/0002_...).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c liaison.audit_truncate=on"  # noqa: F405

# bench/mutation.py runs the same tests hundreds of times: it keeps the SQLite test database
# in a file between runs (pytest --reuse-db) instead of migrating a new one each time.
if os.environ.get("LIAISON_TEST_SQLITE") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.environ["LIAISON_TEST_SQLITE"]}  # noqa: F405
