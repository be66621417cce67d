"""Test-only rules for the installed CLI: with this directory on PYTHONPATH, Python imports
this module at start-up and the rules in `extra_rules/` join lambdalint's own (the registry
discovers every module on `lambdalint.rules.__path__`).  Production code has no hook for it."""

import os

import lambdalint.rules

lambdalint.rules.__path__.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra_rules"))
