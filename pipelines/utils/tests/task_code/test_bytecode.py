"""Bytecode that may predate its source's last edit is removed before tasks import it."""

import importlib.util
import os
import py_compile
from pathlib import Path

from utils.task_code.bytecode import drop_stale_bytecode


def test_bytecode_that_may_predate_a_same_size_edit_is_dropped_and_newer_bytecode_kept(tmp_path):
    module = tmp_path / "settings_module.py"
    module.write_text("VALUE = 'one'\n")
    cached = Path(py_compile.compile(str(module), cfile=importlib.util.cache_from_source(str(module))))
    module.write_text("VALUE = 'two'\n")  # same size, most likely the same second: Python would run 'one'
    second = int(module.stat().st_mtime)
    os.utime(cached, (second + 0.5, second + 0.5))
    assert drop_stale_bytecode([module]) == [cached] and not cached.exists()
    py_compile.compile(str(module), cfile=str(cached))
    os.utime(module, (second - 5, second - 5))  # the source's last edit well before the entry
    os.utime(cached, (second, second))
    assert drop_stale_bytecode([module, tmp_path / "absent.py"]) == [] and cached.exists()
