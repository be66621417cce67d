"""A rule that stops the run mid-way, so a test can interrupt it at a known point: on a
module defining `lambdalint_test_block` it creates the file named by
$LAMBDALINT_TEST_BLOCKED and then waits (until the process is interrupted or killed)."""

import os
import time

from lambdalint.rule import Rule


class BlockingRule(Rule):
    code = "LAM991"
    name = "test-block"
    summary = "Test only: blocks the run on a marked module."
    why = "Test only."

    def check(self):
        if "lambdalint_test_block" in self.analysis.module_functions:
            with open(os.environ["LAMBDALINT_TEST_BLOCKED"], "w") as marker:
                marker.write(str(os.getpid()))
            time.sleep(600)
        return iter(())
