"""Codes travel through the configured channel: a real SMTP server on loopback, and a command (SMS gateway)."""

from __future__ import annotations

import re
import socket
import stat
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from store.config import Config, Delivery, Policy

from .helpers import enter_code, make_alice, make_app, make_dave, message, screen_name, submit_password


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default)))
        return "250 OK"


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


class TestSmtp:
    @pytest.fixture
    def config(self, inbox) -> Config:
        return Config(
            policy=Policy(),
            delivery=Delivery(
                channel="smtp", smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_sender="userdesk@example.org"
            ),
        )

    async def test_sign_in_code_arrives_by_smtp(self, db, inbox) -> None:
        make_alice(db)
        app = make_app(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await submit_password(pilot, "alice")
            assert screen_name(app) == "SecondStepScreen"
            [(recipients, mail)] = inbox.messages
            assert recipients == ["alice@example.com"] and mail["From"] == "userdesk@example.org"
            code = re.search(r"code is (\d{6})", mail.get_content()).group(1)
            await enter_code(pilot, code)
            assert screen_name(app) == "ProfileScreen" and app.me is not None


class TestSmtpDown:
    @pytest.fixture
    def config(self) -> Config:
        return Config(policy=Policy(), delivery=Delivery(channel="smtp", smtp_host="127.0.0.1", smtp_port=free_port()))

    async def test_unreachable_server_is_explained_without_details(self, db) -> None:
        make_alice(db)
        app = make_app(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await submit_password(pilot, "alice")
            assert screen_name(app) == "SignInScreen"
            assert "could not send your code" in message(app)
            assert "127.0.0.1" not in message(app)


class TestCommand:
    @pytest.fixture
    def config(self, tmp_path) -> Config:
        script = tmp_path / "sms-gateway"
        script.write_text(f'#!/bin/sh\n{{ echo "ARGS: $*"; cat; }} >> "{tmp_path / "sms.txt"}"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        return Config(policy=Policy(), delivery=Delivery(channel="command", command=str(script)))

    async def test_phone_code_goes_through_the_command(self, db, tmp_path) -> None:
        make_dave(db)
        app = make_app(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await submit_password(pilot, "dave")
            sent = (tmp_path / "sms.txt").read_text()
            assert sent.startswith("ARGS: -- phone +14155550123\n")  # `--`: the number is never an option
            code = re.search(r"code is (\d{6})", sent).group(1)
            await enter_code(pilot, code)
            assert screen_name(app) == "ForcedPasswordScreen"
