"""The Dash dashboards for SOC analysts, agencies and auditors, served beside the API.

Pages (`pages/`) read through the same desks and store queries as the API, under the
viewer's session (`session`, `access`); `view` holds the shared layout pieces.
"""

__all__: list[str] = []
