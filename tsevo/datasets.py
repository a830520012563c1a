"""Public loaders of UEA/UCR problems."""

from tsevo.data.datasets import default_data_dirs, find_ts_file, load_ts, load_uea

__all__ = ["default_data_dirs", "find_ts_file", "load_ts", "load_uea"]
