"""Webhooks and e-mail against real servers on 127.0.0.1: a receiver that checks the
HMAC signature, and aiosmtpd (plain and STARTTLS)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.core.settings import Settings
from hub.core.store.interface import EVENTS
from tests.conftest import World
from tests.playbooks.servers import webhook_receiver
from tests.playbooks.test_engine import KEV_TRIAGE, engine, kev

HOOK = """\
name: kev-hook
trigger: kev_finding
actions:
  - webhook: {url: "URL", retries: 3, timeout: 5}
"""
MAIL = """\
name: kev-mail
trigger: kev_finding
actions:
  - email:
      to: [soc@agency.example.go.jp]
      subject: "KEV ${vuln_id} on ${asset_id}"
      body: "Due ${kev_due}. Playbook ${playbook}."
"""


def test_webhooks_are_signed_retried_and_sent_once(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRSA_WEBHOOK_SECRET", "s3cret")
    finding, _ = kev(world, 1, 3, dt.datetime.now(dt.UTC))
    with webhook_receiver("s3cret", fail_first=2) as got:
        run = engine(world.store, settings, HOOK.replace("URL", got.url)).run_once("t")
        assert (run.done, run.failed) == (1, [])
        assert [d["answered"] for d in got.deliveries] == [503, 503, 200]  # retried
        assert all(d["valid"] for d in got.deliveries)
        assert len(got.keys()) == 1  # the same key on every attempt
        body = got.deliveries[-1]["body"]
        assert body["event"]["fields"]["finding_id"] == finding
        assert body["idempotency_key"] == got.deliveries[-1]["key"]
        again = engine(world.store, settings, HOOK.replace("URL", got.url)).run_once("t")
        assert again.done == 0 and len(got.deliveries) == 3  # done once: not again


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried_later(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRSA_WEBHOOK_SECRET", "not-the-receivers")
    kev(world, 1, 3, dt.datetime.now(dt.UTC))
    with webhook_receiver("s3cret") as got:
        run = engine(world.store, settings, HOOK.replace("URL", got.url)).run_once("t")
        assert run.done == 0 and "HTTP 401" in run.failed[0]
        assert [d["valid"] for d in got.deliveries] == [False]  # 4xx: no retry
    [event] = world.store.iter_all(EVENTS)
    assert event.status == "pending"
    monkeypatch.delenv("CRSA_WEBHOOK_SECRET")
    run = engine(world.store, settings, HOOK.replace("URL", got.url)).run_once("t")
    assert "CRSA_WEBHOOK_SECRET" in run.failed[0]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.pem", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize("starttls", [False, True])
def test_mail_reaches_a_real_smtp_server(world: World, tmp_path: Path, starttls: bool) -> None:
    inbox = Inbox()
    options: dict[str, Any] = {}
    cert_file = Path()
    if starttls:
        cert_file, key_file = _certificate(tmp_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        options = {"tls_context": context, "require_starttls": True}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        settings = Settings(
            home=tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=starttls,
            smtp_ca_file=str(cert_file) if starttls else "",
        )
        kev(world, 7, 3, dt.datetime.now(dt.UTC))
        run = engine(world.store, settings, MAIL).run_once("t")
        assert (run.done, run.failed) == (1, [])
        [mail] = inbox.messages
        assert mail["Subject"] == f"KEV CVE-2026-0007 on {world.asset_a}"
        assert mail["To"] == "soc@agency.example.go.jp"
        assert mail["Message-ID"].endswith("@crsa-hub>")
        assert "Playbook kev-mail." in mail.get_payload()
        assert engine(world.store, settings, MAIL).run_once("t").done == 0
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_no_smtp_server_is_a_clear_failure(world: World, settings: Settings) -> None:
    kev(world, 1, 3, dt.datetime.now(dt.UTC))
    run = engine(world.store, settings, MAIL, KEV_TRIAGE).run_once("t")
    assert run.done == 2  # the other playbook is not held back
    assert "no SMTP server configured" in run.failed[0]
