"""The sample organisation's skill taxonomy: six domains, their skills and prerequisites.

The taxonomy is fixed (the same for every seed): it is the company's skills framework, not
something that varies between people. Skill ids are ``<domain>.<name>``; prerequisites form
a directed acyclic graph (checked by :func:`topological_order`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.models import Skill, SkillPrerequisite

DOMAINS = ("management", "communication", "product", "engineering", "data", "compliance")


@dataclass(frozen=True, slots=True)
class SkillSpec:
    id: str
    name: str
    description: str
    requires: tuple[str, ...] = ()

    @property
    def domain(self) -> str:
        return self.id.split(".", 1)[0]


def _s(id: str, name: str, description: str, *requires: str) -> SkillSpec:
    return SkillSpec(id, name, description, tuple(requires))


SKILLS: tuple[SkillSpec, ...] = (
    # management
    _s("management.one_to_ones", "Running one-to-ones",
       "Regular, report-led conversations that surface blockers, growth and wellbeing."),
    _s("management.goal_setting", "Setting goals and expectations",
       "Agreeing outcomes, measures and check-ins so people know what good looks like."),
    _s("management.feedback_delivery", "Giving feedback",
       "Specific, timely feedback on behaviour and impact, positive and corrective.",
       "communication.active_listening"),
    _s("management.coaching", "Coaching",
       "Helping people find their own answers through questions rather than instructions.",
       "management.one_to_ones", "communication.active_listening"),
    _s("management.delegation", "Delegating well",
       "Handing over work with the right context, authority and support.",
       "management.goal_setting"),
    _s("management.performance_conversations", "Performance conversations",
       "Fair, evidence-based reviews and the conversations around them.",
       "management.feedback_delivery", "management.goal_setting"),
    _s("management.hiring_interviews", "Structured interviewing",
       "Consistent, job-related interviews with scorecards and calibrated decisions.",
       "compliance.fair_hiring"),
    _s("management.onboarding", "Onboarding new team members",
       "A first ninety days that gets new colleagues productive and connected.",
       "management.one_to_ones"),
    _s("management.conflict_resolution", "Resolving conflict",
       "Noticing tension early and mediating disagreements towards workable agreements.",
       "communication.difficult_conversations"),
    # communication
    _s("communication.active_listening", "Active listening",
       "Listening to understand: summarising, asking open questions, checking meaning."),
    _s("communication.written_clarity", "Clear business writing",
       "Messages, documents and updates that lead with the point and are easy to act on."),
    _s("communication.presenting", "Presenting",
       "Structuring and delivering talks that hold attention and land a message."),
    _s("communication.difficult_conversations", "Difficult conversations",
       "Raising hard topics calmly and keeping the conversation productive.",
       "communication.active_listening"),
    _s("communication.negotiation", "Negotiation",
       "Preparing interests and options, and reaching agreements both sides keep.",
       "communication.active_listening"),
    _s("communication.meeting_facilitation", "Facilitating meetings",
       "Meetings with a purpose, an agenda, balanced participation and clear outcomes."),
    _s("communication.stakeholder_management", "Stakeholder management",
       "Mapping who cares about what and keeping them informed and involved.",
       "communication.written_clarity"),
    _s("communication.influencing", "Influencing without authority",
       "Building support for an idea across teams you do not manage.",
       "communication.stakeholder_management"),
    _s("communication.cross_cultural", "Working across cultures and time zones",
       "Collaborating well with colleagues in other countries, languages and hours."),
    # product
    _s("product.customer_discovery", "Customer discovery",
       "Interviews and observation that uncover real customer problems.",
       "communication.active_listening"),
    _s("product.problem_framing", "Framing problems",
       "Turning observations into clear problem statements and opportunity maps."),
    _s("product.prioritisation", "Prioritisation",
       "Choosing what to do next with explicit trade-offs between value, cost and risk.",
       "product.problem_framing"),
    _s("product.roadmapping", "Roadmapping",
       "Outcome-based roadmaps that communicate direction without false precision.",
       "product.prioritisation"),
    _s("product.requirements_writing", "Writing product requirements",
       "Specs and user stories that engineers and designers can build from.",
       "communication.written_clarity"),
    _s("product.product_metrics", "Product metrics",
       "Choosing, instrumenting and reading the metrics that show a product is working.",
       "data.data_literacy"),
    _s("product.experimentation", "Product experimentation",
       "Designing A/B tests and other experiments that answer product questions.",
       "product.product_metrics", "data.statistics_basics"),
    _s("product.usability_testing", "Usability testing",
       "Watching people use a product to find what confuses them.",
       "product.customer_discovery"),
    _s("product.go_to_market", "Launch planning",
       "Planning launches with marketing, sales and support so customers notice.",
       "product.roadmapping"),
    # engineering
    _s("engineering.version_control", "Version control with Git",
       "Branching, committing and merging so a team can work on one codebase."),
    _s("engineering.code_review", "Code review",
       "Reviews that catch defects, share knowledge and stay kind.",
       "engineering.version_control"),
    _s("engineering.testing", "Automated testing",
       "Unit, integration and end-to-end tests that make change safe."),
    _s("engineering.api_design", "API design",
       "Interfaces that are consistent, versioned and pleasant to use.",
       "engineering.testing"),
    _s("engineering.system_design", "System design",
       "Designing services for scale, failure and change.",
       "engineering.api_design"),
    _s("engineering.observability", "Observability",
       "Logs, metrics and traces that explain what a system is doing.",
       "engineering.testing"),
    _s("engineering.incident_response", "Incident response",
       "Detecting, coordinating, fixing and learning from production incidents.",
       "engineering.observability"),
    _s("engineering.secure_coding", "Secure coding",
       "Avoiding the common vulnerability classes in the code you write.",
       "engineering.code_review", "compliance.information_security"),
    _s("engineering.cloud_infrastructure", "Cloud infrastructure",
       "Running workloads on cloud platforms with infrastructure as code.",
       "engineering.version_control"),
    # data
    _s("data.data_literacy", "Data literacy",
       "Reading charts and numbers critically and asking the right questions of data."),
    _s("data.spreadsheets", "Spreadsheet modelling",
       "Building spreadsheets others can follow, check and extend."),
    _s("data.sql", "SQL for analysis",
       "Querying relational data: joins, aggregates and window functions.",
       "data.data_literacy"),
    _s("data.statistics_basics", "Statistics fundamentals",
       "Distributions, uncertainty and the traps of averages and small samples.",
       "data.data_literacy"),
    _s("data.visualisation", "Data visualisation",
       "Charts that show the point honestly and quickly.",
       "data.data_literacy"),
    _s("data.python_analysis", "Analysis in Python",
       "Cleaning, reshaping and analysing data with Python and pandas.",
       "data.sql"),
    _s("data.data_storytelling", "Storytelling with data",
       "Turning an analysis into a narrative that leads to a decision.",
       "data.visualisation", "communication.presenting"),
    _s("data.experiment_analysis", "Analysing experiments",
       "Reading A/B test results correctly, including power and multiple comparisons.",
       "data.statistics_basics"),
    _s("data.machine_learning_basics", "Machine learning fundamentals",
       "What models can and cannot do, and how to evaluate them.",
       "data.statistics_basics", "data.python_analysis"),
    # compliance
    _s("compliance.data_protection", "Data protection (GDPR)",
       "Lawful bases, data subject rights and handling personal data day to day."),
    _s("compliance.information_security", "Security awareness",
       "Phishing, passwords, devices and reporting: the everyday security habits."),
    _s("compliance.anti_bribery", "Anti-bribery and corruption",
       "Gifts, hospitality, third parties and when to ask for advice."),
    _s("compliance.fair_hiring", "Fair and inclusive hiring",
       "Reducing bias in job adverts, screening and selection decisions."),
    _s("compliance.workplace_conduct", "Respectful workplace",
       "Recognising and responding to harassment, bullying and discrimination."),
    _s("compliance.risk_assessment", "Risk assessment",
       "Identifying, rating and treating operational and compliance risks.",
       "compliance.data_protection"),
    _s("compliance.privacy_by_design", "Privacy by design",
       "Building data protection into products and processes from the start.",
       "compliance.data_protection"),
    _s("compliance.financial_controls", "Financial controls",
       "Approvals, segregation of duties and audit trails around money."),
    _s("compliance.responsible_ai", "Responsible use of AI tools",
       "Using generative AI at work without leaking data or trusting wrong answers.",
       "compliance.data_protection"),
)  # fmt: skip

SKILL_INDEX: dict[str, int] = {s.id: i for i, s in enumerate(SKILLS)}

#: Minimum mastery of a prerequisite for the dependent skill to be learnable at full pace.
PREREQUISITE_LEVEL = 0.5


def topological_order() -> list[int]:
    """Skill indices with every prerequisite before the skills that need it.

    Raises ``ValueError`` on an unknown prerequisite or a cycle, so a bad edit to the
    taxonomy fails at import time in the tests rather than silently at load time.
    """
    order: list[int] = []
    state: dict[str, int] = {}

    def visit(skill_id: str, path: tuple[str, ...]) -> None:
        if skill_id not in SKILL_INDEX:
            raise ValueError(f"unknown prerequisite skill {skill_id!r} (via {' -> '.join(path)})")
        if state.get(skill_id) == 2:
            return
        if state.get(skill_id) == 1:
            raise ValueError(f"prerequisite cycle: {' -> '.join((*path, skill_id))}")
        state[skill_id] = 1
        for req in SKILLS[SKILL_INDEX[skill_id]].requires:
            visit(req, (*path, skill_id))
        state[skill_id] = 2
        order.append(SKILL_INDEX[skill_id])

    for spec in SKILLS:
        visit(spec.id, ())
    return order


def skill_models() -> list[Skill]:
    return [Skill(id=s.id, name=s.name, domain=s.domain, description=s.description) for s in SKILLS]


def prerequisite_models() -> list[SkillPrerequisite]:
    return [
        SkillPrerequisite(skill_id=s.id, requires_skill_id=r, min_level=PREREQUISITE_LEVEL)
        for s in SKILLS
        for r in s.requires
    ]
