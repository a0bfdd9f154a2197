"""Threat sharing: STIX 2.1 objects in TAXII 2.1 collections, under TLP 2.0 markings."""
