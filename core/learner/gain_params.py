"""How much practice teaches and how fast it fades: the parameters of the level model's
practice curve, their documented defaults (the priors) and the fitted values that replace
them as an organisation's evidence arrives (:mod:`learnwire.core.learner.gain_sml`).

One completed item of ``minutes`` on a skill at level ``L`` moves it by

    practice_gain * format_gain[format] * skill_gain[skill] * readiness ** readiness_exponent
        * exp(-(difficulty - L - peak)**2 / (2 zone**2)) * (minutes / 10) ** duration_exponent
        * (1 - L)

and practice credit no answer has confirmed fades at ``forget_rate`` per day. Every default
below is a prior, stated with its source; none was chosen on the sample organisation. The
fit moves each one only as far as the organisation's answers support (Gaussian priors on
the scales given in :data:`PRIOR_SD`), so with little evidence the defaults stand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..models.content import ContentFormat

FORMATS: tuple[str, ...] = tuple(f.value for f in ContentFormat)

#: Level units one well-pitched ten-minute video closes at full headroom. On the answer
#: scale (level / 0.1, see learner.level.ELO_SCALE) that is 0.4 logits, about 0.2 at half
#: headroom: the order of the per-opportunity learning rates the Additive Factors Model
#: reports on tutor data (Cen, Koedinger & Junker 2006; Koedinger et al. 2012, "Automated
#: student model improvement", EDM), which are a few tenths of a logit or less.
PRACTICE_GAIN = 0.04
#: Relative gain by format, ordered by how actively each engages the learner (ICAP:
#: interactive > constructive > active > passive; Chi & Wylie 2014). The ratios are a
#: judgement on that ordering, not measurements: hence their wide prior (PRIOR_SD).
FORMAT_GAIN: Mapping[str, float] = MappingProxyType(
    {
        "video": 1.0,
        "podcast": 0.9,
        "article": 1.0,
        "document": 0.9,
        "course": 1.2,
        "assessment": 1.3,
        "exercise": 1.5,
        "simulation": 1.75,
        "other": 1.0,
    }
)
#: Width (level units) of the band around "just above the current level" where practice
#: teaches most: desirable difficulty (Bjork 1994) and the ~85% success optimum of Wilson
#: et al. 2019 ("The Eighty Five Percent Rule for optimal learning", Nat. Commun.).
ZONE = 0.25
#: Where in that band practice teaches most, above the level (level units): "just above",
#: the desirable-difficulty reading of Bjork 1994; a judgement, hence a wide prior.
PEAK = 0.05
#: Returns on time on task diminish: the power law of practice (Newell & Rosenbloom 1981)
#: puts the exponent below 1; 0.5 is the middle of the range it reports.
DURATION_EXPONENT = 0.5
#: Practice on a skill whose prerequisites fall short teaches in proportion to readiness
#: (exponent 1), never below the floor: prerequisite structure in knowledge spaces
#: (Doignon & Falmagne 1999) says how, not how much, so the exponent is fitted.
READINESS_EXPONENT = 1.0
MIN_READINESS = 0.25
#: Unconfirmed practice credit fades with e-folding time of a year: skills unused for a
#: year lose much of what was learned (Arthur, Bennett, Stanush & McNelly 1998, meta-analysis
#: of skill decay, Human Performance 11(1)).
FORGET_RATE = 1.0 / 365.0
#: How far the learner model's starting level of a skill (from role, tenure and job history,
#: before any answer) is off, one sd in level units. A judgement: the role prior spans
#: 0.6..0.95 of a target, about 0.2 level units on a target of 0.6, and a level anywhere in
#: that span is plausible for a given tenure. The fit (gain_sml) estimates it from the
#: organisation's answers with the start integrated out, and the level's uncertainty reads
#: the fitted value (LearnerState.level_sd).
START_SD = 0.15

#: Prior sd of each parameter on the scale it is fitted on (log for the positive ones).
PRIOR_SD: Mapping[str, float] = MappingProxyType(
    {
        "log_practice_gain": 0.7,
        "log_format_gain": 0.5,  # each format around its ICAP ratio, partial pooling
        "log_zone": 0.4,
        "peak": 0.15,
        "duration_exponent": 0.25,
        "readiness_exponent": 0.5,
        "log_forget_rate": 1.0,
    }
)


@dataclass(frozen=True)
class GainParams:
    """The practice curve's parameters (defaults: the priors above)."""

    practice_gain: float = PRACTICE_GAIN
    format_gain: Mapping[str, float] = field(default_factory=lambda: dict(FORMAT_GAIN))
    #: Per skill id: its multiplier of the shared gain (absent: 1).
    skill_gain: Mapping[str, float] = field(default_factory=dict)
    zone: float = ZONE
    peak: float = PEAK
    duration_exponent: float = DURATION_EXPONENT
    readiness_exponent: float = READINESS_EXPONENT
    forget_rate: float = FORGET_RATE
    #: Not part of the curve: how far starting levels are off (served beside it, since the
    #: same fit estimates it and the level's uncertainty reads it).
    start_sd: float = START_SD
    #: Whether these came from a fit (False: the documented defaults).
    fitted: bool = False

    def formats(self, names: Sequence[str] = FORMATS) -> np.ndarray:
        """Format gain per name in ``names`` (unknown formats count as a video)."""
        return np.array([self.format_gain.get(f, 1.0) for f in names], np.float32)

    def skills(self, ids: Sequence[str]) -> np.ndarray:
        return np.array([self.skill_gain.get(s, 1.0) for s in ids], np.float32)

    def as_dict(self) -> dict[str, Any]:
        return {
            "practice_gain": self.practice_gain,
            "format_gain": dict(self.format_gain),
            "skill_gain": dict(self.skill_gain),
            "zone": self.zone,
            "peak": self.peak,
            "duration_exponent": self.duration_exponent,
            "readiness_exponent": self.readiness_exponent,
            "forget_rate": self.forget_rate,
            "start_sd": self.start_sd,
            "fitted": self.fitted,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GainParams:
        return cls(
            practice_gain=float(d["practice_gain"]),
            format_gain={**FORMAT_GAIN, **{k: float(v) for k, v in d["format_gain"].items()}},
            skill_gain={k: float(v) for k, v in d.get("skill_gain", {}).items()},
            zone=float(d["zone"]),
            peak=float(d.get("peak", PEAK)),  # fits stored before the peak was fitted
            duration_exponent=float(d["duration_exponent"]),
            readiness_exponent=float(d["readiness_exponent"]),
            forget_rate=float(d["forget_rate"]),
            start_sd=float(d.get("start_sd", START_SD)),  # fits stored before it was served
            fitted=bool(d.get("fitted", True)),
        )


DEFAULT_GAIN = GainParams()


@dataclass(frozen=True)
class GainModel:
    """:class:`GainParams` as arrays for one skill graph: what the level replay and the
    ranker's expected progress read."""

    params: GainParams
    format_gain: np.ndarray  # per FORMATS code
    skill_gain: np.ndarray  # per skill index

    @classmethod
    def of(cls, params: GainParams, skill_ids: Sequence[str]) -> GainModel:
        return cls(params, params.formats(), params.skills(skill_ids))

    @classmethod
    def default(cls, n_skills: int) -> GainModel:
        return cls(DEFAULT_GAIN, DEFAULT_GAIN.formats(), np.ones(n_skills, np.float32))

    def decay(self, days: Any) -> Any:
        """Share of unconfirmed practice credit left after ``days`` without practice."""
        return np.exp(-self.params.forget_rate * np.maximum(days, 0.0))
