"""A compound's households must fit the database column: too large is a clear 400, not a 500."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas import services
from tests.factories import World


def test_a_household_count_too_large_for_the_database_is_refused_naming_the_field(
    world: World,
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.compound_create(
            user=world.users["office"],
            community=world.community_a1,
            name="老街小区",
            households=10**20,
        )
    assert caught.value.message_dict == {"households": ["The number of households is too large."]}
