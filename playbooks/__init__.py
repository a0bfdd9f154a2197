"""Event-driven response playbooks: the "Action" in CRSA.

Empty until issue 9 lands; nothing here claims to work yet.
"""

__all__: list[str] = []
