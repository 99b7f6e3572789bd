"""The one registry of pipeline stages: read from ``[pipeline]`` (open stages in order) plus the two closing
stages, won (100 %) and lost (0 %). Deals store a stage's key; users type and read its names in either
language (``方案报价`` or ``proposal``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from config.sales_settings import CLOSED_STAGE_KEYS, PipelineSettings
from config.settings import Settings

WON, LOST = CLOSED_STAGE_KEYS


@dataclass(frozen=True)
class Stage:
    """One stage: its stored key, names and forecast probability (percent)."""

    key: str
    zh: str
    en: str
    probability: int
    position: int

    @property
    def closed(self) -> bool:
        return self.key in CLOSED_STAGE_KEYS

    @property
    def weight(self) -> Decimal:
        return Decimal(self.probability) / 100

    def name(self, lang: str) -> str:
        """The stage's name in ``lang``."""
        return self.zh if lang.startswith("zh") else self.en


@dataclass(frozen=True)
class StageRegistry:
    """The pipeline's stages in order (open ones first, then won and lost)."""

    stages: tuple[Stage, ...]

    @property
    def open(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if not s.closed)

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def get(self, key: str) -> Stage:
        """The stage stored as `key`; a stage since removed from the config reads as itself at 0 %."""
        for stage in self.stages:
            if stage.key == key:
                return stage
        return Stage(key=key, zh=key, en=key, probability=0, position=len(self.stages))

    def find(self, word: str) -> Stage | None:
        """The stage a user typed, by key or by its name in either language (case-insensitive)."""
        typed = word.strip().lower()
        for stage in self.stages:
            if typed in (stage.key, stage.zh.lower(), stage.en.lower()):
                return stage
        return None

    def after(self, stage: Stage) -> Stage | None:
        """The next open stage, or None from the last open one (or a closed one)."""
        opened = self.open
        if stage not in opened:
            return None
        index = opened.index(stage)
        return opened[index + 1] if index + 1 < len(opened) else None

    def choices(self, lang: str) -> str:
        """The open stages' names for a hint: ``初步接洽、需求确认…`` / ``qualify, needs, …``."""
        separator = "、" if lang.startswith("zh") else ", "
        return separator.join(s.name(lang) for s in self.open)


def stage_registry_default() -> StageRegistry:
    """The registry of the default pipeline (where no settings are at hand: reading an import file)."""
    return _build(PipelineSettings().model_dump_json())


def stage_registry(settings: Settings) -> StageRegistry:
    """The registry of the configured pipeline (built once per distinct configuration)."""
    return _build(settings.pipeline.model_dump_json())


@lru_cache(maxsize=8)
def _build(config: str) -> StageRegistry:
    pipeline = PipelineSettings.model_validate_json(config)
    stages = [Stage(s.key, s.zh, s.en, s.probability, i) for i, s in enumerate(pipeline.stages)]
    n = len(stages)
    stages.append(Stage(WON, pipeline.won_zh, pipeline.won_en, 100, n))
    stages.append(Stage(LOST, pipeline.lost_zh, pipeline.lost_en, 0, n + 1))
    return StageRegistry(tuple(stages))
