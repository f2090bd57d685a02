"""Helpers of the Open311 tests (no tests here): a community with an outline, a
client key, posting, and reading XML answers as plain data."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.test import Client
from django.urls import reverse

from gongzhi.areas.models import Community
from gongzhi.problems.models import Open311Client, ProblemSource
from tests.factories import CommunityFactory, World
from tests.problems.test_report import hexagon

#: A point inside the outline of the community made by :func:`outlined_community`.
INSIDE = (31.802, 113.501)
#: A point that lies in no community.
NOWHERE = (30.0, 110.0)


def outlined_community(world: World) -> Community:
    """东关社区 in street a, a hexagon around (31.80, 113.50)."""
    return CommunityFactory(
        street=world.street_a,
        code="421303001009",
        name="东关社区",
        centre_lat=31.80,
        centre_lng=113.50,
        outline=hexagon(31.80, 113.50),
    )


def client_key(
    name: str = "随州市民通", source: str = ProblemSource.RESIDENT_REPORT, active: bool = True
) -> str:
    key = Open311Client.new_key()
    Open311Client.objects.create(
        name=name,
        key_hash=Open311Client.hash_key(key),
        prefix=key[:8],
        source=source,
        is_active=active,
    )
    return key


def url(name: str, fmt: str = "json", **kwargs: str) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def post(client: Client, fmt: str = "json", **fields: Any) -> Any:
    """POST form-encoded ``fields`` to requests.<fmt>, the way the spec sends them."""
    return client.post(url("requests", fmt), fields)


def report_fields(key: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "api_key": key,
        "service_code": "garbage_dead_corner",
        "lat": str(INSIDE[0]),
        "long": str(INSIDE[1]),
        "description": "东关菜场后门垃圾堆了三天",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def body(response: Any) -> Any:
    """The answer as data: JSON parsed, or XML turned into the same shape."""
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, not untrusted input


def xml_list(root: ET.Element, item: str) -> list[dict[str, str | None]]:
    """The children ``item`` of ``root``, each as {tag: text} (scalar fields only)."""
    return [{child.tag: child.text for child in element} for element in root.findall(item)]


def as_text(value: Any) -> str | None:
    """How a JSON value reads in the XML: booleans as true/false, null as empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_in_xml(json_items: list[dict[str, Any]], xml_items: list[dict[str, Any]]) -> None:
    """Each scalar JSON field reads the same in the XML element of the same name."""
    assert len(json_items) == len(xml_items)
    for from_json, from_xml in zip(json_items, xml_items, strict=True):
        scalars = {k: as_text(v) for k, v in from_json.items() if not isinstance(v, list | dict)}
        assert {k: from_xml.get(k) for k in scalars} == scalars
        assert set(from_xml) >= set(scalars)
