"""XML the hub reads from outside (SBOMs, JVN feeds): parsed with entities, DTDs and the
network off, so a document can describe data but never fetch or expand anything."""

from __future__ import annotations

from lxml import etree

from hub.core.errors import InvalidSubmission


def parse_xml(data: bytes) -> etree._ElementTree:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise InvalidSubmission(f"malformed XML: {exc}") from None
    if tree.docinfo.doctype:
        raise InvalidSubmission(
            "XML with a DOCTYPE is refused: the hub reads no DTD, and entities can be attacks"
        )
    return tree
