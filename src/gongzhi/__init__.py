"""gongzhi (共治): community environment co-governance platform."""

__version__ = "0.1.0"
