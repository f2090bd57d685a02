from __future__ import annotations

from pathlib import Path

from gongzhi.problems.workflow import workflow_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_the_committed_workflow_doc_is_the_generated_table() -> None:
    assert DOC.read_text(encoding="utf-8") == workflow_markdown()


def test_the_doc_lists_every_action() -> None:
    text = workflow_markdown()
    for action in ("accept", "dispatch", "handle", "verify_fail", "approve_park", "callback"):
        assert f"`{action}`" in text
