"""Bot API calls with a JSON body.

PTB's HTTPXRequest posts parameters form-encoded, which percent-escapes every UTF-8 byte of a text in
Python: an answer of 350 Chinese characters becomes 3,150 bytes of %XX and costs about as much CPU as the
rest of the send. The Bot API takes a JSON body for every call without a file (its docs list
application/json), so those go as one C-level `json.dumps` instead; uploads keep PTB's multipart.
"""

from __future__ import annotations

import json

import httpx
from telegram._utils.types import ODVInput  # PTB's own annotation of the timeouts
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}


class JsonRequest(HTTPXRequest):
    """HTTPXRequest that sends parameters as JSON whenever there is no file to upload."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        default = self._client.timeout
        timeout = httpx.Timeout(
            connect=default.connect if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout,
            read=default.read if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout,
            write=default.write if write_timeout is BaseRequest.DEFAULT_NONE else write_timeout,
            pool=default.pool if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout,
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            response = await self._client.request(
                method, url, headers=_JSON_HEADERS, content=body, timeout=timeout
            )
        except httpx.TimeoutException as exc:  # as HTTPXRequest maps them, so callers see PTB's errors
            if isinstance(exc, httpx.PoolTimeout):
                raise TimedOut(
                    "Pool timeout: All connections in the connection pool are occupied. Request was *not* "
                    "sent to Telegram. Consider adjusting the connection pool size or the pool timeout."
                ) from exc
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{exc.__class__.__name__}: {exc}") from exc
        return response.status_code, response.content
