"""Block Kit validation, checked directly against Slack's documented limits."""

from __future__ import annotations

from typing import Any

import pytest

from standin.blockkit import validate_blocks, validate_view


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def button(action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain("Go"), **extra}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **extra}


def errors_for(*blocks: Any, surface: Any = "message") -> list[str]:
    return validate_blocks(list(blocks), surface=surface)


def test_a_realistic_message_is_valid() -> None:
    blocks = [
        {"type": "header", "text": plain("Fact check: 3 claims")},
        section("*Claim 1* — the mayor said X", block_id="claim-1"),
        {"type": "context", "elements": [mrkdwn("from <@U0ANA>"), plain("2 min ago")]},
        {
            "type": "actions",
            "block_id": "claim-1-actions",
            "elements": [
                button("claim_approve", style="primary", value="1"),
                button("claim_reject", style="danger", value="1"),
                {
                    "type": "static_select",
                    "action_id": "claim_verdict",
                    "placeholder": plain("Verdict"),
                    "options": [option("True", "true"), option("False", "false")],
                },
                {"type": "users_select", "action_id": "claim_assign", "initial_user": "U0ANA"},
            ],
        },
        {"type": "divider"},
        section(
            "Claim 2",
            block_id="claim-2",
            accessory=button("claim_approve", value="2"),  # same action_id, other block
            fields=[mrkdwn("*Status*"), mrkdwn("open")],
        ),
        {
            "type": "rich_text",
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": "x"}]}
            ],
        },
        {"type": "markdown", "text": "**bold**"},
        {"type": "image", "image_url": "https://example.org/a.png", "alt_text": "chart"},
    ]
    assert validate_blocks(blocks, surface="message") == []


def test_blocks_must_be_a_list_of_objects() -> None:
    assert validate_blocks({"type": "divider"}, surface="message") == [
        "must provide an array [json-pointer:/blocks]"
    ]
    assert errors_for("divider") == ["must provide an object [json-pointer:/blocks/0]"]


@pytest.mark.parametrize(("surface", "limit"), [("message", 50), ("modal", 100), ("home", 100)])
def test_block_count_limits(surface: Any, limit: int) -> None:
    at_limit = [{"type": "divider"}] * limit
    assert validate_blocks(at_limit, surface=surface) == []
    assert validate_blocks([*at_limit, {"type": "divider"}], surface=surface) == [
        f"no more than {limit} items allowed [json-pointer:/blocks]"
    ]


def test_unknown_and_missing_block_types() -> None:
    assert errors_for({"type": "carousel"}, {"text": mrkdwn("x")}) == [
        "unsupported type: carousel [json-pointer:/blocks/0/type]",
        "missing required field: type [json-pointer:/blocks/1]",
    ]


def test_block_id_length_and_uniqueness() -> None:
    assert errors_for(section(block_id="b" * 255)) == []
    assert errors_for(section(block_id="b" * 256)) == [
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]"
    ]
    assert errors_for(section(block_id="a"), {"type": "divider", "block_id": "a"}) == [
        "duplicate block_id: a [json-pointer:/blocks/1/block_id]"
    ]


def test_text_objects() -> None:
    assert errors_for({"type": "section", "text": {"type": "markdown", "text": "x"}}) == [
        "unsupported type: markdown [json-pointer:/blocks/0/text/type]"
    ]
    assert errors_for({"type": "section", "text": mrkdwn("")}) == [
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert errors_for({"type": "section", "text": {"type": "mrkdwn"}}) == [
        "missing required field: text [json-pointer:/blocks/0/text]"
    ]
    assert errors_for({"type": "section", "text": "just a string"}) == [
        "must provide an object [json-pointer:/blocks/0/text]"
    ]


def test_section_limits() -> None:
    assert errors_for(section("x" * 3000)) == []
    assert errors_for(section("x" * 3001)) == [
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert errors_for({"type": "section"}) == [
        "missing required field: text or fields [json-pointer:/blocks/0]"
    ]
    fields = [mrkdwn("f")] * 11
    assert errors_for({"type": "section", "fields": fields}) == [
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]"
    ]
    assert errors_for({"type": "section", "fields": [mrkdwn("x" * 2001)]}) == [
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"
    ]
    assert errors_for(section(accessory={"type": "plain_text_input", "action_id": "a"})) == [
        "unsupported type: plain_text_input [json-pointer:/blocks/0/accessory/type]"
    ]


def test_header_is_plain_text_up_to_150() -> None:
    assert errors_for({"type": "header", "text": plain("x" * 150)}) == []
    assert errors_for({"type": "header", "text": plain("x" * 151)}) == [
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert errors_for({"type": "header", "text": mrkdwn("x")}) == [
        "unsupported type: mrkdwn [json-pointer:/blocks/0/text/type]"
    ]


def test_context_elements() -> None:
    assert errors_for({"type": "context", "elements": []}) == [
        "must provide at least 1 items [json-pointer:/blocks/0/elements]"
    ]
    assert errors_for({"type": "context", "elements": [mrkdwn("x")] * 11}) == [
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]"
    ]
    assert errors_for({"type": "context", "elements": [button()]}) == [
        "unsupported type: button [json-pointer:/blocks/0/elements/0/type]"
    ]
    assert errors_for({"type": "context", "elements": [{"type": "image", "image_url": "u"}]}) == [
        "missing required field: alt_text [json-pointer:/blocks/0/elements/0]"
    ]


def test_actions_elements() -> None:
    assert errors_for({"type": "actions", "elements": [button(f"b{i}") for i in range(25)]}) == []
    assert errors_for({"type": "actions", "elements": [button(f"b{i}") for i in range(26)]}) == [
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]"
    ]
    assert errors_for({"type": "actions", "elements": [button("a"), button("a")]}) == [
        "duplicate action_id: a [json-pointer:/blocks/0/elements/1/action_id]"
    ]
    assert errors_for({"type": "actions"}) == [
        "missing required field: elements [json-pointer:/blocks/0]"
    ]


def test_button_limits() -> None:
    def actions(elem: dict[str, Any]) -> list[str]:
        return errors_for({"type": "actions", "elements": [elem]})

    prefix = "[json-pointer:/blocks/0/elements/0"
    assert actions({**button(), "text": plain("x" * 75)}) == []
    assert actions({**button(), "text": plain("x" * 76)}) == [
        f"must be less than 76 characters {prefix}/text/text]"
    ]
    assert actions({**button(), "text": mrkdwn("Go")}) == [
        f"unsupported type: mrkdwn {prefix}/text/type]"
    ]
    assert actions(button(value="v" * 2001)) == [
        f"must be less than 2001 characters {prefix}/value]"
    ]
    assert actions(button(url="https://x/" + "u" * 2991)) == [
        f"must be less than 3001 characters {prefix}/url]"
    ]
    assert actions(button(style="secondary")) == [f"must be a valid enum value {prefix}/style]"]
    assert actions(button("a" * 256)) == [f"must be less than 256 characters {prefix}/action_id]"]
    assert actions({"type": "button", "action_id": "x"}) == [
        "missing required field: text [json-pointer:/blocks/0/elements/0]"
    ]


def test_confirm_objects() -> None:
    good = {
        "title": plain("Sure?"),
        "text": mrkdwn("This closes the claim."),
        "confirm": plain("Yes"),
        "deny": plain("No"),
        "style": "danger",
    }
    assert errors_for({"type": "actions", "elements": [button(confirm=good)]}) == []
    bad = {**good, "title": plain("x" * 101), "confirm": plain("y" * 31), "style": "loud"}
    del bad["deny"]
    prefix = "[json-pointer:/blocks/0/elements/0/confirm"
    assert errors_for({"type": "actions", "elements": [button(confirm=bad)]}) == [
        f"must be less than 101 characters {prefix}/title/text]",
        f"must be less than 31 characters {prefix}/confirm/text]",
        f"missing required field: deny {prefix}]",
        f"must be a valid enum value {prefix}/style]",
    ]


def test_static_select() -> None:
    def select(**extra: Any) -> list[str]:
        elem = {"type": "static_select", "action_id": "s", "placeholder": plain("Pick"), **extra}
        return errors_for({"type": "actions", "elements": [elem]})

    prefix = "[json-pointer:/blocks/0/elements/0"
    assert select(options=[option("a", "a")]) == []
    assert select(option_groups=[{"label": plain("G"), "options": [option("a", "a")]}]) == []
    assert select() == [f"must provide exactly one of options or option_groups {prefix}]"]
    assert select(options=[option("a", "a")] * 101) == [
        f"no more than 100 items allowed {prefix}/options]"
    ]
    assert select(options=[option("x" * 76, "v" * 151)]) == [
        f"must be less than 76 characters {prefix}/options/0/text/text]",
        f"must be less than 151 characters {prefix}/options/0/value]",
    ]
    assert select(options=[option("a", "a")], placeholder=plain("p" * 151)) == [
        f"must be less than 151 characters {prefix}/placeholder/text]"
    ]


def test_users_select_and_checkboxes() -> None:
    users = {"type": "users_select", "action_id": "u", "initial_user": ""}
    assert errors_for({"type": "actions", "elements": [users]}) == [
        "must be more than 0 characters [json-pointer:/blocks/0/elements/0/initial_user]"
    ]
    boxes = {"type": "checkboxes", "action_id": "c", "options": [option("x", "x")] * 11}
    assert errors_for({"type": "actions", "elements": [boxes]}) == [
        "no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]"
    ]
    mrkdwn_option = {"text": mrkdwn("*bold*"), "value": "b"}
    ok_boxes = {"type": "checkboxes", "action_id": "c", "options": [mrkdwn_option]}
    assert errors_for({"type": "actions", "elements": [ok_boxes]}) == []


def test_input_block() -> None:
    def input_block(**extra: Any) -> dict[str, Any]:
        return {
            "type": "input",
            "label": plain("Claim"),
            "element": {"type": "plain_text_input", "action_id": "t", "multiline": True},
            **extra,
        }

    assert errors_for(input_block(), surface="modal") == []
    assert errors_for(input_block(label=plain("x" * 2001)), surface="modal") == [
        "must be less than 2001 characters [json-pointer:/blocks/0/label/text]"
    ]
    assert errors_for(input_block(element=button()), surface="modal") == [
        "unsupported type: button [json-pointer:/blocks/0/element/type]"
    ]
    bounds = {"type": "plain_text_input", "action_id": "t", "min_length": 10, "max_length": 5}
    assert errors_for(input_block(element=bounds), surface="modal") == [
        "min_length must not exceed max_length [json-pointer:/blocks/0/element/min_length]"
    ]
    no_element = {"type": "input", "label": plain("x")}
    assert errors_for(no_element, surface="modal") == [
        "missing required field: element [json-pointer:/blocks/0]"
    ]


def test_markdown_block_is_message_only() -> None:
    markdown = {"type": "markdown", "text": "**x**"}
    assert errors_for(markdown) == []
    assert errors_for(markdown, surface="modal") == [
        "unsupported type: markdown [json-pointer:/blocks/0/type]"
    ]


def test_validate_view_modal() -> None:
    modal = {
        "type": "modal",
        "title": plain("Edit claim"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "callback_id": "edit",
        "private_metadata": "{}",
        "blocks": [section()],
    }
    assert validate_view(modal) == []
    assert validate_view({**modal, "title": plain("x" * 25)}) == [
        "must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert validate_view({**modal, "submit": plain("s" * 25), "close": plain("c" * 25)}) == [
        "must be less than 25 characters [json-pointer:/view/close/text]",
        "must be less than 25 characters [json-pointer:/view/submit/text]",
    ]
    assert validate_view({**modal, "callback_id": "c" * 256}) == [
        "must be less than 256 characters [json-pointer:/view/callback_id]"
    ]
    assert validate_view({**modal, "private_metadata": "m" * 3001}) == [
        "must be less than 3001 characters [json-pointer:/view/private_metadata]"
    ]
    untitled = {k: v for k, v in modal.items() if k != "title"}
    assert validate_view(untitled) == ["missing required field: title [json-pointer:/view]"]


def test_validate_view_requires_submit_for_inputs() -> None:
    modal = {
        "type": "modal",
        "title": plain("Edit"),
        "blocks": [
            {
                "type": "input",
                "label": plain("Claim"),
                "element": {"type": "plain_text_input", "action_id": "t"},
            }
        ],
    }
    assert validate_view(modal) == ["missing required field: submit [json-pointer:/view]"]


def test_validate_view_types_and_block_pointers() -> None:
    assert validate_view({"type": "home", "blocks": [{"type": "divider"}] * 100}) == []
    assert validate_view({"type": "workflow_step", "blocks": []}) == [
        "unsupported type: workflow_step [json-pointer:/view/type]"
    ]
    assert validate_view("modal") == ["must provide an object [json-pointer:/view]"]
    assert validate_view({"type": "home", "blocks": [section("x" * 3001)]}) == [
        "must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]"
    ]
