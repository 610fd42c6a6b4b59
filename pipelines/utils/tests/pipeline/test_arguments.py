"""The run scripts' options come from the pipeline's inputs: names, types, defaults, required."""

import argparse

import pytest

from utils.pipeline.arguments import (
    PipelineArgumentError,
    add_pipeline_arguments,
    checked_arguments,
    parameter_kind,
    pipeline_arguments,
)
from utils.tests.fixtures import pipelines as fixtures
from utils.tests.helpers import assert_usage_error


def parse(pipeline, *argv, required=True):
    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser, pipeline, required=required)
    return parser, parser.parse_args(list(argv))


def test_every_type_is_parsed_and_defaults_are_kept():
    _, args = parse(fixtures.every_type_pipeline, "--number", "-3", "--flag", "yes", "--names", '["a","b"]')
    assert pipeline_arguments(args) == {
        "number": -3, "ratio": 0.5, "name": "x", "flag": True, "names": ["a", "b"], "table": {"k": 1},
    }  # fmt: skip


def test_help_names_each_option_with_its_type_and_default():
    parser, _ = parse(fixtures.every_type_pipeline, "--number", "1")
    text = parser.format_help()
    for expected in ("--number INTEGER", "integer; required", "--ratio NUMBER", "number (default 0.5)",
                     "--name TEXT", "--flag TRUE_FALSE", "--names JSON_LIST", '(default ["a"])',
                     "--table JSON_OBJECT"):  # fmt: skip
        assert expected in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: --number"),
        (["--number", "1.5"], "--number: invalid integer value: '1.5'"),
        (["--number", str(2**53 + 1)], "beyond +-2**53"),
        (["--number", "1", "--ratio", "nan"], "--ratio: invalid number value: 'nan'"),
        (["--number", "1", "--flag", "maybe"], "--flag: invalid true/false value: 'maybe'"),
        (["--number", "1", "--names", '{"a": 1}'], "--names: invalid JSON list value"),
        (["--number", "1", "--table", "[1]"], "--table: invalid JSON object value: '[1]'"),
        (["--number", "1", "--table", "{oops"], "--table: invalid JSON object value: '{oops'"),
    ],
)
def test_bad_values_are_one_argparse_line(argv, message, capsys):
    assert_usage_error(lambda args: parse(fixtures.every_type_pipeline, *args), argv, message, capsys)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--table", '{"k": 123456789012345678901234567890}'],
            "--table: 123456789012345678901234567890 is beyond +-2**53",
        ),
        (["--names", '[{"deep": [9007199254740993]}]'], "--names: 9007199254740993 is beyond +-2**53"),
        (["--names", "[NaN]"], "--names: invalid JSON list value: '[NaN]'"),
        (["--names", "[-Infinity]"], "--names: invalid JSON list value: '[-Infinity]'"),
        (["--names", "[1e999]"], "--names: inf is not a finite number"),
        (["--names", "[" * 500 + "]" * 500], "--names: nested more than 100 levels deep"),
        (["--names", "[" * 60_000 + "]" * 60_000], "--names: invalid JSON list value: '[[[["),
    ],
)
def test_nested_values_are_checked_like_top_level_ones_in_one_short_line(argv, message, capsys):
    with pytest.raises(SystemExit) as caught:
        parse(fixtures.every_type_pipeline, "--number", "1", *argv)
    error = capsys.readouterr().err
    assert caught.value.code == 2 and message in error.strip().splitlines()[-1]
    assert len(error) < 1500 and "Traceback" not in error


def test_required_inputs_are_optional_when_only_compiling():
    _, args = parse(fixtures.no_outputs_pipeline, required=False)
    assert pipeline_arguments(args) == {"count": 2}


def test_an_input_that_clashes_with_a_script_option_is_refused():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count")
    with pytest.raises(PipelineArgumentError, match="pipeline input 'count' clashes with the script's --count"):
        add_pipeline_arguments(parser, fixtures.words_pipeline)


@pytest.mark.parametrize(
    ("type_name", "kind"),
    [("Integer", "Integer"), ("Float", "Float"), ("typing.List[str]", "List"), ("List", "List"),
     ("typing.Dict[str, int]", "Dict"), ("system.Dataset@0.0.1", None)],
)  # fmt: skip
def test_parameter_kinds(type_name, kind):
    assert parameter_kind(type_name) == kind


def test_the_pipeline_modules_validate_hook_refuses_values_before_anything_runs():
    _, args = parse(fixtures.words_pipeline, "--count", "0")
    assert checked_arguments(fixtures.words_pipeline, args) == {"count": 0, "prefix": "w"}  # the fixtures have no hook
    from examples import importer

    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser, importer.importer_pipeline)
    with pytest.raises(PipelineArgumentError, match=r"pipeline argument refused: --uri /nowhere\.csv: no such file"):
        checked_arguments(importer.importer_pipeline, parser.parse_args(["--uri", "/nowhere.csv"]))


def test_local_arguments_fill_in_what_is_not_given_and_a_required_input_becomes_optional():
    from utils.tests.fixtures.with_local_arguments import required_prefix

    _, args = parse(required_prefix)
    assert pipeline_arguments(args) == {"prefix": "loc", "count": 2}
    _, args = parse(required_prefix, "--count", "7")
    assert pipeline_arguments(args) == {"prefix": "loc", "count": 7}
    parser, _ = parse(required_prefix)
    assert "(default loc, from LOCAL_ARGUMENTS)" in parser.format_help()


def test_without_local_arguments_a_required_input_stays_required(capsys):
    from utils.tests.fixtures.with_local_arguments import required_prefix

    parser = argparse.ArgumentParser()
    add_pipeline_arguments(parser, required_prefix, local=False)
    with pytest.raises(SystemExit):
        parser.parse_args([])
    assert "the following arguments are required: --prefix" in capsys.readouterr().err


def test_local_arguments_naming_no_input_are_one_line(tmp_path, monkeypatch):
    import sys
    import textwrap

    (tmp_path / "odd_local.py").write_text(
        textwrap.dedent("""
        from kfp import dsl
        from utils.tests.fixtures.pipelines import make_words

        LOCAL_ARGUMENTS = {"prefx": "typo"}

        @dsl.pipeline
        def odd(prefix: str):
            make_words(count=1, prefix=prefix)
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("odd_local", None)
    from odd_local import odd

    with pytest.raises(
        PipelineArgumentError, match="LOCAL_ARGUMENTS names no input 'prefx'; the pipeline's inputs: prefix"
    ):
        parse(odd)


def test_a_debug_run_without_arguments_takes_the_local_ones(tmp_path):
    from utils.testing.scripts import run_script

    proc = run_script(
        "run_locally_in_subproc.py",
        PIPE_FICTION_PIPELINE="utils.tests.fixtures.with_local_arguments",
        PIPE_FICTION_OUTPUTS=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (text,) = tmp_path.glob("fixture-local-arguments-*/write-words/text")
    assert text.read_text() == "loc0\nloc1\n"
