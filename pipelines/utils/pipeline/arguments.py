"""The run scripts' pipeline options, derived from the pipeline's own inputs.

``num_rows: int = 1000`` becomes ``--num-rows`` (an integer, default 1000); an input without a
default becomes a required option. Lists and dicts are given as JSON. A pipeline module may define:

- ``LOCAL_ARGUMENTS = {"train_path": "...", ...}``: the arguments a run uses where you give none,
  for local runs, the VS Code debug configurations, ``make bench`` and (with ``--local-arguments``)
  a cluster run such as the e2e workflow's; an input given there is no longer required.
- ``validate_arguments(arguments: dict) -> None`` raising ``ValueError``: it runs before any task,
  so a value a task would reject is one line instead of a traceback in a task's log.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
from collections.abc import Callable
from typing import Any

from utils.common.arg_types import finite, named
from utils.common.errors import PipelineArgumentError
from utils.pipeline.types import Pipeline

# KFP hands every number over as a JSON/protobuf double: integers beyond 2**53 change silently.
MAX_EXACT_INT = 2**53
# Protobuf, which carries a pipeline's arguments, refuses deeper structures.
MAX_JSON_DEPTH = 100
_DEST = "pipeline_input:"
LOCAL_ARGUMENTS = "LOCAL_ARGUMENTS"


def _exact(value: int) -> int:
    if abs(value) > MAX_EXACT_INT:
        raise argparse.ArgumentTypeError(f"{value} is beyond +-2**53, which KFP cannot pass on exactly")
    return value


def _integer(text: str) -> int:
    return _exact(int(text))


def _number(text: str) -> float:
    value = float(text)
    if not finite(value):
        raise ValueError(text)
    return value


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(text)


def _refuse(constant: str) -> float:
    raise ValueError(constant)  # NaN, Infinity: JSON has neither, nor has KFP


def _checked_json(value: Any) -> Any:
    """The same checks inside JSON as at the top: exact integers, finite numbers, bounded depth."""
    pending = [(value, 1)]
    while pending:  # a walk, not a recursion: the depth is what is being checked
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise argparse.ArgumentTypeError(f"nested more than {MAX_JSON_DEPTH} levels deep, which KFP cannot pass on")
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            _exact(item)
        elif isinstance(item, float) and not finite(item):
            raise argparse.ArgumentTypeError(f"{item} is not a finite number, which JSON and KFP need")
        elif isinstance(item, dict):
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            pending.extend((v, depth + 1) for v in item)
    return value


def _json_of(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = json.loads(text, parse_constant=_refuse)
        if not isinstance(value, kind):
            raise ValueError(text)
        return _checked_json(value)

    return parse


# KFP parameter type -> (parser, words for --help and errors)
TYPES: dict[str, tuple[Callable[[str], Any], str]] = {
    "Integer": (named("integer", _integer), "integer"),
    "Float": (named("number", _number), "number"),
    "String": (str, "text"),
    "Boolean": (named("true/false", _boolean), "true/false"),
    "List": (named("JSON list", _json_of(list)), "JSON list"),
    "Dict": (named("JSON object", _json_of(dict)), "JSON object"),
}


def local_arguments(pipeline: Pipeline) -> dict[str, Any]:
    """The pipeline module's ``LOCAL_ARGUMENTS`` ({} without one), checked against its inputs.

    Raises:
        PipelineArgumentError: If it is not a dict of the pipeline's input names.
    """
    module = importlib.import_module(pipeline.pipeline_func.__module__)
    found = getattr(module, LOCAL_ARGUMENTS, None)
    if found is None:
        return {}
    inputs = pipeline.component_spec.inputs or {}
    if not isinstance(found, dict) or not all(isinstance(k, str) for k in found):
        raise PipelineArgumentError(f"{LOCAL_ARGUMENTS} in {module.__name__} must be a dict of input names to values")
    unknown = sorted(set(found) - set(inputs))
    if unknown:
        names = ", ".join(sorted(inputs)) or "none"
        raise PipelineArgumentError(f"{LOCAL_ARGUMENTS} names no input {unknown[0]!r}; the pipeline's inputs: {names}")
    return dict(found)


def add_pipeline_arguments(
    parser: argparse.ArgumentParser, pipeline: Pipeline, required: bool = True, local: bool = True
) -> None:
    """Adds one option per pipeline input: name, type, default; required where there is none.

    Args:
        parser: The run script's parser.
        pipeline: The ``@dsl.pipeline`` whose inputs become options.
        required: Make inputs without a default required options (not when only compiling).
        local: Take ``LOCAL_ARGUMENTS`` as defaults (local runs; a cluster run when asked).

    Raises:
        PipelineArgumentError: If an input is not a parameter (an artifact) or clashes with a
            script option, or ``LOCAL_ARGUMENTS`` is not the pipeline's.
    """
    group = parser.add_argument_group(f"arguments of pipeline '{pipeline.name}'")
    taken = {option for action in parser._actions for option in action.option_strings}
    given = local_arguments(pipeline) if local else {}
    for name, spec in (pipeline.component_spec.inputs or {}).items():
        flag = "--" + name.replace("_", "-")
        kind = parameter_kind(spec.type)
        if kind is None:
            raise PipelineArgumentError(f"pipeline input {name!r} is a {spec.type} artifact: pass parameters only")
        if flag in taken:
            raise PipelineArgumentError(f"pipeline input {name!r} clashes with the script's {flag}: rename the input")
        parse, words = TYPES[kind]
        default = given.get(name, spec.default)
        needed = default is None and not spec.optional
        shown = json.dumps(default) if kind in ("List", "Dict") else default
        source = f", from {LOCAL_ARGUMENTS}" if name in given else ""
        group.add_argument(
            flag,
            dest=_DEST + name,
            type=parse,
            required=needed and required,
            default=default,
            metavar=words.upper().replace(" ", "_").replace("/", "_"),
            help=f"{words}; required" if needed else f"{words} (default {shown}{source})",
        )


def parameter_kind(type_name: str) -> str | None:
    """``Integer``, ``List`` ... for a KFP parameter type (``typing.List[str]`` is a List); None for an artifact."""
    match = re.match(r"^(?:typing\.)?(List|Dict|list|dict)\b", type_name)
    if match:
        return match.group(1).capitalize()
    return type_name if type_name in TYPES else None


def pipeline_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The pipeline's arguments out of parsed options (unset optional inputs left out)."""
    values = {key.removeprefix(_DEST): value for key, value in vars(args).items() if key.startswith(_DEST)}
    return {name: value for name, value in values.items() if value is not None}


def checked_arguments(pipeline: Pipeline, args: argparse.Namespace) -> dict[str, Any]:
    """The pipeline's arguments out of parsed options, passed through the module's check.

    The pipeline's module may define ``validate_arguments(arguments: dict) -> None``, raising
    ``ValueError`` for a value its tasks would reject.

    Raises:
        PipelineArgumentError: With the hook's message, if it refuses a value.
    """
    arguments = pipeline_arguments(args)
    module = importlib.import_module(pipeline.pipeline_func.__module__)
    hook = getattr(module, "validate_arguments", None)
    if hook is not None:
        try:
            hook(dict(arguments))
        except ValueError as error:
            raise PipelineArgumentError(f"pipeline argument refused: {error}") from None
    return arguments
