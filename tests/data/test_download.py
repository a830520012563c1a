"""Problems downloaded on demand, from a local HTTP server (never the internet)."""

import http.server
import io
import threading
import zipfile

import numpy as np
import pytest

from tsevo.data.datasets import shipped_data_dir
from tsevo.datasets import cache_dir, load_tser, load_ucr


class ArchiveServer:
    """Serves ``/NAME.zip`` from ``files``; ``truncate`` sends half of a file
    while announcing all of it, as a dropped connection does."""

    def __init__(self):
        self.files, self.requests, self.truncate = {}, [], set()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if self.path in server.truncate else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{name}}.zip"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def archive(tmp_path, monkeypatch):
    server = ArchiveServer()
    monkeypatch.setenv("TSEVO_DATA_URL", server.url)
    monkeypatch.setenv("TSEVO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TSEVO_DATA", "")
    yield server
    server.httpd.shutdown()


def zipped(name: str, source: str, folder: bool = True) -> bytes:
    """A zip in the archive's layout holding aeon's copy of ``source`` under ``name``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for split in ("TRAIN", "TEST"):
            text = ((shipped_data_dir() / source) / f"{source}_{split}.ts").read_text()
            zf.writestr(f"{name}/{name}_{split}.ts" if folder else f"{name}_{split}.ts", text)
    return buffer.getvalue()


def leftovers() -> list:
    return sorted(p.name for p in cache_dir().iterdir()) if cache_dir().exists() else []


@pytest.mark.parametrize("folder", [True, False], ids=["problem-folder", "flat-zip"])
def test_a_missing_problem_is_downloaded_once_into_the_cache(archive, folder):
    archive.files["/Toy.zip"] = zipped("Toy", "GunPoint", folder)
    X, y, X_test, y_test = load_ucr("Toy")
    assert X.shape == (50, 1, 150) and X_test.shape == (150, 1, 150)
    expected = load_ucr("GunPoint")
    np.testing.assert_array_equal(X, expected[0])
    np.testing.assert_array_equal(y_test, expected[3])
    assert leftovers() == ["Toy"]
    load_ucr("Toy", split="train")
    assert archive.requests == ["/Toy.zip"]  # the second load reads the cache


def test_regression_problems_download_the_same_way(archive):
    archive.files["/Covid.zip"] = zipped("Covid", "Covid3Month")
    X, y = load_tser("Covid", split="train")
    assert y.dtype == np.float64 and len(X) == len(y) == 140


def test_an_interrupted_download_leaves_nothing_behind(archive):
    archive.files["/Toy.zip"] = zipped("Toy", "GunPoint")
    archive.truncate.add("/Toy.zip")
    with pytest.raises(ConnectionError, match="'Toy'"):
        load_ucr("Toy")
    assert leftovers() == []


def test_a_corrupt_zip_is_a_clear_error_and_leaves_nothing_behind(archive):
    archive.files["/Toy.zip"] = b"PK\x03\x04 this is not a zip archive"
    with pytest.raises(ValueError, match="'Toy'.*not a valid zip"):
        load_ucr("Toy")
    assert leftovers() == []


def test_a_zip_without_the_problem_is_refused(archive):
    archive.files["/Toy.zip"] = zipped("Other", "GunPoint")
    with pytest.raises(FileNotFoundError, match="Toy_TRAIN.ts"):
        load_ucr("Toy")
    assert leftovers() == []


def test_a_problem_the_archive_lacks_names_the_folders_searched(archive, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"'Nope' not found locally \(searched .*cache.*\) nor at http"):
        load_ucr("Nope", data_dir=tmp_path)
    assert archive.requests == ["/Nope.zip"]


def test_download_false_never_asks_the_archive(archive):
    archive.files["/Toy.zip"] = zipped("Toy", "GunPoint")
    with pytest.raises(FileNotFoundError, match="download=False"):
        load_ucr("Toy", download=False)
    assert archive.requests == []


def test_local_folders_come_before_the_cache_and_the_archive(archive, tmp_path):
    (tmp_path / "Toy").mkdir()
    for split in ("TRAIN", "TEST"):
        source = (shipped_data_dir() / "ArrowHead") / f"ArrowHead_{split}.ts"
        (tmp_path / "Toy" / f"Toy_{split}.ts").write_text(source.read_text())
    X, _ = load_ucr("Toy", split="train", data_dir=tmp_path)
    assert X.shape[-1] == 251 and archive.requests == []
