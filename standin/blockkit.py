"""Block Kit validation for the Slack stand-in.

Slack rejects malformed blocks with ``invalid_blocks`` and a list of messages such as
``must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.  The stand-in
answers the same way so that a payload our bot builds is refused here, in a test, rather
than in a customer's workspace.  The limits follow Slack's Block Kit reference (blocks,
block elements, composition objects, view objects).

The checks are deliberately conservative: anything Slack documents as an error is
reported, while properties this module does not know about are left alone, so a newer
Block Kit feature never makes a test fail spuriously.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any, Literal

__all__ = [
    "BLOCK_TYPES",
    "MAX_BLOCKS",
    "Surface",
    "validate_blocks",
    "validate_view",
]

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[str, int] = {"message": 50, "modal": 100, "home": 100}

BLOCK_TYPES = frozenset(
    {
        "section",
        "divider",
        "header",
        "context",
        "actions",
        "image",
        "input",
        "rich_text",
        "markdown",
    }
)

_SELECT_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
    }
)
_MULTI_SELECT_TYPES = frozenset("multi_" + t for t in _SELECT_TYPES)
_CHOICE_TYPES = frozenset({"checkboxes", "radio_buttons"})
_PICKER_TYPES = frozenset({"datepicker", "timepicker", "datetimepicker"})
_TEXT_INPUT_TYPES = frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
    }
)

# Which interactive elements each container accepts, per the "works with" lists in
# Slack's element reference; text inputs only live in input blocks.
_SECTION_ACCESSORIES = (
    frozenset({"button", "image", "overflow", "workflow_button"})
    | _SELECT_TYPES
    | _MULTI_SELECT_TYPES
    | _CHOICE_TYPES
    | (_PICKER_TYPES - {"datetimepicker"})
)
_ACTIONS_ELEMENTS = (
    frozenset({"button", "overflow", "workflow_button", "rich_text_input"})
    | _SELECT_TYPES
    | _MULTI_SELECT_TYPES
    | _CHOICE_TYPES
    | _PICKER_TYPES
)
_INPUT_ELEMENTS = (
    _SELECT_TYPES | _MULTI_SELECT_TYPES | _CHOICE_TYPES | _PICKER_TYPES | _TEXT_INPUT_TYPES
)

_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
_RICH_TEXT_CHILDREN = frozenset(
    {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
)
_STYLES = frozenset({"primary", "danger"})


def validate_blocks(blocks: Any, *, surface: Surface, pointer: str = "/blocks") -> list[str]:
    """Return Slack-style error strings for ``blocks`` on ``surface``; empty means valid.

    ``pointer`` is the JSON pointer of the array in the request, so errors inside a view
    read ``/view/blocks/...`` exactly as Slack reports them.
    """
    checker = _Checker()
    checker.blocks(blocks, pointer, surface)
    return checker.errors


def validate_view(view: Any) -> list[str]:
    """Return Slack-style error strings for a modal or Home tab view object."""
    checker = _Checker()
    checker.view(view, "/view")
    return checker.errors


class _Checker:
    """Accumulates every problem instead of stopping at the first, as Slack does."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self._block_ids: set[str] = set()

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    # -- primitives ------------------------------------------------------------

    def string(
        self,
        value: Any,
        pointer: str,
        *,
        max_len: int | None = None,
        min_len: int = 0,
    ) -> str | None:
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
            return None
        if len(value) < min_len:
            self.fail(f"must be more than {min_len - 1} characters", pointer)
        if max_len is not None and len(value) > max_len:
            self.fail(f"must be less than {max_len + 1} characters", pointer)
        return value

    def array(
        self,
        value: Any,
        pointer: str,
        *,
        max_items: int | None = None,
        min_items: int = 0,
    ) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail("must provide an array", pointer)
            return None
        if len(value) < min_items:
            self.fail(f"must provide at least {min_items} items", pointer)
        if max_items is not None and len(value) > max_items:
            self.fail(f"no more than {max_items} items allowed", pointer)
        return value

    def obj(self, value: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail("must provide an object", pointer)
            return None
        return value

    def typed(
        self, value: Any, pointer: str, allowed: Container[str]
    ) -> tuple[dict[str, Any], str] | None:
        """An object with a `type` among `allowed`, and that type; None once reported."""
        obj = self.obj(value, pointer)
        if obj is None:
            return None
        kind = obj.get("type")
        if kind is None:
            self.fail("missing required field: type", pointer)
            return None
        if kind not in allowed:
            self.fail(f"unsupported type: {kind}", f"{pointer}/type")
            return None
        return obj, kind

    def required(self, parent: dict[str, Any], key: str, pointer: str) -> bool:
        if parent.get(key) is None:
            self.fail(f"missing required field: {key}", pointer)
            return False
        return True

    def optional_string(
        self, parent: dict[str, Any], key: str, pointer: str, *, max_len: int
    ) -> None:
        if parent.get(key) is not None:
            self.string(parent[key], f"{pointer}/{key}", max_len=max_len, min_len=1)

    def text(
        self,
        value: Any,
        pointer: str,
        *,
        max_len: int | None = None,
        plain_only: bool = False,
    ) -> None:
        """A text composition object: ``{"type": "plain_text"|"mrkdwn", "text": ...}``."""
        text_obj = self.obj(value, pointer)
        if text_obj is None:
            return
        kind = text_obj.get("type")
        allowed = {"plain_text"} if plain_only else _TEXT_TYPES
        if kind is None:
            self.fail("missing required field: type", pointer)
        elif kind not in allowed:
            self.fail(f"unsupported type: {kind}", f"{pointer}/type")
        if self.required(text_obj, "text", pointer):
            self.string(text_obj["text"], f"{pointer}/text", max_len=max_len, min_len=1)
        if kind == "mrkdwn" and "emoji" in text_obj:
            # "emoji" belongs to plain_text only; Slack refuses it on mrkdwn.
            self.fail("invalid additional property: emoji", pointer)

    def optional_text(
        self,
        parent: dict[str, Any],
        key: str,
        pointer: str,
        *,
        max_len: int,
        plain_only: bool = True,
    ) -> None:
        if parent.get(key) is not None:
            self.text(parent[key], f"{pointer}/{key}", max_len=max_len, plain_only=plain_only)

    def required_text(
        self,
        parent: dict[str, Any],
        key: str,
        pointer: str,
        *,
        max_len: int,
        plain_only: bool = True,
    ) -> None:
        if self.required(parent, key, pointer):
            self.text(parent[key], f"{pointer}/{key}", max_len=max_len, plain_only=plain_only)

    # -- composition objects ---------------------------------------------------

    def confirm(self, value: Any, pointer: str) -> None:
        dialog = self.obj(value, pointer)
        if dialog is None:
            return
        self.required_text(dialog, "title", pointer, max_len=100)
        self.required_text(dialog, "text", pointer, max_len=300, plain_only=False)
        self.required_text(dialog, "confirm", pointer, max_len=30)
        self.required_text(dialog, "deny", pointer, max_len=30)
        if "style" in dialog and dialog["style"] not in _STYLES:
            self.fail("must be a valid enum value", f"{pointer}/style")

    def option(self, value: Any, pointer: str, *, plain_only: bool) -> None:
        opt = self.obj(value, pointer)
        if opt is None:
            return
        self.required_text(opt, "text", pointer, max_len=75, plain_only=plain_only)
        if self.required(opt, "value", pointer):
            self.string(opt["value"], f"{pointer}/value", max_len=150, min_len=1)
        self.optional_text(opt, "description", pointer, max_len=75, plain_only=plain_only)
        self.optional_string(opt, "url", pointer, max_len=3000)

    def options(
        self,
        parent: dict[str, Any],
        key: str,
        pointer: str,
        *,
        max_items: int,
        plain_only: bool,
        min_items: int = 1,
    ) -> None:
        items = self.array(
            parent[key], f"{pointer}/{key}", max_items=max_items, min_items=min_items
        )
        for i, item in enumerate(items or []):
            self.option(item, f"{pointer}/{key}/{i}", plain_only=plain_only)

    # -- block elements --------------------------------------------------------

    def element(
        self,
        value: Any,
        pointer: str,
        *,
        allowed: frozenset[str],
        action_ids: set[str],
    ) -> None:
        typed = self.typed(value, pointer, allowed)
        if typed is None:
            return
        elem, kind = typed
        if kind == "image":
            self.image_element(elem, pointer)
            return
        if "action_id" in elem:
            action_id = self.string(elem["action_id"], f"{pointer}/action_id", max_len=255)
            if action_id is not None:
                # Slack only insists on uniqueness inside one block: repeating an action_id
                # in another block (one "approve" button per claim) is legitimate.
                if action_id in action_ids:
                    self.fail(f"duplicate action_id: {action_id}", f"{pointer}/action_id")
                action_ids.add(action_id)
        if elem.get("confirm") is not None:
            self.confirm(elem["confirm"], f"{pointer}/confirm")
        self.optional_text(elem, "placeholder", pointer, max_len=150)
        check = _ELEMENT_CHECKS.get(kind)
        if check is not None:
            check(self, elem, pointer)

    def image_element(self, elem: dict[str, Any], pointer: str) -> None:
        if elem.get("image_url") is None and elem.get("slack_file") is None:
            self.fail("missing required field: image_url", pointer)
        self.optional_string(elem, "image_url", pointer, max_len=3000)
        if self.required(elem, "alt_text", pointer):
            self.string(elem["alt_text"], f"{pointer}/alt_text", max_len=2000, min_len=1)

    def button(self, elem: dict[str, Any], pointer: str) -> None:
        self.required_text(elem, "text", pointer, max_len=75)
        self.optional_string(elem, "value", pointer, max_len=2000)
        self.optional_string(elem, "url", pointer, max_len=3000)
        self.optional_string(elem, "accessibility_label", pointer, max_len=75)
        if "style" in elem and elem["style"] not in _STYLES:
            self.fail("must be a valid enum value", f"{pointer}/style")

    def static_select(self, elem: dict[str, Any], pointer: str) -> None:
        has_options = elem.get("options") is not None
        has_groups = elem.get("option_groups") is not None
        if has_options == has_groups:
            self.fail("must provide exactly one of options or option_groups", pointer)
        if has_options:
            self.options(elem, "options", pointer, max_items=100, plain_only=True)
        if has_groups:
            groups = self.array(
                elem["option_groups"], f"{pointer}/option_groups", max_items=100, min_items=1
            )
            for i, group in enumerate(groups or []):
                group_ptr = f"{pointer}/option_groups/{i}"
                grp = self.obj(group, group_ptr)
                if grp is None:
                    continue
                self.required_text(grp, "label", group_ptr, max_len=75)
                if self.required(grp, "options", group_ptr):
                    self.options(grp, "options", group_ptr, max_items=100, plain_only=True)
        self.initial_choices(elem, pointer, max_items=100, plain_only=True)

    def users_select(self, elem: dict[str, Any], pointer: str) -> None:
        if elem.get("initial_user") is not None:
            self.string(elem["initial_user"], f"{pointer}/initial_user", min_len=1)
        if elem.get("initial_users") is not None:
            items = self.array(elem["initial_users"], f"{pointer}/initial_users")
            for i, item in enumerate(items or []):
                self.string(item, f"{pointer}/initial_users/{i}", min_len=1)

    def choices(self, elem: dict[str, Any], pointer: str) -> None:
        if self.required(elem, "options", pointer):
            self.options(elem, "options", pointer, max_items=10, plain_only=False)
        self.initial_choices(elem, pointer, max_items=10, plain_only=False)

    def initial_choices(
        self, elem: dict[str, Any], pointer: str, *, max_items: int, plain_only: bool
    ) -> None:
        """The preselected option(s) of a menu or a set of checkboxes or radio buttons."""
        if elem.get("initial_option") is not None:
            self.option(elem["initial_option"], f"{pointer}/initial_option", plain_only=plain_only)
        if elem.get("initial_options") is not None:
            self.options(
                elem,
                "initial_options",
                pointer,
                max_items=max_items,
                plain_only=plain_only,
                min_items=0,
            )

    def overflow(self, elem: dict[str, Any], pointer: str) -> None:
        if self.required(elem, "options", pointer):
            self.options(elem, "options", pointer, max_items=5, plain_only=True)

    def plain_text_input(self, elem: dict[str, Any], pointer: str) -> None:
        if elem.get("initial_value") is not None:
            self.string(elem["initial_value"], f"{pointer}/initial_value")
        bounds: dict[str, int] = {}
        for key, low in (("min_length", 0), ("max_length", 1)):
            if elem.get(key) is None:
                continue
            value = elem[key]
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail("must be an integer", f"{pointer}/{key}")
            elif not low <= value <= 3000:
                self.fail(f"must be between {low} and 3000", f"{pointer}/{key}")
            else:
                bounds[key] = value
        if (
            "min_length" in bounds
            and "max_length" in bounds
            and bounds["min_length"] > bounds["max_length"]
        ):
            self.fail("min_length must not exceed max_length", f"{pointer}/min_length")
        if "multiline" in elem and not isinstance(elem["multiline"], bool):
            self.fail("must be a boolean", f"{pointer}/multiline")

    # -- blocks ----------------------------------------------------------------

    def blocks(self, value: Any, pointer: str, surface: Surface) -> None:
        items = self.array(value, pointer, max_items=MAX_BLOCKS[surface])
        for i, item in enumerate(items or []):
            self.block(item, f"{pointer}/{i}", surface)

    def block(self, value: Any, pointer: str, surface: Surface) -> None:
        typed = self.typed(value, pointer, BLOCK_TYPES)
        if typed is None:
            return
        block, kind = typed
        if kind == "markdown" and surface != "message":
            self.fail(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if "block_id" in block:
            block_id = self.string(block["block_id"], f"{pointer}/block_id", max_len=255, min_len=1)
            if block_id is not None:
                if block_id in self._block_ids:
                    self.fail(f"duplicate block_id: {block_id}", f"{pointer}/block_id")
                self._block_ids.add(block_id)
        _BLOCK_CHECKS[kind](self, block, pointer)

    def section(self, block: dict[str, Any], pointer: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail("missing required field: text or fields", pointer)
        if block.get("text") is not None:
            self.text(block["text"], f"{pointer}/text", max_len=3000)
        if block.get("fields") is not None:
            fields = self.array(block["fields"], f"{pointer}/fields", max_items=10, min_items=1)
            for i, field in enumerate(fields or []):
                self.text(field, f"{pointer}/fields/{i}", max_len=2000)
        if block.get("accessory") is not None:
            self.element(
                block["accessory"],
                f"{pointer}/accessory",
                allowed=_SECTION_ACCESSORIES,
                action_ids=set(),
            )

    def divider(self, block: dict[str, Any], pointer: str) -> None:
        return

    def header(self, block: dict[str, Any], pointer: str) -> None:
        self.required_text(block, "text", pointer, max_len=150)

    def context(self, block: dict[str, Any], pointer: str) -> None:
        if not self.required(block, "elements", pointer):
            return
        elements = self.array(block["elements"], f"{pointer}/elements", max_items=10, min_items=1)
        for i, item in enumerate(elements or []):
            item_ptr = f"{pointer}/elements/{i}"
            if isinstance(item, dict) and item.get("type") == "image":
                self.image_element(item, item_ptr)
            elif isinstance(item, dict) and item.get("type") in _TEXT_TYPES:
                self.text(item, item_ptr)
            elif isinstance(item, dict):
                self.fail(f"unsupported type: {item.get('type')}", f"{item_ptr}/type")
            else:
                self.fail("must provide an object", item_ptr)

    def actions(self, block: dict[str, Any], pointer: str) -> None:
        if not self.required(block, "elements", pointer):
            return
        elements = self.array(block["elements"], f"{pointer}/elements", max_items=25, min_items=1)
        action_ids: set[str] = set()
        for i, item in enumerate(elements or []):
            self.element(
                item,
                f"{pointer}/elements/{i}",
                allowed=_ACTIONS_ELEMENTS,
                action_ids=action_ids,
            )

    def image(self, block: dict[str, Any], pointer: str) -> None:
        self.image_element(block, pointer)
        self.optional_text(block, "title", pointer, max_len=2000)

    def input(self, block: dict[str, Any], pointer: str) -> None:
        self.required_text(block, "label", pointer, max_len=2000)
        self.optional_text(block, "hint", pointer, max_len=2000)
        if self.required(block, "element", pointer):
            self.element(
                block["element"],
                f"{pointer}/element",
                allowed=_INPUT_ELEMENTS,
                action_ids=set(),
            )
        for key in ("optional", "dispatch_action"):
            if key in block and not isinstance(block[key], bool):
                self.fail("must be a boolean", f"{pointer}/{key}")

    def rich_text(self, block: dict[str, Any], pointer: str) -> None:
        if not self.required(block, "elements", pointer):
            return
        elements = self.array(block["elements"], f"{pointer}/elements", min_items=1)
        for i, item in enumerate(elements or []):
            item_ptr = f"{pointer}/elements/{i}"
            child = self.obj(item, item_ptr)
            if child is None:
                continue
            if child.get("type") not in _RICH_TEXT_CHILDREN:
                self.fail(f"unsupported type: {child.get('type')}", f"{item_ptr}/type")
            self.array(child.get("elements"), f"{item_ptr}/elements")

    def markdown(self, block: dict[str, Any], pointer: str) -> None:
        if self.required(block, "text", pointer):
            self.string(block["text"], f"{pointer}/text", max_len=12000, min_len=1)

    # -- views -----------------------------------------------------------------

    def view(self, value: Any, pointer: str) -> None:
        view = self.obj(value, pointer)
        if view is None:
            return
        kind = view.get("type")
        if kind not in ("modal", "home"):
            if kind is None:
                self.fail("missing required field: type", pointer)
            else:
                self.fail(f"unsupported type: {kind}", f"{pointer}/type")
            return
        if self.required(view, "blocks", pointer):
            self.blocks(view["blocks"], f"{pointer}/blocks", kind)
        if kind == "modal":
            self.required_text(view, "title", pointer, max_len=24)
            self.optional_text(view, "close", pointer, max_len=24)
            self.optional_text(view, "submit", pointer, max_len=24)
            blocks = view.get("blocks")
            has_input = isinstance(blocks, list) and any(
                isinstance(b, dict) and b.get("type") == "input" for b in blocks
            )
            if has_input and view.get("submit") is None:
                # Slack cannot render an input form without a button to submit it.
                self.fail("missing required field: submit", pointer)
        else:
            self.optional_text(view, "title", pointer, max_len=24)
        self.optional_string(view, "callback_id", pointer, max_len=255)
        if view.get("private_metadata") is not None:
            self.string(view["private_metadata"], f"{pointer}/private_metadata", max_len=3000)
        self.optional_string(view, "external_id", pointer, max_len=255)


_Check = Callable[[_Checker, dict[str, Any], str], None]

_BLOCK_CHECKS: dict[str, _Check] = {
    "section": _Checker.section,
    "divider": _Checker.divider,
    "header": _Checker.header,
    "context": _Checker.context,
    "actions": _Checker.actions,
    "image": _Checker.image,
    "input": _Checker.input,
    "rich_text": _Checker.rich_text,
    "markdown": _Checker.markdown,
}

_ELEMENT_CHECKS: dict[str, _Check] = {
    "button": _Checker.button,
    "static_select": _Checker.static_select,
    "multi_static_select": _Checker.static_select,
    "users_select": _Checker.users_select,
    "multi_users_select": _Checker.users_select,
    "checkboxes": _Checker.choices,
    "radio_buttons": _Checker.choices,
    "overflow": _Checker.overflow,
    "plain_text_input": _Checker.plain_text_input,
}
