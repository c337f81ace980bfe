"""The Workday plugin's settings: ``LEARNWIRE_PLUGINS__WORKDAY__<FIELD>`` or
``[plugins.workday]`` in the configuration file."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

from ...core.config import env_dict, env_list

LinkKey = Literal["email", "employee_id"]
DEFAULT_LINK_KEYS: tuple[LinkKey, ...] = ("email", "employee_id")


class ReportPaths(BaseModel):
    """RaaS custom reports (``<owner>/<Report_Name>``) the tenant exposes; an unset report's
    data is simply not synced."""

    model_config = ConfigDict(extra="forbid")

    workers: str | None = None
    job_profiles: str | None = None
    worker_skills: str | None = None
    goals: str | None = None
    development_items: str | None = None
    career_interests: str | None = None
    succession: str | None = None


class WorkdaySettings(BaseModel):
    """How to reach one Workday tenant as an integration system user (ISU)."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl | None = Field(
        default=None, description="Services host, e.g. https://wd2-impl-services1.workday.com"
    )
    tenant: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    token_url: HttpUrl | None = Field(
        default=None, description="Default: <base_url>/ccx/oauth2/<tenant>/token"
    )
    api_version: str = Field(default="v1", pattern=r"^[A-Za-z0-9_./-]+$")
    page_size: int = Field(default=100, ge=1, le=1000)
    timeout_seconds: float = Field(default=60, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0)
    reports: ReportPaths = Field(default_factory=ReportPaths)
    columns: dict[str, str] = Field(
        default_factory=dict, description="Report column aliases over the defaults (docs)."
    )
    link_keys: list[LinkKey] = Field(
        default_factory=lambda: list(DEFAULT_LINK_KEYS),
        description="Identifiers that link a worker to LMS users.",
    )
    employee_id_namespace: str = ""
    skill_domain: str = Field(
        default="general", min_length=1, description="Domain of skills from job profiles."
    )
    sync_interval_seconds: float = Field(default=24 * 3600, gt=0)

    _lists = field_validator("link_keys", mode="before")(env_list)
    _dicts = field_validator("columns", mode="before")(env_dict)

    @property
    def configured(self) -> bool:
        return all(
            (self.base_url, self.tenant, self.client_id, self.client_secret, self.refresh_token)
        )

    @property
    def host(self) -> str:
        return str(self.base_url).rstrip("/") if self.base_url is not None else ""

    @property
    def effective_token_url(self) -> str:
        if self.token_url is not None:
            return str(self.token_url)
        return f"{self.host}/ccx/oauth2/{self.tenant}/token"
