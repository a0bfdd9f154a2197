"""Playbook actions, one module each, behind `PlaybookAction`."""

from playbooks.actions.base import ActionError, Context, Outcome, PlaybookAction
from playbooks.actions.email import EmailAction
from playbooks.actions.share import ShareAction
from playbooks.actions.tag import TagAction
from playbooks.actions.triage import TriageAction
from playbooks.actions.webhook import WebhookAction

ACTIONS: dict[str, PlaybookAction] = {
    a.kind: a for a in (TriageAction(), WebhookAction(), EmailAction(), ShareAction(), TagAction())
}

__all__ = ["ACTIONS", "ActionError", "Context", "Outcome", "PlaybookAction"]
