"""The Dash app for SOC analysts, agencies and auditors.

Empty until issue 8 lands; nothing here claims to work yet.
"""

__all__: list[str] = []
