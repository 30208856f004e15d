"""liaison.matching is pure Python: importing it loads no Django module."""

import subprocess
import sys


def test_importing_matching_pulls_no_django() -> None:
    code = (
        "import sys, liaison.matching, liaison.matching.cli; "
        "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
