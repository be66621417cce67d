"""Every rule's own VALID/INVALID examples (the ones its docs show) are executed here."""

import pytest

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text, lint_text
from lambdalint.registry import all_rules

CASES = [
    pytest.param(rule, kind, index, example, id=f"{code}-{kind}-{index}")
    for code, rule in all_rules().items()
    for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
    for index, example in enumerate(examples)
]


def _options(rule):
    if rule.opt_in:  # judged against the other rules' findings (LAM001): run them too
        return Options(Config(select=("LAM", rule.code), **rule.example_config))
    return Options(Config(select=(rule.code,), **rule.example_config))


def test_every_rule_has_examples():
    for code, rule in all_rules().items():
        assert rule.valid and rule.invalid, f"{code} needs VALID and INVALID examples"
        assert rule.summary and rule.why and rule.name


@pytest.mark.parametrize("rule, kind, index, example", CASES)
def test_example(rule, kind, index, example):
    result = lint_text(example.source, "handler.py", _options(rule))
    assert not result.errors
    lines = sorted(f.line for f in result.findings if f.code == rule.code)
    if kind == "valid":
        assert lines == [], f"{rule.code} flagged valid example:\n{example.source}"
        return
    assert lines == sorted(example.lines), example.source
    for finding in result.findings:
        assert finding.message and finding.suggestion
    if example.fixed_source is not None:
        fixed, applied, after = fix_text(example.source, "handler.py", _options(rule), "unsafe")
        assert fixed == example.fixed_source
        assert applied >= 1
        assert not [f for f in after.findings if f.code == rule.code]
        again, applied_again, _ = fix_text(fixed, "handler.py", _options(rule), "unsafe")
        assert again == fixed and applied_again == 0
