"""Job profiles, departments and offices of the sample organisation (fixed for every seed).

Each job profile lists its required skills as ``(skill id, target level, weight)``; every
profile also carries the company-wide compliance baseline (:data:`BASELINE`) unless it sets
a higher target for the same skill.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.models import JobProfile, SkillRequirement
from .taxonomy import SKILL_INDEX

Requirement = tuple[str, float, float]

#: Everyone's mandatory training, at a lower weight than the role's own skills.
BASELINE: tuple[Requirement, ...] = (
    ("compliance.information_security", 0.6, 0.4),
    ("compliance.data_protection", 0.55, 0.4),
    ("compliance.workplace_conduct", 0.6, 0.3),
)


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    id: str
    name: str
    family: str
    management_level: str  # individual_contributor | manager | director
    own: tuple[Requirement, ...]

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        mine = {skill for skill, _, _ in self.own}
        return self.own + tuple(r for r in BASELINE if r[0] not in mine)

    @property
    def is_manager(self) -> bool:
        return self.management_level != "individual_contributor"

    def model(self) -> JobProfile:
        return JobProfile(
            id=self.id,
            name=self.name,
            family=self.family,
            management_level=self.management_level,
            requirements=[
                SkillRequirement(skill_id=s, target_level=t, weight=w)
                for s, t, w in self.requirements
            ],
        )


def _p(id: str, name: str, family: str, level: str, *own: Requirement) -> ProfileSpec:
    return ProfileSpec(id, name, family, level, own)


IC, MGR, DIR = "individual_contributor", "manager", "director"
M, C, P, E, D, X = (
    f"{d}." for d in ("management", "communication", "product", "engineering", "data", "compliance")
)

PROFILES: tuple[ProfileSpec, ...] = (
    _p("software_engineer", "Software Engineer", "engineering", IC,
       (E + "version_control", .7, 1), (E + "code_review", .6, 1), (E + "testing", .65, 1),
       (E + "api_design", .55, .8), (E + "observability", .45, .6), (E + "secure_coding", .5, .7),
       (C + "written_clarity", .5, .5)),
    _p("senior_software_engineer", "Senior Software Engineer", "engineering", IC,
       (E + "system_design", .7, 1), (E + "code_review", .8, .9), (E + "testing", .75, .8),
       (E + "api_design", .7, .8), (E + "incident_response", .6, .7),
       (E + "secure_coding", .65, .7),
       (C + "influencing", .5, .6), (C + "written_clarity", .6, .5)),
    _p("site_reliability_engineer", "Site Reliability Engineer", "engineering", IC,
       (E + "cloud_infrastructure", .75, 1), (E + "observability", .8, 1),
       (E + "incident_response", .8, 1), (E + "system_design", .6, .7),
       (E + "version_control", .7, .6), (E + "secure_coding", .55, .6)),
    _p("engineering_manager", "Engineering Manager", "engineering", MGR,
       (M + "one_to_ones", .75, 1), (M + "feedback_delivery", .75, 1), (M + "coaching", .6, .8),
       (M + "hiring_interviews", .7, .8), (M + "delegation", .65, .8),
       (M + "performance_conversations", .7, .9), (E + "system_design", .5, .5),
       (C + "stakeholder_management", .6, .7), (X + "fair_hiring", .6, .5)),
    _p("product_manager", "Product Manager", "product", IC,
       (P + "customer_discovery", .7, 1), (P + "problem_framing", .7, 1),
       (P + "prioritisation", .7, 1), (P + "requirements_writing", .7, .9),
       (P + "product_metrics", .6, .8), (C + "stakeholder_management", .65, .8),
       (C + "presenting", .55, .6), (P + "roadmapping", .5, .6)),
    _p("senior_product_manager", "Senior Product Manager", "product", IC,
       (P + "roadmapping", .75, 1), (P + "prioritisation", .8, 1), (P + "experimentation", .6, .8),
       (C + "influencing", .7, .9), (P + "go_to_market", .6, .7), (D + "data_storytelling", .5, .6),
       (P + "product_metrics", .7, .8)),
    _p("product_designer", "Product Designer", "product", IC,
       (P + "usability_testing", .8, 1), (P + "customer_discovery", .65, .9),
       (P + "problem_framing", .6, .8), (C + "presenting", .6, .6),
       (P + "requirements_writing", .5, .5), (C + "active_listening", .6, .6),
       (X + "privacy_by_design", .45, .5)),
    _p("product_director", "Director of Product", "product", MGR,
       (P + "roadmapping", .8, 1), (P + "prioritisation", .8, .9), (M + "one_to_ones", .7, .8),
       (M + "coaching", .65, .8), (M + "hiring_interviews", .65, .7), (C + "influencing", .75, .9),
       (M + "performance_conversations", .65, .8)),
    _p("data_analyst", "Data Analyst", "data", IC,
       (D + "sql", .75, 1), (D + "spreadsheets", .7, .8), (D + "visualisation", .7, .9),
       (D + "data_literacy", .8, .9), (D + "statistics_basics", .6, .8),
       (D + "data_storytelling", .6, .8), (C + "written_clarity", .5, .5)),
    _p("data_scientist", "Data Scientist", "data", IC,
       (D + "python_analysis", .75, 1), (D + "statistics_basics", .8, 1),
       (D + "experiment_analysis", .75, .9), (D + "machine_learning_basics", .7, .9),
       (D + "sql", .7, .8), (D + "data_storytelling", .55, .6), (X + "responsible_ai", .55, .6)),
    _p("data_engineer", "Data Engineer", "data", IC,
       (D + "sql", .8, 1), (D + "python_analysis", .7, .9), (E + "cloud_infrastructure", .65, .8),
       (E + "testing", .6, .7), (E + "version_control", .65, .6),
       (X + "privacy_by_design", .55, .7), (X + "data_protection", .65, .6)),
    _p("analytics_manager", "Analytics Manager", "data", MGR,
       (M + "one_to_ones", .7, .9), (M + "feedback_delivery", .7, .9),
       (D + "data_storytelling", .75, 1), (C + "stakeholder_management", .7, .8),
       (M + "hiring_interviews", .6, .7), (P + "prioritisation", .6, .7),
       (D + "experiment_analysis", .6, .6)),
    _p("sales_development_rep", "Sales Development Representative", "sales", IC,
       (C + "active_listening", .7, 1), (C + "written_clarity", .6, .9),
       (P + "customer_discovery", .55, .8), (C + "negotiation", .45, .6),
       (C + "cross_cultural", .4, .5), (X + "anti_bribery", .6, .6)),
    _p("account_executive", "Account Executive", "sales", IC,
       (C + "negotiation", .75, 1), (C + "presenting", .7, .9),
       (C + "stakeholder_management", .65, .8), (P + "customer_discovery", .65, .8),
       (C + "active_listening", .75, .8), (X + "anti_bribery", .7, .7),
       (D + "spreadsheets", .45, .4)),
    _p("sales_manager", "Sales Manager", "sales", MGR,
       (M + "one_to_ones", .7, .8), (M + "coaching", .75, 1), (C + "negotiation", .8, .9),
       (M + "goal_setting", .7, .9), (M + "performance_conversations", .65, .8),
       (M + "hiring_interviews", .6, .6), (X + "anti_bribery", .75, .7)),
    _p("customer_success_manager", "Customer Success Manager", "customer_success", IC,
       (C + "active_listening", .75, 1), (C + "stakeholder_management", .7, .9),
       (C + "difficult_conversations", .65, .9), (C + "presenting", .55, .6),
       (P + "product_metrics", .45, .5), (C + "negotiation", .5, .6),
       (D + "data_literacy", .5, .5)),
    _p("support_specialist", "Support Specialist", "customer_success", IC,
       (C + "active_listening", .75, 1), (C + "written_clarity", .7, 1),
       (C + "difficult_conversations", .6, .8), (X + "information_security", .65, .7),
       (X + "data_protection", .65, .7), (C + "cross_cultural", .5, .5)),
    _p("customer_success_lead", "Customer Success Lead", "customer_success", MGR,
       (M + "one_to_ones", .7, .9), (M + "coaching", .65, .8),
       (C + "difficult_conversations", .75, .9), (M + "goal_setting", .65, .8),
       (M + "conflict_resolution", .6, .7), (M + "onboarding", .6, .7),
       (D + "data_literacy", .55, .5)),
    _p("hr_business_partner", "HR Business Partner", "people", IC,
       (C + "active_listening", .8, .9), (C + "difficult_conversations", .8, 1),
       (M + "conflict_resolution", .75, 1), (M + "performance_conversations", .7, .8),
       (X + "workplace_conduct", .8, .9), (X + "data_protection", .7, .7),
       (M + "coaching", .6, .6)),
    _p("recruiter", "Recruiter", "people", IC,
       (X + "fair_hiring", .8, 1), (M + "hiring_interviews", .75, 1), (C + "negotiation", .6, .7),
       (C + "written_clarity", .6, .6), (C + "stakeholder_management", .6, .7),
       (X + "data_protection", .65, .6)),
    _p("people_lead", "People Lead", "people", MGR,
       (M + "one_to_ones", .7, .8), (M + "coaching", .7, .8), (M + "conflict_resolution", .75, .9),
       (X + "workplace_conduct", .8, .9), (C + "influencing", .7, .8),
       (X + "risk_assessment", .5, .5)),
    _p("financial_analyst", "Financial Analyst", "finance", IC,
       (D + "spreadsheets", .8, 1), (D + "data_literacy", .75, .9),
       (X + "financial_controls", .7, .8), (D + "statistics_basics", .5, .6),
       (D + "data_storytelling", .55, .7), (D + "sql", .5, .5)),
    _p("accountant", "Accountant", "finance", IC,
       (X + "financial_controls", .8, 1), (D + "spreadsheets", .75, .9),
       (X + "anti_bribery", .6, .6), (X + "risk_assessment", .55, .6),
       (C + "written_clarity", .55, .5)),
    _p("finance_manager", "Finance Manager", "finance", MGR,
       (X + "financial_controls", .8, 1), (M + "one_to_ones", .65, .7),
       (M + "feedback_delivery", .65, .7), (C + "stakeholder_management", .7, .8),
       (X + "risk_assessment", .65, .7), (C + "presenting", .6, .6), (M + "delegation", .6, .7)),
    _p("compliance_officer", "Compliance Officer", "legal", IC,
       (X + "data_protection", .85, 1), (X + "risk_assessment", .8, 1),
       (X + "privacy_by_design", .7, .8), (X + "anti_bribery", .75, .8),
       (X + "responsible_ai", .65, .7), (C + "written_clarity", .7, .7),
       (C + "influencing", .55, .6)),
    _p("legal_counsel", "Legal Counsel", "legal", IC,
       (C + "negotiation", .75, 1), (X + "data_protection", .75, .9),
       (C + "written_clarity", .8, .9), (X + "risk_assessment", .7, .8),
       (X + "anti_bribery", .65, .6), (C + "stakeholder_management", .6, .6)),
    _p("compliance_lead", "Head of Compliance", "legal", MGR,
       (X + "risk_assessment", .85, 1), (X + "data_protection", .85, 1),
       (M + "one_to_ones", .65, .7),
       (C + "influencing", .7, .8), (C + "presenting", .6, .6), (X + "responsible_ai", .7, .7),
       (M + "delegation", .6, .6)),
    _p("marketing_specialist", "Marketing Specialist", "marketing", IC,
       (C + "written_clarity", .75, 1), (P + "product_metrics", .55, .7),
       (P + "experimentation", .5, .7), (D + "visualisation", .5, .6), (C + "presenting", .55, .6),
       (X + "data_protection", .6, .6), (P + "go_to_market", .55, .7)),
    _p("product_marketing_manager", "Product Marketing Manager", "marketing", IC,
       (P + "go_to_market", .8, 1), (P + "customer_discovery", .6, .8), (C + "presenting", .7, .9),
       (C + "written_clarity", .7, .8), (C + "influencing", .6, .7),
       (P + "product_metrics", .55, .6)),
    _p("marketing_manager", "Marketing Manager", "marketing", MGR,
       (P + "go_to_market", .75, .9), (M + "one_to_ones", .65, .7), (M + "goal_setting", .7, .8),
       (M + "feedback_delivery", .65, .8), (D + "data_storytelling", .6, .7),
       (C + "stakeholder_management", .65, .7)),
    _p("operations_coordinator", "Operations Coordinator", "operations", IC,
       (D + "spreadsheets", .7, 1), (C + "meeting_facilitation", .6, .8),
       (C + "written_clarity", .6, .8), (X + "financial_controls", .55, .7),
       (C + "cross_cultural", .55, .6), (X + "risk_assessment", .45, .5)),
    _p("operations_manager", "Operations Manager", "operations", MGR,
       (M + "delegation", .7, .9), (M + "goal_setting", .7, .9), (X + "risk_assessment", .65, .8),
       (C + "stakeholder_management", .7, .8), (M + "one_to_ones", .65, .7),
       (C + "meeting_facilitation", .7, .7), (X + "financial_controls", .6, .6)),
    _p("department_head", "Head of Department", "leadership", DIR,
       (C + "influencing", .8, 1), (M + "performance_conversations", .75, .9),
       (M + "coaching", .7, .8), (M + "goal_setting", .75, .9), (C + "presenting", .75, .8),
       (M + "hiring_interviews", .7, .7), (M + "delegation", .75, .8),
       (X + "risk_assessment", .5, .5)),
)  # fmt: skip

PROFILE_INDEX: dict[str, int] = {p.id: i for i, p in enumerate(PROFILES)}


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    id: str
    name: str
    share: float  # of headcount
    teams: tuple[str, ...]  # team names, reused with a number when a large org needs more
    manager_profile: str
    ic_profiles: tuple[tuple[str, float], ...]  # (profile id, share of the department's ICs)


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("engineering", "Engineering", 0.30,
                   ("Payments Platform", "Mobile Apps", "Core API", "Developer Experience",
                    "Infrastructure", "Search", "Identity & Access", "Integrations",
                    "Web Frontend", "Reliability"),
                   "engineering_manager",
                   (("software_engineer", .5), ("senior_software_engineer", .3),
                    ("site_reliability_engineer", .2))),
    DepartmentSpec("product", "Product & Design", 0.09,
                   ("Growth", "Core Product", "Design Systems", "Onboarding Experience",
                    "Platform Product"),
                   "product_director",
                   (("product_manager", .45), ("senior_product_manager", .2),
                    ("product_designer", .35))),
    DepartmentSpec("data", "Data & Analytics", 0.08,
                   ("Business Intelligence", "Data Science", "Data Platform", "Experimentation"),
                   "analytics_manager",
                   (("data_analyst", .45), ("data_scientist", .3), ("data_engineer", .25))),
    DepartmentSpec("sales", "Sales", 0.14,
                   ("Enterprise EMEA", "Enterprise Americas", "Mid-Market", "APAC Sales",
                    "Sales Development"),
                   "sales_manager",
                   (("account_executive", .6), ("sales_development_rep", .4))),
    DepartmentSpec("customer-success", "Customer Success", 0.12,
                   ("Customer Success EMEA", "Customer Success Americas", "Technical Support",
                    "Support Operations"),
                   "customer_success_lead",
                   (("customer_success_manager", .55), ("support_specialist", .45))),
    DepartmentSpec("people", "People", 0.05,
                   ("People Partners", "Talent Acquisition", "People Operations"),
                   "people_lead", (("hr_business_partner", .5), ("recruiter", .5))),
    DepartmentSpec("finance", "Finance", 0.05,
                   ("Financial Planning", "Accounting", "Procurement"),
                   "finance_manager", (("financial_analyst", .55), ("accountant", .45))),
    DepartmentSpec("legal", "Legal & Compliance", 0.04,
                   ("Privacy & Compliance", "Commercial Legal"),
                   "compliance_lead", (("compliance_officer", .55), ("legal_counsel", .45))),
    DepartmentSpec("marketing", "Marketing", 0.07,
                   ("Brand & Content", "Product Marketing", "Demand Generation"),
                   "marketing_manager",
                   (("marketing_specialist", .6), ("product_marketing_manager", .4))),
    DepartmentSpec("operations", "Operations", 0.06,
                   ("Workplace", "Business Operations", "Vendor Management"),
                   "operations_manager", (("operations_coordinator", 1.0),)),
)  # fmt: skip

HEAD_PROFILE = "department_head"

#: (city, IANA time zone, share of teams based there)
OFFICES: tuple[tuple[str, str, float], ...] = (
    ("Berlin", "Europe/Berlin", 0.28),
    ("London", "Europe/London", 0.20),
    ("Lisbon", "Europe/Lisbon", 0.10),
    ("New York", "America/New_York", 0.17),
    ("Austin", "America/Chicago", 0.12),
    ("Singapore", "Asia/Singapore", 0.08),
    ("Sydney", "Australia/Sydney", 0.05),
)


def check() -> None:
    """Fail loudly on a profile naming an unknown skill or department naming an unknown
    profile (run by the tests)."""
    for p in PROFILES:
        for skill, target, weight in p.requirements:
            if skill not in SKILL_INDEX or not 0 < target <= 1 or not 0 < weight <= 1:
                raise ValueError(f"profile {p.id}: bad requirement {skill} {target} {weight}")
    for d in DEPARTMENTS:
        for pid in (d.manager_profile, *(p for p, _ in d.ic_profiles)):
            if pid not in PROFILE_INDEX:
                raise ValueError(f"department {d.id}: unknown profile {pid}")
    if abs(sum(d.share for d in DEPARTMENTS) - 1) > 1e-9:
        raise ValueError("department shares must add up to 1")
