"""Actions: what a click carries (an id and arguments), read back strictly, run as the command it stands for."""

from __future__ import annotations

import pytest

from bot import actions
from bot.commands import default_registry


@pytest.fixture(autouse=True)
def _words() -> None:
    default_registry()  # the registry teaches the actions how each language types its commands


def test_an_action_round_trips_through_its_encoded_value() -> None:
    done = actions.ref("done", customer=12)
    assert done.encode() == "⟦done?customer=12⟧"
    assert actions.decode(done.encode()) == done
    assert actions.find(f"完成 {done.encode()}") == done  # what a DingTalk quick link sends


def test_the_command_is_typed_in_each_language_and_run_in_the_canonical_one() -> None:
    done = actions.ref("done", customer=12)
    assert actions.command_text(done) == "done #12"
    assert actions.command_text(done, "zh") == "完成 #12"
    page = actions.ref("find_page", query="Acme Trading", page=2)
    assert actions.decode(page.encode()) == page
    assert actions.command_text(page) == 'find "Acme Trading" page:2'
    assert actions.command_text(page, "zh") == '查找 "Acme Trading" 页:2'


@pytest.mark.parametrize("value", [
    "⟦done?customer=1&extra=x⟧",  # a parameter the action does not take
    "⟦done⟧",  # one it needs is missing
    "⟦done?customer=1&customer=2⟧",  # twice
    "⟦nosuch?customer=1⟧",  # an undeclared action
    "⟦find_page?query=a%0Ab&page=2⟧",  # a line break smuggled into an argument
])
def test_forged_or_stale_values_are_not_actions(value: str) -> None:
    assert actions.decode(value) is None
    assert actions.is_stale(value)


def test_ordinary_text_is_neither_an_action_nor_stale() -> None:
    assert actions.find("done #1") is None and not actions.is_stale("done #1")
    assert not actions.is_stale("log #1 客户说【报价】⟦已确认")


def test_declaring_an_action_twice_differently_is_an_error() -> None:
    with pytest.raises(ValueError):
        actions.declare(actions.ActionSpec("done", command="snooze"))
    with pytest.raises(ValueError):
        actions.ref("done", deal=1)


def test_button_builds_label_typed_command_and_value() -> None:
    button = actions.button("zh", "log", customer=3)
    assert (button.label, button.command, button.value, button.style) == ("记录跟进", "跟进 #3", "⟦log?customer=3⟧",
                                                                          "primary")
