"""Logs carry a request id and never a token."""

from __future__ import annotations

import io
import logging

from adapters.bootstrap import log_handler
from bot.observability import request_scope


def test_log_lines_carry_the_request_id_and_mask_tokens():
    stream = io.StringIO()
    handler = log_handler()
    handler.setStream(stream)
    log = logging.getLogger("crmbot.test.logs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with request_scope("slack") as request_id:
            log.info("calling with token %s", "xoxb-123-secret")
            log.info("access_token=abc123&x=1")
    finally:
        log.removeHandler(handler)
    out = stream.getvalue()
    assert f"[{request_id}]" in out
    assert "xoxb-123-secret" not in out and "abc123" not in out
    assert out.count("***") == 2
