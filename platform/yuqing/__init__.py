"""Yuqing (舆情): multi-tenant handling of online public-opinion incidents."""

__version__ = "0.1.0"
