"""The LTI tool's use cases, composed from the protocol modules; framework-free.

``flask.py`` turns HTTP requests into calls here and the returned HTML into responses. Each
method takes the request's database connection, so one request is one transaction: a
refused launch leaves nothing behind, an accepted one is stored whole.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg

from ...core import surveys as core_surveys
from ...core.runtime import Runtime
from . import (
    checks,
    deep_linking,
    feedback,
    grades,
    launches,
    offers,
    pages,
    registrations,
    roster,
    surveys,
)
from .checks import DEEP_LINKING_REQUEST, DEEP_LINKING_SETTINGS
from .context import AGS, NRPS, LaunchContext
from .errors import LtiError, NotAllowed
from .launch import ToolLaunch, ToolLogin
from .launches import LaunchRecord
from .platform_keys import KeyLookup, PlatformKeyCache
from .services import TimeoutSession
from .settings import LtiSettings, ToolUrls, lti_settings, tool_urls
from .storage import ServerSideSessionService
from .tool_conf import PostgresToolConf

Conn = psycopg.Connection[Any]
log = logging.getLogger("learnwire.lti")

PAGE_SIZE = 12
PICKER_SIZE = 100


class LtiTool:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings: LtiSettings = lti_settings(runtime.settings)
        self.urls: ToolUrls = tool_urls(runtime.settings)
        self._offers: offers.OfferSource | None = None
        self._action_secret: bytes | None = None
        self.platform_keys = PlatformKeyCache.from_settings(self.settings)

    @property
    def name(self) -> str:
        return self.settings.tool_name

    def offer_source(self) -> offers.OfferSource:
        if self._offers is None:
            self._offers = offers.load_offer_source(self.settings.offer_source, self.runtime)
        return self._offers

    # -- building blocks for pylti1p3 ---------------------------------------------------------

    def tool_conf(self, conn: Conn) -> PostgresToolConf:
        return PostgresToolConf(conn)

    def session_service(self, conn: Conn) -> ServerSideSessionService:
        return ServerSideSessionService(
            conn,
            login_ttl_seconds=self.settings.login_ttl_seconds,
            launch_ttl_seconds=self.settings.launch_ttl_seconds,
        )

    def http(self) -> TimeoutSession:
        return TimeoutSession(self.settings.http_timeout_seconds)

    #: Where a launch opens the signed-in pages ("{launch_id}" and "{launch_token}" filled
    #: in), when a plugin serves them; the Flask glue sets it.
    pages_url: str | None = None

    def action_secret(self) -> bytes:
        """The key of launch action tokens, derived from the deployment's secret key (so
        every web node agrees) and read once: pages render it on every request."""
        if self._action_secret is None:
            secret = self.runtime.settings.flask_secret().encode()
            self._action_secret = hashlib.sha256(b"learnwire.lti.actions\x1f" + secret).digest()
        return self._action_secret

    def action_token(self, record: LaunchRecord) -> str:
        return launches.action_token(self.action_secret(), record)

    def action_url(self, launch_id: str, action: str = "") -> str:
        return f"{self.urls.launch_url}/{launch_id}" + (f"/{action}" if action else "")

    def refusal(self, exc: LtiError, *, step: str) -> tuple[str, int]:
        """Log a refused login/launch/action and return its page and status."""
        code = getattr(exc, "code", None)
        log.warning("LTI %s refused [%s]: %s", step, code or exc.title, exc)
        title = "This launch was refused" if step in ("login", "launch") else exc.title
        title = title[:1].upper() + title[1:]
        page = pages.refused(tool_name=self.name, message=str(exc), code=code, title=title)
        return page, exc.status

    # -- login and launch ---------------------------------------------------------------------

    def login_page(self, conn: Conn, login: ToolLogin, auth_url: str) -> str | None:
        """The platform-storage page for a login that asked for it; None means "redirect"."""
        started = login.started
        if not started.storage_target:
            return None
        registration = registrations.find(conn, started.issuer, started.client_id)
        assert registration is not None
        return pages.render(
            "storage_login.html",
            tool_name=self.name,
            storage_target=started.storage_target,
            platform_origin=pages.origin_of(registration.auth_login_url),
            auth_url=auth_url,
            values=pages.storage_keys(started.state, started.nonce),
        )

    def platform_keys_for(self, id_token: str | None) -> KeyLookup | None:
        """The key set of the platform that (by its unverified claims) issued ``id_token``.

        Called before the launch takes its database connection: the registration is read
        in a short transaction of its own, and the fetch, which may take up to its deadline,
        holds no connection. None when the token names no registered platform or is not a
        JWT at all; validation then refuses it with the precise reason.
        """
        claimed = checks.claimed_platform(id_token)
        if claimed is None:
            return None
        issuer, client_id, kid = claimed
        with self.runtime.db.connection() as conn:
            registration = registrations.find(conn, issuer, client_id)
        if registration is None:
            return None
        return self.platform_keys.lookup(registration.issuer, registration.keyset_url, kid)

    def accept(
        self, conn: Conn, launch: ToolLaunch, platform_keys: KeyLookup | None
    ) -> tuple[LaunchContext, LaunchRecord]:
        """Validate the launch, resolve the learner, store the launch."""
        launch.configure(self.settings, platform_keys).validate()
        assert launch.login is not None
        ctx = LaunchContext.from_claims(
            launch.claims(),
            launch_id=launch.get_launch_id(),
            client_id=launch.get_client_id(),
            binding=launch.binding,
            storage_target=launch.login.storage_target,
            state=launch.login.state,
        )
        ids, _ = launches.resolve_learners(
            conn, self.runtime.intake(), ctx.issuer, [(ctx.subject, ctx.person())]
        )
        record = launches.record(conn, ctx, ids[0], self.settings.launch_ttl_seconds)
        log.info(
            "LTI launch %s accepted: %s as %s (binding %s)",
            ctx.launch_id,
            ctx.message_type,
            ctx.role.value,
            ctx.binding,
        )
        return ctx, record

    def landing(
        self,
        conn: Conn,
        record: LaunchRecord,
        *,
        display_name: str | None = None,
        course: str | None = None,
        flash: str | None = None,
    ) -> str:
        """Where a launch lands: storage check, deep-linking picker, or the learner's page."""
        if not record.verified:
            registration = registrations.find(conn, record.issuer, record.client_id)
            assert registration is not None
            return pages.render(
                "storage_verify.html",
                tool_name=self.name,
                platform_name=registration.platform_name or "the LMS",
                storage_target=self._storage_target(conn, record),
                platform_origin=pages.origin_of(registration.auth_login_url),
                keys={f"state_{record.state}": "state", f"nonce_{record.nonce}": "nonce"},
                launch_id=record.launch_id,
                verify_url=f"{self.urls.launch_url}/verify",
            )
        if record.message_type == DEEP_LINKING_REQUEST:
            return self.picker_page(conn, record, query=None, course=course)
        return self.learner_page(
            conn, record, display_name=display_name, course=course, flash=flash
        )

    def _storage_target(self, conn: Conn, record: LaunchRecord) -> str:
        row = conn.execute(
            "SELECT storage_target FROM lti_oidc_login WHERE state = %s", (record.state,)
        ).fetchone()
        return row[0] if row and row[0] else "_parent"

    def learner_page(
        self,
        conn: Conn,
        record: LaunchRecord,
        *,
        display_name: str | None = None,
        course: str | None = None,
        flash: str | None = None,
    ) -> str:
        source = self.offer_source()
        offer_page = source.for_learner(conn, learner_id=record.learner_id, limit=PAGE_SIZE)
        item = None
        if record.content_id is not None:
            item = offers.items_by_id(conn, [record.content_id]).get(record.content_id)
        launch_data = self._launch_data(conn, record)
        curate = record.role.may_curate
        roster_url = None
        if curate and self._has_nrps(launch_data):
            roster_url = self.action_url(record.launch_id, "roster")
        members = 0
        if curate and record.context_id:
            members = launches.course_size(conn, record.issuer, record.context_id)
        # Ratings and priorities only where the ranker reads them: elsewhere they would
        # change nothing the learner sees.
        rates = source.recommends
        priorities = source.priorities(conn, learner_id=record.learner_id) if rates else []
        return pages.render(
            "learner.html",
            tool_name=self.name,
            display_name=display_name,
            course=course,
            role_label=record.role.label,
            flash=flash,
            item=item,
            can_score=item is not None and bool(launch_data.get(AGS)),
            score_url=self.action_url(record.launch_id, "score"),
            can_curate=curate,
            roster_url=roster_url,
            course_size=members,
            recommends=source.recommends,
            offers=offer_page,
            feedback_url=self.action_url(record.launch_id, "feedback") if rates else None,
            priorities_url=self.action_url(record.launch_id, "priorities") if rates else None,
            priorities=[(p, feedback.choice_for(p.weight)) for p in priorities if p.listed],
            other_skills=[p for p in priorities if not p.listed],
            weights=feedback.WEIGHTS,
            launch_token=self.action_token(record),
            pages_url=self._pages_url(record),
            questions=surveys.questions(conn, self.runtime, record),
            survey_url=self.action_url(record.launch_id, "survey"),
            places=list(core_surveys.PLACE_LABELS.items()),
            note_max=core_surveys.NOTE_MAX_CHARS,
        )

    def _pages_url(self, record: LaunchRecord) -> str | None:
        if self.pages_url is None:
            return None
        return self.pages_url.format(
            launch_id=record.launch_id, launch_token=self.action_token(record)
        )

    def picker_page(
        self, conn: Conn, record: LaunchRecord, *, query: str | None, course: str | None = None
    ) -> str:
        self._require_curator(record, "add content to a course")
        if record.message_type != DEEP_LINKING_REQUEST:
            raise NotAllowed("This launch is not a content selection (deep linking) request.")
        source = self.offer_source()
        settings = self._launch_data(conn, record).get(DEEP_LINKING_SETTINGS) or {}
        course_items = source.for_course(
            conn, issuer=record.issuer, context_id=record.context_id, limit=PAGE_SIZE
        )
        return pages.render(
            "picker.html",
            tool_name=self.name,
            course=course,
            query=query,
            picker_url=f"{self.urls.deep_linking_url}/{record.launch_id}",
            respond_url=f"{self.urls.deep_linking_url}/{record.launch_id}/respond",
            recommends=source.recommends,
            course_items=course_items,
            items=offers.catalogue(conn, query=query, limit=PICKER_SIZE),
            multiple=deep_linking.accepts(settings, "accept_multiple"),
            accepts_lineitem=deep_linking.accepts(settings, "accept_lineitem"),
            launch_token=self.action_token(record),
        )

    # -- actions on a stored launch ------------------------------------------------------------

    def deep_link_page(
        self,
        conn: Conn,
        launch: Any,
        record: LaunchRecord,
        content_ids: Sequence[str],
        graded: bool,
    ) -> str:
        self._require_curator(record, "add content to a course")
        wanted = []
        for value in content_ids:
            try:
                wanted.append(uuid.UUID(value))
            except ValueError as exc:
                raise LtiError(f"'{value}' is not a content item id.") from exc
        found = offers.items_by_id(conn, wanted)
        missing = [str(w) for w in wanted if w not in found]
        if missing:
            raise LtiError(
                f"These items are not in the catalogue (or retired): {', '.join(missing)}."
            )
        response = deep_linking.respond(
            launch,
            [found[w] for w in dict.fromkeys(wanted)],
            launch_url=self.urls.launch_url,
            graded=graded,
        )
        log.info("LTI deep linking %s: %d item(s) returned", record.launch_id, response.items)
        return pages.autopost(
            tool_name=self.name,
            action=response.return_url,
            fields={"JWT": response.jwt},
            message=f"Adding {response.items} item(s) to the course…",
        )

    def post_score(self, conn: Conn, launch: Any, record: LaunchRecord) -> grades.ScoreReceipt:
        if record.content_id is None:
            raise NotAllowed("This launch is not for a content item, so there is no score to send.")
        item = offers.items_by_id(conn, [record.content_id]).get(record.content_id)
        if item is None:
            raise LtiError("The content item of this launch is no longer in the catalogue.")
        receipt = grades.post_result(conn, launch, record, item)
        log.info("LTI score for launch %s posted to %s", record.launch_id, receipt.lineitem_url)
        return receipt

    def pull_roster(self, conn: Conn, launch: Any, record: LaunchRecord) -> roster.RosterReport:
        self._require_curator(record, "update the course roster")
        if not self._has_nrps(launch.get_launch_data()):
            raise NotAllowed("The LMS did not enable the roster service (NRPS) for this launch.")
        nrps = launch.get_nrps()
        url = launch.get_launch_data()[NRPS]["context_memberships_url"]
        return roster.pull(conn, self.runtime.intake(), nrps, record.issuer, url)

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _require_curator(record: LaunchRecord, what: str) -> None:
        if not record.role.may_curate:
            raise NotAllowed(f"Only instructors, managers and administrators may {what}.")

    def _launch_data(self, conn: Conn, record: LaunchRecord) -> dict[str, Any]:
        return dict(self.session_service(conn).get_launch_data(record.launch_id) or {})

    @staticmethod
    def _has_nrps(launch_data: dict[str, Any]) -> bool:
        return bool((launch_data.get(NRPS) or {}).get("context_memberships_url"))
