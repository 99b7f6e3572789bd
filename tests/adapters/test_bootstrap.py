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


def test_the_config_file_is_the_source_of_truth_at_start_and_on_reload(tmp_path, monkeypatch, database_url):
    from sqlmodel import Session, select

    from adapters.bootstrap import bootstrap, reload_people
    from storage.models import User

    config = tmp_path / "crmbot.toml"
    config.write_text('[roles]\nadmins = ["root"]\n[[teams]]\nname = "East"\nmanagers = ["mia"]\n'
                      'members = ["newhire"]\n', encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    monkeypatch.setenv("CRM_DATABASE_URL", database_url)
    runtime = bootstrap()
    try:
        def roles() -> dict[str, str]:
            with Session(runtime.engine) as session:
                return {u.name: u.role for u in session.exec(select(User)).all()}

        assert roles() == {"root": "admin", "mia": "manager", "newhire": "rep"}  # before anyone wrote
        config.write_text('[roles]\nadmins = ["root", "mia"]\n', encoding="utf-8")
        assert reload_people(runtime)
        assert roles() == {"root": "admin", "mia": "admin", "newhire": "rep"}
        config.write_text('[roles]\nadmins = ["mia lee"]\n', encoding="utf-8")
        assert not reload_people(runtime)  # refused with a log line; nothing changes
        assert roles()["root"] == "admin"
    finally:
        runtime.engine.dispose()
