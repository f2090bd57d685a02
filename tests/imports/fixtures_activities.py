"""Fixtures of the attendance and contribution imports: a campaign with sessions.

Test modules import the fixtures they use from here (``tests/imports/conftest.py``
holds the fixtures every import test shares).
"""

from tests.session_fixtures import campaign, make_session

__all__ = ["campaign", "make_session"]
