"""S3-compatible object storage: a bucket and prefix per province.

An object is new when its key with its ETag is not in the watermark, so an object
replaced under the same key is fetched again as a new delivery. Objects appear whole in
S3 (multipart uploads become visible only when complete); keys that look like uploads in
progress are skipped anyway. The download asks for the listed ETag (``If-Match``): an
object replaced meanwhile is left for the next pull rather than stored under the old
version.
"""

from __future__ import annotations

import fnmatch
import logging
import posixpath
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import (
    Fetched,
    Item,
    NotReady,
    PullError,
    Transport,
    copy_mark,
    is_in_progress,
    period_of_remote,
    remote_ext,
    remote_suffix,
)
from .credentials import Secrets
from .registry import S3Options, Source
from .state import Watermark

log = logging.getLogger(__name__)
CHUNK = 1 << 20


class S3Transport(Transport):
    def __init__(self, source: Source, secrets: Secrets, *, now: datetime | None = None) -> None:
        super().__init__(source, secrets)
        if not isinstance(source.options, S3Options):
            raise TypeError(f"{source.describe()}: an S3 transport needs S3 options")
        self.opts: S3Options = source.options
        endpoint = self.opts.endpoint_url or secrets.extra.get("endpoint_url") or None
        self.where = f"s3://{self.opts.bucket}/{self.opts.prefix}" + (f" at {endpoint}" if endpoint else "")
        config = Config(
            connect_timeout=self.opts.timeout_seconds,
            read_timeout=self.opts.timeout_seconds,
            retries={"max_attempts": 5, "mode": "standard"},
            s3={"addressing_style": self.opts.addressing_style},
        )
        # With no credentials given, boto3's own chain applies (instance role, AWS_* variables).
        self.client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=self.opts.region or secrets.extra.get("region_name"),
            aws_access_key_id=secrets.username,
            aws_secret_access_key=secrets.password,
            aws_session_token=secrets.session_token,
            verify=self.opts.verify_tls,
            config=config,
        )

    def _fail(self, action: str, exc: Exception) -> PullError:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        advice = {
            "AccessDenied": f"the {self.source.credentials.describe()} may not read this bucket/prefix",
            "InvalidAccessKeyId": f"the access key is unknown: check the {self.source.credentials.describe()}",
            "SignatureDoesNotMatch": f"the secret key is wrong: check the {self.source.credentials.describe()}",
            "NoSuchBucket": "the bucket does not exist: check s3.bucket (and s3.endpoint_url)",
        }.get(code, "check s3.endpoint_url, the bucket and the network")
        return PullError(
            f"{self.source.describe()}: {action} {self.where} failed ({code or type(exc).__name__}): {advice}"
        )

    def list_new(self, state: Watermark) -> list[Item]:
        objects: list[dict[str, Any]] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.opts.bucket, Prefix=self.opts.prefix
            )
            for page in pages:
                objects.extend(page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail("listing", exc) from None
        items = []
        for obj in sorted(objects, key=lambda o: (o["LastModified"], o["Key"])):
            key: str = obj["Key"]
            name = posixpath.basename(key)
            if key.endswith("/") or is_in_progress(name) or not fnmatch.fnmatch(name, self.opts.pattern):
                continue
            etag = str(obj.get("ETag", "")).strip('"')
            if state.seen.get(key) == etag:
                continue
            try:
                period = period_of_remote(self.source, name, self.opts.period)
            except PullError as exc:
                self.problems.append(str(exc))
                continue
            items.append(
                Item(
                    key=key,
                    version=etag,
                    period=period,
                    suffix=remote_suffix(key, etag),
                    ext=remote_ext(key),
                    size=int(obj.get("Size", 0)),
                )
            )
        return items

    def describe_remote(self, item: Item) -> str:
        return f"s3://{self.opts.bucket}/{item.key}"

    def fetch(self, item: Item, dest_tmp: Path) -> Fetched:
        try:
            answer = self.client.get_object(Bucket=self.opts.bucket, Key=item.key, IfMatch=f'"{item.version}"')
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("PreconditionFailed", "412", "NoSuchKey", "404"):
                raise NotReady(f"{item.key} was replaced or removed since it was listed") from None
            raise self._fail(f"reading {item.key} from", exc) from None
        except BotoCoreError as exc:
            raise self._fail(f"reading {item.key} from", exc) from None
        expected = int(answer.get("ContentLength", -1))
        body = answer["Body"]
        try:
            with dest_tmp.open("wb") as handle:
                for chunk in iter(lambda: body.read(CHUNK), b""):
                    handle.write(chunk)
        except (BotoCoreError, OSError) as exc:
            raise self._fail(f"downloading {item.key} from", exc) from None
        finally:
            body.close()
        got = dest_tmp.stat().st_size
        if expected >= 0 and got != expected:
            raise PullError(
                f"{self.source.describe()}: {self.describe_remote(item)} arrived with {got} of {expected} bytes; "
                "the next pull fetches it again"
            )
        return Fetched(dest_tmp, None)

    def advance(self, state: Watermark, item: Item, fetched: Fetched) -> Watermark:
        mark = copy_mark(state)
        mark.seen[item.key] = item.version
        return mark
