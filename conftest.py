"""Root pytest set-up shared by tests/, the doctests in tsevo/ and the notebooks."""

import os
import tempfile

# aeon's loaders write to ~/aeon_data unless told otherwise: keep every run self-contained
os.environ.setdefault("AEON_DATA", tempfile.mkdtemp(prefix="tsevo-aeon-"))
