"""Small helpers shared by the machinery's test modules (the harness users may use too is :mod:`utils.testing`)."""

from __future__ import annotations

from utils.testing.debug_session import free_port  # noqa: F401  (re-exported for the tests)
from utils.testing.scripts import (  # noqa: F401  (re-exported for the tests)
    assert_one_line_error,
    assert_usage_error,
    run_script,
    task_outcomes,
)


def importable_tree(monkeypatch, root, files: dict[str, str]):
    """Writes ``{relative path: text}`` under ``root`` and puts it on the import path, here and in tasks."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("PYTHONPATH", str(root))  # for the tasks' own processes
    return root
