"""The nets layer stays free of web code."""

import subprocess
import sys


def test_importing_the_nets_layer_imports_no_web_library():
    code = (
        "import sys\n"
        "import backprop_playground.nets.datasets, backprop_playground.nets.expressions\n"
        "import backprop_playground.nets.lessons, backprop_playground.nets.model\n"
        "import backprop_playground.nets.regions, backprop_playground.nets.spec\n"
        "web = [m for m in ('fastapi', 'starlette', 'uvicorn', 'httpx') if m in sys.modules]\n"
        "assert not web, web\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
