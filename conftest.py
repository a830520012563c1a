"""Session-wide settings for the tests, the doctests and the notebooks: nothing
is written to the user's folders and nothing is downloaded from the internet."""

import os
import tempfile


def pytest_configure(config):
    scratch = tempfile.mkdtemp(prefix="tsevo-tests-")
    os.environ["AEON_DATA"] = os.path.join(scratch, "aeon_data")
    os.environ["TSEVO_CACHE"] = os.path.join(scratch, "cache")
    # a problem missing from every folder fails at once instead of reaching the archive
    os.environ["TSEVO_DATA_URL"] = "http://127.0.0.1:9/{name}.zip"
