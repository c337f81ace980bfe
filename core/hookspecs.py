"""Every hook learnwire offers. Plugins implement them with ``@learnwire.hookimpl``.

Hooks are always called with keyword arguments, so an implementation may accept fewer
arguments than its spec lists and specs can grow without breaking plugins. Hooks named
``register_<things>`` return a list (possibly empty); learnwire concatenates the lists of
every loaded plugin. Built-in plugins register through the same ``learnwire`` entry-point
group as third-party ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    import flask

    from .config import Settings
    from .delivery import DeliveryChannel, DeliveryGovernance
    from .embedding import Embedder
    from .governance import Governance
    from .intake import IntakeGuard
    from .migrations_source import MigrationSource
    from .periodic import PeriodicTask
    from .personal_data import PersonalDataHolder
    from .ranker.signals import RankingSignal
    from .ranker.variants import VariantResolver
    from .sources import ContentProvider, SignalSource
    from .store import Database

hookspec = pluggy.HookspecMarker("learnwire")


# -- governance --------------------------------------------------------------------------


@hookspec(firstresult=True)
def register_governance(settings: Settings, db: Database) -> Governance | None:
    """Return the governance the host enforces: intake guard, governed views, access checks.

    :param settings: the effective settings.
    :param db: the store, for auditing refusals in their own transaction.
    :returns: a :class:`~learnwire.core.governance.Governance`, or None to leave it to
        another plugin. Stops at first non-None result; learnwire's ``policies`` plugin is
        ``trylast``, so an installed governance plugin wins.

    Called once per runtime, the first time data is taken in or served. Governance is not
    optional: when no plugin returns one (the ``policies`` plugin is not in
    ``LEARNWIRE_PLUGINS_ALLOW``, or failed to load or raised here), the host refuses to
    start ``serve``, ``worker`` or ``beat`` and to take in data, and says why.
    """


# -- intake ------------------------------------------------------------------------------


@hookspec
def register_signal_sources(settings: Settings) -> list[SignalSource]:
    """Return the signal sources this plugin provides.

    :param settings: the effective :class:`~learnwire.core.config.Settings`; read your own
        section with ``settings.plugin_settings("<name>", YourSettings)``.
    :returns: a list of :class:`~learnwire.core.sources.SignalSource` instances, empty when
        the plugin is not configured. Names must be unique across plugins.

    Called once when the plugin manager is built for a sync run, the worker or the CLI.
    """


@hookspec
def register_content_providers(settings: Settings) -> list[ContentProvider]:
    """Return the content providers (catalogues of recommendable items) this plugin offers.

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.sources.ContentProvider` instances.

    Called once when a content sync starts.
    """


@hookspec
def register_intake_guards(settings: Settings) -> list[IntakeGuard]:
    """Return further guards that screen every batch before intake writes it.

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.intake.IntakeGuard`; each may drop fields or
        records and must say why it refused a record.

    Called whenever an :class:`~learnwire.core.intake.Intake` is built (sync runs, HTTP
    intake, the demo loader). They run after the governance's own guard (see
    ``register_governance``), which always runs and cannot be replaced through this hook.
    """


# -- delivery ----------------------------------------------------------------------------


@hookspec
def register_delivery_channels(settings: Settings) -> list[DeliveryChannel]:
    """Return the channels that can bring recommendations to a learner.

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.delivery.DeliveryChannel` instances.

    Called when delivery plans or sends messages (``learnwire delivery run``, the beat task
    and each worker's send task). A channel with no configuration returns nothing.
    """


@hookspec
def register_delivery_governance(settings: Settings) -> list[DeliveryGovernance]:
    """Return the policy's answers for delivery: which planned messages and channels may go,
    and what of a message may leave for a channel's external processor.

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.delivery.DeliveryGovernance`; the first is
        used. Without one, nothing is delivered (fail closed).

    Called when delivery plans or sends. The policy engine implements it.
    """


# -- ranking -----------------------------------------------------------------------------


@hookspec
def register_ranking_signals(settings: Settings) -> list[RankingSignal]:
    """Return named ranking signals that score candidate items.

    :param settings: the effective settings; weights come from configuration, falling back
        to each signal's ``default_weight``.
    :returns: a list of :class:`~learnwire.core.ranker.signals.RankingSignal` instances.

    Called once when the ranker is built.
    """


@hookspec
def register_ranking_variants(settings: Settings) -> list[VariantResolver]:
    """Return resolvers that say which people are served a ranking variant (experiment arms).

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.ranker.variants.VariantResolver`; each maps
        learner ids to a :class:`~learnwire.core.ranker.variants.RankingVariant`
        (``segmentation``, ``without`` a signal family); people no resolver names get the
        full ranking, and the first resolver naming a person decides for them.

    Called once per recommendation service; its resolvers are asked on every ranking (one
    learner or a batch), so delivery and the pages serve the same arm.
    """


@hookspec
def register_embedders(settings: Settings) -> list[Embedder]:
    """Return text embedders (for content items and learner needs).

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.embedding.Embedder` instances; the one whose
        name the configuration selects is used.

    Called once when content is embedded or the ranker is built.
    """


# -- host integration --------------------------------------------------------------------


@hookspec
def register_blueprints(settings: Settings) -> list[flask.Blueprint]:
    """Return Flask blueprints to mount on the web app.

    :param settings: the effective settings.
    :returns: a list of :class:`flask.Blueprint`; each brings its own URL prefix.

    Called once by the app factory, :func:`learnwire.core.web.app.create_app`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``learnwire`` command line.

    :param cli: the root :class:`click.Group`; call ``cli.add_command(...)`` or use
        ``@cli.group()``.
    :returns: nothing.

    Called once when the CLI starts, before arguments are parsed.
    """


@hookspec
def register_migrations() -> list[MigrationSource]:
    """Return directories of versioned SQL migrations for the plugin's own tables.

    :returns: a list of :class:`~learnwire.core.migrations_source.MigrationSource`; each
        namespace's files ``NNNN_name.sql`` apply in order, after the core's.

    Called by ``learnwire db upgrade`` and the test fixtures.
    """


@hookspec
def register_periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    """Return work Celery beat should run on a schedule (syncs, sweeps, pulls).

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.periodic.PeriodicTask`; names must be unique.

    Called when the Celery app is configured (worker, beat, and in-process runs). On the
    embedded default (no ``LEARNWIRE_REDIS_URL``) ``learnwire serve`` runs them itself with
    its own runtime; build ``run`` with :func:`~learnwire.core.runtime.in_runtime` so it can.
    """


# -- governance --------------------------------------------------------------------------


@hookspec
def register_personal_data(settings: Settings) -> list[PersonalDataHolder]:
    """Return holders of personal data the plugin keeps outside ``learner_id`` columns.

    :param settings: the effective settings.
    :returns: a list of :class:`~learnwire.core.personal_data.PersonalDataHolder`; each
        exports, erases (including the person's traces inside other people's records) and
        verifies the data it holds. Names must be unique.

    Called for every erasure and access request (``learnwire privacy erase/export`` and the
    privacy API); erasure is verified only when every holder reports nothing remaining.
    """


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name, value in list(globals().items()) if hasattr(value, "learnwire_spec")
)

__all__: list[Any] = ["HOOK_NAMES", "hookspec"]
