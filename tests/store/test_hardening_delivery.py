"""Delivery under attack and faults (issue 8: items 4, 6, 23).

Each test was run against the code before its fix and failed there.
"""

from __future__ import annotations

import json
import logging
import pathlib
import statistics
import sys
import time

import pytest

from store import Actor, auth, codes, delivery, delivery_queue, history, notify, selfservice, users
from store.config import Config, Delivery, Policy
from store.errors import StoreError, ValidationError
from store.validation import norm_email, norm_phone
from tests.conftest import PASSWORD
from tests.selfservice.helpers import signed_in

NEW_PASSWORD = "a rather different passphrase 42"


def _alice(db, **extra):
    fields = {"username": "alice", "email": "alice@example.com", "email_verified": True, "name": "Alice Martin"}
    return users.create_user(db, Actor("tester"), {**fields, **extra}, password=PASSWORD)


def _gateway(tmp_path: pathlib.Path) -> tuple[str, pathlib.Path, pathlib.Path]:
    """A gateway that parses options the usual way (getopt): `--copy-to=FILE` copies the message there."""
    sink, log = tmp_path / "sent.txt", tmp_path / "argv.json"
    script = tmp_path / "gateway.py"
    script.write_text(
        "import getopt, json, sys\n"
        "opts, args = getopt.getopt(sys.argv[1:], '', ['copy-to='])\n"
        "body = sys.stdin.read()\n"
        f"open({str(log)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        f"open({str(sink)!r}, 'a').write(' '.join(args) + '\\n' + body)\n"
        "for name, value in opts:\n"
        "    open(value, 'w').write(body)\n"
    )
    return f"{sys.executable} {script}", sink, log


# ---------------------------------------------------------------- 4. argument injection into the command


def test_command_gets_the_destination_after_double_dash(tmp_path: pathlib.Path) -> None:
    command, sink, log = _gateway(tmp_path)
    stolen = tmp_path / "stolen.txt"
    channel = Delivery(channel="command", command=command)
    delivery.send(channel, "email", f"--copy-to={stolen}", "Userdesk code: 123456", "Your code is 123456.")
    assert not stolen.exists()  # the gateway saw a destination, not an option
    assert json.loads(log.read_text()) == ["--", "email", f"--copy-to={stolen}"]
    delivery.send(channel, "phone", "+14155550100", "Userdesk code: 654321", "Your code is 654321.")
    assert json.loads(log.read_text()) == ["--", "phone", "+14155550100"]
    assert "phone +14155550100\n" in sink.read_text()


@pytest.mark.parametrize(
    "address",
    ["-x@example.com", "--copy-to=/tmp/x@example.com", "-@example.com", "a@-example.com", "a@example.-com"],
)
def test_email_starting_with_a_dash_is_refused(address: str) -> None:
    with pytest.raises(ValidationError, match="not a valid address"):
        norm_email(address)


@pytest.mark.parametrize("address", ["a-b@example.com", "a=b@example.com", "=ab@example.com", "ab-@ex-ample.com"])
def test_dashes_and_equals_inside_an_address_stay_valid(address: str) -> None:
    assert norm_email(address) == address


@pytest.mark.parametrize("phone", ["-+14155550123", "--14155550123", " -+1 415 555 0123"])
def test_phone_starting_with_a_dash_is_refused(phone: str) -> None:
    with pytest.raises(ValidationError, match=r"E\.164"):
        norm_phone(phone)


def test_a_user_cannot_set_such_an_email(db) -> None:
    _alice(db)
    with pytest.raises(ValidationError):
        users.update_user(db, Actor("tester"), "alice", {"email": "--copy-to=x@example.com"})


# ---------------------------------------------------------------- 6. forgot-password timing


def _slow_command(tmp_path: pathlib.Path, seconds: float) -> str:
    script = tmp_path / "slow-gateway.sh"
    script.write_text(f'#!/bin/sh\nsleep {seconds}\ncat >> "{tmp_path / "slow.txt"}"\n')
    script.chmod(0o700)
    return str(script)


def test_forgot_password_takes_as_long_for_known_and_unknown_accounts(db, clock, tmp_path: pathlib.Path) -> None:
    """Medians of interleaved requests; the delivery takes 0.3 s, far above any scheduling noise."""
    _alice(db)
    db.config = Config(policy=Policy(), delivery=Delivery(channel="command", command=_slow_command(tmp_path, 0.3)))
    selfservice.ensure_app(db)
    known, unknown = [], []
    for _ in range(7):
        clock.advance(db.policy.code_resend_seconds + 1)  # a new code each time, not the rate-limit refusal
        for identifier, times in (("alice@example.com", known), ("nobody@example.com", unknown)):
            started = time.perf_counter()
            selfservice.request_reset(db, identifier, auth.Attempt())
            times.append(time.perf_counter() - started)
        assert delivery_queue.drain(timeout=60)  # outside the timed part: each code goes out at its clock time
    difference = statistics.median(known) - statistics.median(unknown)
    assert abs(difference) < 0.1, (known, unknown)
    assert (tmp_path / "slow.txt").read_text().count("Your Userdesk code is") == 7  # every code still went out


def test_forgot_password_code_is_delivered_and_works(db) -> None:
    _alice(db)
    attempt = auth.Attempt()
    request = selfservice.request_reset(db, "alice", attempt)
    assert delivery_queue.drain(timeout=30)
    folder = db.config.delivery.outbox()
    [message] = [p.read_text() for p in folder.iterdir()]
    assert "To: alice@example.com" in message
    code = message.split("code is ")[1][:6]
    grant = selfservice.verify_reset(db, request, code, attempt)
    selfservice.reset_password(db, grant, NEW_PASSWORD)
    assert auth.check_password(db, "alice", NEW_PASSWORD, attempt).user_id == request.user_id


def test_forgot_password_delivery_failure_is_still_recorded(db, tmp_path: pathlib.Path) -> None:
    alice = _alice(db)
    db.config = Config(policy=Policy(), delivery=Delivery(channel="command", command=str(tmp_path / "missing")))
    selfservice.request_reset(db, "alice", auth.Attempt())
    assert delivery_queue.drain(timeout=30)
    reasons = [r.reason for r in history.login_history(db, alice.id, limit=5)]
    assert any("password reset code not delivered" in (r or "") for r in reasons), reasons


def test_queue_runs_jobs_in_order_and_survives_a_failing_job(caplog: pytest.LogCaptureFixture) -> None:
    done: list[int] = []

    def boom() -> None:
        raise RuntimeError("job failed")

    with caplog.at_level(logging.ERROR, logger="userdesk.delivery"):
        delivery_queue.submit(lambda: done.append(1))
        delivery_queue.submit(boom)
        delivery_queue.submit(lambda: done.append(2))
        assert delivery_queue.drain(timeout=30)
    assert done == [1, 2]
    assert any("job failed" in r.getMessage() or "job failed" in str(r.exc_info) for r in caplog.records)


# ---------------------------------------------------------------- 23. notify never raises


def _broken_outbox(tmp_path: pathlib.Path) -> Config:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    return Config(policy=Policy(), delivery=Delivery(channel="outbox", outbox_dir=str(blocker / "outbox")))


def test_outbox_that_cannot_be_written_is_a_delivery_error(db, tmp_path: pathlib.Path) -> None:
    alice = _alice(db)
    db.config = _broken_outbox(tmp_path)
    with pytest.raises(delivery.DeliveryError, match="outbox"):
        codes.issue(db, alice.id, "signin", "alice@example.com")


def test_password_change_stands_when_the_notice_cannot_be_sent(
    db, tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    alice = _alice(db)
    me = signed_in(db, alice)
    db.config = _broken_outbox(tmp_path)
    with caplog.at_level(logging.WARNING, logger="userdesk.notify"):
        selfservice.change_password(db, me, PASSWORD, NEW_PASSWORD)  # no exception: the change is committed
    assert auth.check_password(db, "alice", NEW_PASSWORD, auth.Attempt()).user_id == alice.id
    [failed] = [e for e in history.audit_log(db, target_uid=alice.uid, limit=10) if e.action == "notify.failed"]
    assert "outbox" in (failed.reason or "")
    assert any("your password was changed" in r.getMessage() for r in caplog.records)


def test_notify_survives_any_failure_even_of_the_audit_write(
    db, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    alice = _alice(db)

    def explode(*_args, **_kwargs) -> None:
        raise RuntimeError("gateway crashed")

    def no_write():
        raise StoreError("database is read-only")

    monkeypatch.setattr(delivery, "send", explode)
    monkeypatch.setattr(db, "write", no_write)
    with caplog.at_level(logging.WARNING, logger="userdesk.notify"):
        assert notify.notify(db, alice, "test", "body") is False
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "gateway crashed" in messages and "read-only" in messages
