"""harness: runs the e-commerce analytics warehouse (migrations, loads, quality, dashboards)."""

__version__ = "0.1.0"
