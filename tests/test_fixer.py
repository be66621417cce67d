"""General fixer facilities: adding imports to the import block, hoisting definitions."""

import libcst as cst

from lambdalint import fixer
from lambdalint.model import Fix


def _add(source, name):
    return fixer.add_import(cst.parse_module(source), name).code


def test_module_name_import_goes_after_the_import_block():
    assert _add("import os\n\nX = 1\n", "functools") == "import os\nimport functools\n\nX = 1\n"


def test_import_statement_goes_after_the_import_block():
    source = '"""Doc."""\nimport os\nfrom typing import Any\n\n\ndef f():\n    pass\n'
    assert _add(source, "from jinja2 import Template") == (
        '"""Doc."""\nimport os\nfrom typing import Any\nfrom jinja2 import Template\n\n\ndef f():\n    pass\n'
    )


def test_first_import_of_a_module_is_kept_apart_from_code_and_docstring():
    assert _add("def f():\n    pass\n", "import json") == "import json\n\n\ndef f():\n    pass\n"
    assert _add('"""Doc."""\nX = 1\n', "import json") == '"""Doc."""\n\nimport json\n\nX = 1\n'


def test_has_import_understands_statements_and_aliases():
    module = cst.parse_module("import pandas as pd\nfrom os import path, sep as s\nimport json\n")
    assert fixer.has_import(module, "import pandas as pd")
    assert fixer.has_import(module, "from os import path")
    assert fixer.has_import(module, "from os import sep as s")
    assert fixer.has_import(module, "json")
    assert not fixer.has_import(module, "import pandas")
    assert not fixer.has_import(module, "from os import sep")
    assert not fixer.has_import(module, "from os import path, getcwd")


def test_apply_adds_each_import_once():
    from lambdalint.model import Fix

    module = cst.parse_module("import os\n")
    fixes = [
        Fix("safe", "a", imports=["from a import b", "functools"]),
        Fix("safe", "b", imports=["from a import b", "functools"]),
    ]
    out = fixer.apply(module, fixes, [module.body[0], module.body[0]]).code
    assert out == "import os\nfrom a import b\nimport functools\n"
    assert fixer.apply(cst.parse_module(out), fixes, [None, None]).code == out


def test_hoisted_definition_is_two_lines_apart():
    from lambdalint.model import Fix

    module = cst.parse_module("import os\n\n\ndef handler(event, context):\n    pass\n")
    loader = cst.parse_statement("def _load():\n    return 1\n")
    fix = Fix("unsafe", "loader", module_statements=[loader])
    out = fixer.apply(module, [fix], [module.body[1]]).code
    assert out == "import os\n\n\ndef _load():\n    return 1\n\n\ndef handler(event, context):\n    pass\n"


def test_statement_hoisted_after_a_definition_is_two_lines_below_it():
    from lambdalint.model import Fix

    module = cst.parse_module("import os\n\n\ndef handler(event, context):\n    pass\n")
    loader = cst.parse_statement("def _load():\n    return 1\n")
    constant = cst.parse_statement("X = _load()\n")
    fix = Fix("unsafe", "loader", module_statements=[loader, constant])
    out = fixer.apply(module, [fix], [module.body[1]]).code
    assert out == (
        "import os\n\n\ndef _load():\n    return 1\n\n\nX = _load()\n\n\ndef handler(event, context):\n    pass\n"
    )


def test_removing_the_opening_statements_of_a_block_leaves_no_blank_line_under_the_def():
    module = cst.parse_module("def f():\n    import a\n    import b\n\n    return a, b\n")
    body = module.body[0].body.body
    out = fixer.apply(
        module, [Fix("safe", "x", edits={body[0]: cst.RemoveFromParent(), body[1]: cst.RemoveFromParent()})], [None]
    ).code
    assert out == "def f():\n    return a, b\n"


def test_an_import_statement_keeps_its_comments():
    out = _add("import os\n", "# heavy: only reports need it\nimport pandas as pd  # noqa: E402")
    assert out == "import os\n# heavy: only reports need it\nimport pandas as pd  # noqa: E402\n"
    assert fixer.has_import(cst.parse_module(out), "# another comment\nimport pandas as pd")
