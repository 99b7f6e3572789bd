"""The pipeline's buttons, declared once (`bot.actions`): a deal's next stage, won, lost, its order, reopening
it, its card; and the funnel's stage buttons. Stages and scopes travel as the words the clicker's language
types (``方案报价``, ``团队``), which the commands read in either language."""

from __future__ import annotations

from bot.actions import ActionSpec, declare

DEAL_SHOW = declare(ActionSpec("deal_show", command="show", arguments="D{deal}", label="deals:action_show"))
DEAL_NEXT = declare(ActionSpec("deal_next", command="stage", arguments="D{deal} {stage}", label="deals:action_stage",
                               style="primary"))
DEAL_WON = declare(ActionSpec("deal_won", command="won", arguments="D{deal}", label="deals:action_won"))
DEAL_LOST = declare(ActionSpec("deal_lost", command="lost", arguments="D{deal}", label="deals:action_lost",
                               style="danger"))
DEAL_ORDER = declare(ActionSpec("deal_order", command="won", arguments={"en": "D{deal} order", "zh": "D{deal} 下单"},
                                label="deals:action_order"))
DEAL_REOPEN = declare(ActionSpec("deal_reopen", command="stage", arguments="D{deal} {stage}",
                                 label="deals:action_reopen"))
PIPELINE_STAGE = declare(ActionSpec("pipeline_stage", command="deals", arguments="{stage} {scope}",
                                    label="pipeline:label_open"))
