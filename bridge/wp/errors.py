"""Errors raised by the WordPress layer."""


class WordPressError(Exception):
    """Base of everything the WordPress layer raises on purpose."""


class DatabaseUnavailable(WordPressError):
    """The database could not be reached, or went away mid-request."""


class DatabaseURLError(WordPressError, ValueError):
    """A database URL the bridge cannot use."""
