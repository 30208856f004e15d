"""The one base of refusals that users read: a rule said no, and the message says why.

Each app raises its own subclass (RegistryError, ExchangeError…); the API answers any of
them with 400 and the message, the pages show the message. No Django import: the CLI and
the exchange raise them too.
"""


class Refused(Exception):
    """A change the rules refuse; `str(error)` is the reason, for the user."""
