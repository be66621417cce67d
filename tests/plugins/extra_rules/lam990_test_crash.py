"""A deliberately broken rule: raises on modules that define `lambdalint_test_crash`."""

from lambdalint.rule import Rule


class CrashingRule(Rule):
    code = "LAM990"
    name = "test-crash"
    summary = "Test only: raises an exception inside the rule."
    why = "Test only."

    def check(self):
        if "lambdalint_test_crash" in self.analysis.module_functions:
            raise ValueError("deliberate failure for the test suite")
        return iter(())
