"""Fixtures shared by the tests of the Friday sessions: a campaign and its sessions."""

from tests.session_fixtures import campaign, make_session

__all__ = ["campaign", "make_session"]
