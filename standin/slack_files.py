"""The stand-in's files.* methods: files_upload_v2's three steps, and the upload URL itself."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from standin.slack_workspace import ApiError, SlackWorkspace, invalid_arguments


class FileMethods(SlackWorkspace):
    """files.getUploadURLExternal, the upload URL, files.completeUploadExternal."""

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        self._required(args, "filename", "length")
        try:
            length = int(str(args["length"]))
        except ValueError:
            raise invalid_arguments("length must be an integer") from None
        if length <= 0:
            raise ApiError("missing_argument")
        alt_txt = args.get("alt_txt")
        if isinstance(alt_txt, str) and len(alt_txt) > 1000:
            raise ApiError("alt_txt_too_large")
        self._file_counter += 1
        file_id = f"F0{self._file_counter:09d}"
        self._files[file_id] = {
            "id": file_id,
            "name": str(args["filename"]),
            "length": length,
            "alt_txt": alt_txt if isinstance(alt_txt, str) else None,
            "state": "pending",
            "content": None,
        }
        return {"upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}

    def _handle_upload(self, body: bytes, path: str) -> tuple[int, str]:
        """The upload URL: take the raw bytes of a pending file, as files.slack.com does.

        `fail_next("upload", text, status=...)` makes the next upload answer that status.
        """
        file_id = path.rsplit("/", 1)[-1]
        status, text = 200, f"OK - {len(body)}"
        with self._lock:
            pending = self._files.get(file_id)
            injected = self._failures.get("upload")
            if injected:
                text, status = injected.popleft()
            elif pending is None or pending["state"] != "pending":
                status, text = 404, "file_not_found"
            elif len(body) != pending["length"]:
                status, text = 400, "length_mismatch"
            else:
                pending["content"] = body
                pending["state"] = "uploaded"
            self._record(
                "upload",
                {"file_id": file_id, "bytes": len(body)},
                None,
                status,
                {"ok": status == 200},
                path,
            )
        return status, text

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except json.JSONDecodeError:
                raise invalid_arguments("files must be a JSON array") from None
        if not isinstance(files, list) or not files:
            raise invalid_arguments("missing required field: files")
        if not all(isinstance(f, dict) and f.get("id") for f in files):
            raise invalid_arguments("each file needs an id")
        channel_ids = [c.strip() for c in str(args.get("channels") or "").split(",") if c.strip()]
        if args.get("channel_id"):
            channel_ids.insert(0, str(args["channel_id"]))
        if args.get("thread_ts") and len(channel_ids) != 1:
            raise invalid_arguments("thread_ts needs exactly one channel")
        channels = [self._channel({"channel": c}) for c in channel_ids]
        for channel in channels:
            if not channel.is_member:
                raise ApiError("not_in_channel")
        uploads = []
        for item in files:
            upload = self._files.get(str(item["id"]))
            # Completing twice, or before the bytes arrived, finds no file to complete.
            if upload is None or upload["state"] != "uploaded":
                raise ApiError("file_not_found")
            uploads.append((upload, item))
        root: str | None = None
        if args.get("thread_ts"):
            parent = self._index.get((channels[0].id, str(args["thread_ts"])))
            if parent is None:
                raise ApiError("thread_not_found")
            root = self._thread_root(parent)
        comment = args.get("initial_comment")
        if not comment and args.get("blocks") is not None:
            self._content({"blocks": args.get("blocks")}, required=False)
        answered = []
        for upload, item in uploads:
            name = upload["name"]
            upload.update(
                state="complete",
                title=str(item.get("title") or name),
                filetype=name.rsplit(".", 1)[-1].lower() if "." in name else "",
                size=len(upload["content"]),
                user=self.bot_user_id,
                created=int(time.time()),
                channels=[c.id for c in channels],
                thread_ts=root,
                initial_comment=comment,
                permalink=f"https://{self.team_domain}.slack.com/files/"
                f"{self.bot_user_id}/{upload['id']}/{name}",
            )
            answered.append({"id": upload["id"], "title": upload["title"]})
        shared = [{k: v for k, v in u.items() if k != "content"} for u, _ in uploads]
        for channel in channels:
            message = self._bot_message(channel, {"text": comment or ""})
            message["files"] = copy.deepcopy(shared)
            message["upload"] = True
            if root is not None:
                message["thread_ts"] = root
            self._store(channel.id, message)
        return {"files": answered}


# -- HTTP plumbing ----------------------------------------------------------------
