"""A unit's headcount must fit the database column: too large is a clear 400, not a 500."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongzhi.units import services
from tests.factories import World


def test_a_headcount_too_large_for_the_database_is_refused_naming_the_field(
    world: World,
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.unit_update(user=world.users["office"], unit=world.unit_a, headcount=10**20)
    assert caught.value.message_dict == {"headcount": ["The headcount is too large."]}
