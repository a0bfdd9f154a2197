"""The TAXII 2.1 server at /taxii2/: OASIS TAXII 2.1 resources over the sharing desk."""
