"""learnwire: personal workplace learning middleware.

Plugins mark their hook implementations with :data:`hookimpl`::

    from learnwire import hookimpl

    @hookimpl
    def register_signal_sources(settings):
        return [MySource(settings)]
"""

import pluggy

__version__ = "0.1.0"

#: Marker for hook implementations; the pluggy project name is ``learnwire``.
hookimpl = pluggy.HookimplMarker("learnwire")

__all__ = ["__version__", "hookimpl"]
