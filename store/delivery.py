"""Sending one-time codes: an outbox directory (development, demo), SMTP, or a command (SMS gateways).

Every failure, whatever its cause (a full disk under the outbox, an unreachable server, a command
that cannot run), is a DeliveryError with a message for admins; nothing else escapes `send`.
"""

from __future__ import annotations

import re
import shlex
import smtplib
import ssl
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

from .config import Delivery
from .crypto import create_private_file, describe_os_error
from .errors import StoreError


class DeliveryError(StoreError):
    """The code could not be sent; the message says why (never the code)."""


def send(delivery: Delivery, kind: str, to: str, subject: str, body: str) -> None:
    """kind is 'email' or 'phone'."""
    if delivery.channel == "outbox":
        _to_outbox(delivery.outbox(), kind, to, subject, body)
    elif delivery.channel == "smtp":
        if kind != "email":
            raise DeliveryError("SMS codes need the 'command' delivery channel; SMTP can only send email.")
        _smtp(delivery, to, subject, body)
    elif delivery.channel == "command":
        _command(delivery, kind, to, subject, body)
    else:
        raise DeliveryError(f"Unknown delivery channel '{delivery.channel}' (use outbox, smtp or command).")


def _to_outbox(folder: Path, kind: str, to: str, subject: str, body: str) -> None:
    safe = re.sub(r"[^A-Za-z0-9@.+_-]", "_", to)
    path = folder / f"{time.time_ns()}-{kind}-{safe}.txt"
    try:
        create_private_file(path, f"To: {to}\nSubject: {subject}\n\n{body}\n".encode())
    except OSError as exc:
        raise DeliveryError(f"Could not write to the outbox {folder}: {describe_os_error(exc)}.") from None


def _smtp(d: Delivery, to: str, subject: str, body: str) -> None:
    if d.smtp_username and not d.smtp_starttls:
        raise DeliveryError("Refusing to send SMTP credentials without STARTTLS; set smtp_starttls = true.")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = d.smtp_sender, to, subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(d.smtp_host, d.smtp_port, timeout=15) as smtp:
            if d.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if d.smtp_username:
                smtp.login(d.smtp_username, d.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"Could not send email through {d.smtp_host}:{d.smtp_port}: {exc.__class__.__name__}."
        ) from None


def _command(d: Delivery, kind: str, to: str, subject: str, body: str) -> None:
    """Run `command -- KIND DESTINATION` with the message on stdin.

    The `--` ends the command's options, so a destination can never be read as one (an address such
    as `--copy-to=...` once made a gateway copy the code where its owner chose); the validators also
    refuse addresses and phone numbers that start with '-'.
    """
    if not d.command:
        raise DeliveryError("The command delivery channel has no command configured.")
    try:
        done = subprocess.run(
            [*shlex.split(d.command), "--", kind, to],
            input=f"Subject: {subject}\n\n{body}\n",
            text=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeliveryError(f"The delivery command failed to run: {exc.__class__.__name__}.") from None
    if done.returncode != 0:
        raise DeliveryError(f"The delivery command exited with status {done.returncode}.")
