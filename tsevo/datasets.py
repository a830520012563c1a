"""Public loaders of UEA/UCR classification and TSER regression problems."""

from tsevo.data.datasets import (
    archive_url,
    cache_dir,
    default_data_dirs,
    download_problem,
    find_ts_file,
    load_ts,
    load_tser,
    load_ucr,
    load_uea,
)

__all__ = [
    "archive_url", "cache_dir", "default_data_dirs", "download_problem", "find_ts_file", "load_ts",
    "load_tser", "load_ucr", "load_uea",
]
