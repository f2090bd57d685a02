"""The problem ledger (问题台账)."""
