"""Keyset pages: stable order, opaque cursors, malformed cursors read as the first page."""

import pytest

from gongzhi.core.pagination import decode_cursor, encode_cursor, keyset_page
from gongzhi.units.models import Unit
from tests.factories import UnitFactory


@pytest.mark.django_db
def test_pages_follow_each_other_without_gaps_or_repeats():
    units = [UnitFactory() for _ in range(7)]
    seen, cursor = [], None
    while True:
        page = keyset_page(Unit.objects.all(), key="code", cursor=cursor, limit=3)
        seen += [u.code for u in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(u.code for u in units)


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["wrI", "AA==", "%%%", "", encode_cursor("²")])
def test_a_malformed_cursor_reads_as_the_first_page(cursor):
    units = [UnitFactory() for _ in range(2)]
    page = keyset_page(Unit.objects.all(), key="pk", cursor=cursor, limit=10)
    assert [u.pk for u in page.items] == sorted(u.pk for u in units)


def test_a_cursor_holding_a_nul_is_malformed():
    assert decode_cursor(encode_cursor("a\x00b")) is None
    assert decode_cursor(encode_cursor("421303")) == "421303"
