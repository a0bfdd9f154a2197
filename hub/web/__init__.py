"""The web fronts: the REST API, the TAXII server and (beside them) the dashboards, served by
one app; `context` and `errors` are what they share."""
