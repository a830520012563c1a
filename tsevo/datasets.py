"""Public loaders of UEA/UCR classification and TSER regression problems."""

from tsevo.data.datasets import default_data_dirs, find_ts_file, load_ts, load_tser, load_uea

__all__ = ["default_data_dirs", "find_ts_file", "load_ts", "load_tser", "load_uea"]
