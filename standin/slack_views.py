"""The stand-in's views.* methods: modals opened and updated, App Home tabs published."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any, cast

from standin.blockkit import validate_view
from standin.slack_workspace import ApiError, SlackWorkspace, invalid_arguments, with_error_list


class ViewMethods(SlackWorkspace):
    """views.open, views.update and views.publish, each view checked as Block Kit."""

    def _checked_view(self, args: dict[str, Any], *, kind: str | None = None) -> dict[str, Any]:
        view = args.get("view")
        if view is None or view == "":
            raise invalid_arguments("missing required field: view")
        errors = validate_view(view)
        if not errors and kind is not None and view.get("type") != kind:
            errors = [f"unsupported type: {view.get('type')} [json-pointer:/view/type]"]
        if errors:
            raise with_error_list("invalid_arguments", errors)
        return cast(dict[str, Any], view)

    def _new_view_id(self) -> str:
        self._view_counter += 1
        return f"V0{self._view_counter:08X}"

    def _save_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str,
        previous: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        blocks = copy.deepcopy(view.get("blocks", []))
        external_id = str(view.get("external_id") or "")
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": blocks,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": previous.get("previous_view_id") if previous else None,
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if user_id is not None:
            stored["user_id"] = user_id
        if previous is not None and previous.get("external_id"):
            self._external_ids.pop(previous["external_id"], None)
        if external_id:
            self._external_ids[external_id] = view_id
        self._views[view_id] = stored
        return copy.deepcopy(stored)

    def _check_hash(self, args: dict[str, Any], previous: dict[str, Any]) -> None:
        expected = args.get("hash")
        if expected and expected != previous["hash"]:
            raise ApiError("hash_conflict")

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            raise ApiError("invalid_trigger_id")
        view = self._checked_view(args, kind="modal")
        external_id = view.get("external_id")
        if external_id and external_id in self._external_ids:
            raise ApiError("duplicate_external_id")
        return {"view": self._save_view(view, view_id=self._new_view_id())}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise invalid_arguments("must provide either view_id or external_id")
        if not view_id:
            view_id = self._external_ids.get(str(external_id))
        previous = self._views.get(str(view_id)) if view_id else None
        if previous is None:
            raise ApiError("not_found")
        self._check_hash(args, previous)
        view = self._checked_view(args, kind=previous["type"])
        saved = self._save_view(
            view, view_id=previous["id"], previous=previous, user_id=previous.get("user_id")
        )
        return {"view": saved}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._required(args, "user_id")
        user_id = str(args["user_id"])
        if user_id not in self._users:
            raise ApiError("user_not_found")
        view = self._checked_view(args, kind="home")
        previous_id = self._home_views.get(user_id)
        previous = self._views.get(previous_id) if previous_id else None
        if previous is not None:
            self._check_hash(args, previous)
        view_id = previous["id"] if previous is not None else self._new_view_id()
        saved = self._save_view(view, view_id=view_id, previous=previous, user_id=user_id)
        self._home_views[user_id] = view_id
        return {"view": saved}
