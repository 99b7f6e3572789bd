"""Settings of the sales pipeline (``[pipeline]``) and the public pool (``[pool]``), in their own module so that
`config.settings` only names the sections."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator, model_validator

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
# The two closing stages: every pipeline ends in one of them, whatever its open stages are called.
CLOSED_STAGE_KEYS = ("won", "lost")


class StageConfig(BaseModel):
    """One open stage of the pipeline: a stable key (stored on deals), its names in both languages and the
    probability (percent) that weights its deals in the forecast."""

    key: str
    zh: str = Field(min_length=1, max_length=24)
    en: str = Field(min_length=1, max_length=24)
    probability: int = Field(ge=0, le=100)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.match(value) or value in CLOSED_STAGE_KEYS:
            raise ValueError("a lower-case word such as 'proposal' (won and lost are built in)")
        return value


def _default_stages() -> list[StageConfig]:
    return [
        StageConfig(key="qualify", zh="初步接洽", en="qualify", probability=10),
        StageConfig(key="needs", zh="需求确认", en="needs", probability=30),
        StageConfig(key="proposal", zh="方案报价", en="proposal", probability=50),
        StageConfig(key="negotiation", zh="商务谈判", en="negotiation", probability=70),
    ]


class PipelineSettings(BaseModel):
    """``[pipeline]``: the open stages in order (won 100 % and lost 0 % close every pipeline) and when a deal
    resting in one stage counts as stuck."""

    stages: list[StageConfig] = Field(default_factory=_default_stages, min_length=1, max_length=12)
    stuck_after_days: int = Field(14, ge=1, le=365)
    won_zh: str = "赢单"
    won_en: str = "won"
    lost_zh: str = "丢单"
    lost_en: str = "lost"

    @model_validator(mode="after")
    def _distinct(self) -> PipelineSettings:
        names = [n.lower() for s in self.stages for n in dict.fromkeys((s.key, s.zh, s.en))]
        names += [self.won_zh, self.won_en.lower(), self.lost_zh, self.lost_en.lower(), *CLOSED_STAGE_KEYS]
        seen: set[str] = set()
        for name in names:
            if name in seen and name not in CLOSED_STAGE_KEYS:
                raise ValueError(f"the stage name {name!r} is used twice")
            seen.add(name)
        return self


class PoolSettings(BaseModel):
    """``[pool]``: the public pool (公海). Off unless ``release_after_days`` is set (a team may set its own)."""

    release_after_days: int | None = Field(None, ge=4, le=3650)
    warn_days_before: int = Field(3, ge=1, le=30)
    max_per_rep: int = Field(50, ge=1, le=100000)


class LifecycleSettings(BaseModel):
    """``[lifecycle]``: the nightly pass that recomputes stages and tiers (first tick after `hour`, default zone),
    and the trailing-12-month value (in `tier_currency`) a tier takes; a tier set by hand stays."""

    hour: int = Field(2, ge=0, le=23)
    tier_vip: int = Field(500000, ge=1)
    tier_key: int = Field(100000, ge=1)
    tier_currency: str = Field("CNY", min_length=3, max_length=3)

    @model_validator(mode="after")
    def _ordered(self) -> LifecycleSettings:
        if self.tier_key >= self.tier_vip:
            raise ValueError("tier_key must be below tier_vip")
        return self

