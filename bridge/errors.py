"""The bridge's own errors, beside those of the WordPress layer."""


class BridgeError(Exception):
    """Base of the errors the bridge raises on purpose."""


class ConfigError(BridgeError):
    """A setting is missing or wrong; the message names it and says how to fix it."""
