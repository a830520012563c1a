"""The one place where user input becomes arrays: checks, conversion, loaders."""

from tsevo.data.validation import ChannelScaler, Panel, check_labels, to_panel

__all__ = ["ChannelScaler", "Panel", "check_labels", "to_panel"]
