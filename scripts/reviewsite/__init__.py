"""reviewsite: one review and its literature, as a browsable, citable static site."""

__version__ = "0.1.0"
