"""The documentation site builds with warnings as errors (``make docs`` executes the
notebooks too; here they are not re-run, since the test command runs them with nbmake)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_documentation_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("pydata_sphinx_theme")
    source = tmp_path / "docs"
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns("_build", "generated", "notebooks"))
    shutil.copytree(DOCS.parent / "notebooks", tmp_path / "notebooks")  # conf.py reads ../notebooks
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "nb_execution_mode=off", str(source), str(tmp_path / "html")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    index = (tmp_path / "html" / "index.html").read_text()
    assert "EA-DC-Transformer" in index and "user_guide/benchmarking.html" in index
    api = (tmp_path / "html" / "generated" / "tsevo.EADCTransformerClassifier.html").read_text()
    assert "deviation_channels" in api and "random_state" in api  # the table's parameters reach the page
