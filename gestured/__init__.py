"""gestured: a webcam hand-gesture daemon."""

__version__ = "0.1.0"
