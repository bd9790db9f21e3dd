"""localstripe's modules, imported without the DeprecationWarning aiohttp raises for each of
its plain-function handlers at import time (the loopback serves them as coroutines)."""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Bare functions are deprecated", DeprecationWarning)
    from localstripe import resources, server
    from localstripe.errors import UserError

__all__ = ["UserError", "resources", "server"]
