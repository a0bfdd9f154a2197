"""Send a mail through the hub's SMTP server (settings smtp_*), STARTTLS if configured.

The Message-ID derives from the run's idempotency key, so a mail repeated after a crash
is the same message to every mail system that deduplicates.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from hub.core.records.events import Event
from playbooks.actions.base import ActionError, Context, Outcome, PlaybookAction
from playbooks.definition import Playbook, Step, render

_DEFAULT_BODY = (
    "crsa-hub playbook ${playbook} acted on a ${trigger} event.\n\n"
    "Subject: ${subject}\nAgency: ${org_id}\nAt: ${at}\n"
)


class EmailAction(PlaybookAction):
    kind = "email"

    def perform(self, ctx: Context, book: Playbook, step: Step, event: Event, key: str) -> Outcome:
        s = ctx.settings
        if not s.smtp_host:
            raise ActionError(
                "e-mail not sent: no SMTP server configured",
                hint="set smtp_host (and smtp_port, smtp_starttls...) in crsa.toml",
            )
        msg = EmailMessage()
        msg["From"] = s.smtp_from
        msg["To"] = ", ".join(step.spec["to"])
        msg["Subject"] = render(step.spec["subject"], book, event)
        msg["Message-ID"] = f"<{key}@crsa-hub>"
        msg["X-CRSA-Idempotency-Key"] = key
        msg.set_content(render(step.spec.get("body", _DEFAULT_BODY), book, event))
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=s.smtp_ca_file or None))
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
                refused = smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise ActionError(f"e-mail to {msg['To']} failed: {exc}") from None
        if refused:
            raise ActionError(f"e-mail refused for {', '.join(sorted(refused))}")
        return Outcome({"to": list(step.spec["to"]), "message_id": msg["Message-ID"]})

    def describe(self, step: Step, event: Event) -> str:
        return f"e-mail {', '.join(step.spec['to'])}"
