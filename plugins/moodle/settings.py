"""The Moodle plugin's settings: ``LEARNWIRE_PLUGINS__MOODLE__<FIELD>`` or ``[plugins.moodle]``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

from ...core.config import env_dict, env_list


class MoodleSettings(BaseModel):
    """How to reach one Moodle site. Without ``url`` and ``token`` the plugin registers
    nothing."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl | None = Field(default=None, description="Site root, e.g. https://lms.example")
    token: SecretStr | None = Field(default=None, description="Web-service token.")
    timeout_seconds: float = Field(default=30, gt=0)
    retries: int = Field(default=3, ge=0, le=10, description="Retries on 5xx and time-outs.")
    backoff_seconds: float = Field(default=1.0, ge=0, description="First retry delay; doubles.")
    page_size: int = Field(default=200, ge=1, le=5000, description="Enrolled users per call.")
    course_ids: list[int] = Field(default_factory=list, description="Empty: every course.")
    roles: list[str] = Field(
        default_factory=list, description="Role shortnames counted as learners; empty: all."
    )
    user_criteria: dict[str, str] = Field(
        default_factory=dict,
        description="core_user_get_users criteria for people not enrolled anywhere yet.",
    )
    employee_id_field: Literal["idnumber", "username"] | None = Field(
        default=None, description="User field holding the HR employee id (links to Workday)."
    )
    employee_id_namespace: str = ""
    competencies: Literal["auto", "on", "off"] = Field(
        default="auto", description="auto: use competencies when the site has them enabled."
    )
    learning_plans: bool = True
    skill_map: Path | None = Field(default=None, description="YAML mapping file (docs).")
    skill_domain: str = Field(
        default="general", min_length=1, description="Domain of skills made from competencies."
    )
    durations: dict[str, float] = Field(
        default_factory=dict, description="Minutes per module type, over the defaults."
    )
    sync_interval_seconds: float = Field(default=3600, gt=0)
    overlap_seconds: int = Field(
        default=3600, ge=0, description="Incremental syncs re-read this much before the mark."
    )

    _lists = field_validator("course_ids", "roles", mode="before")(env_list)
    _dicts = field_validator("user_criteria", "durations", mode="before")(env_dict)

    @property
    def configured(self) -> bool:
        return self.url is not None and self.token is not None

    @property
    def site(self) -> str:
        """The site root without a trailing slash (the namespace of Moodle user ids)."""
        return str(self.url).rstrip("/") if self.url is not None else ""
