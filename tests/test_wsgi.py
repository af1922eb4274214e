"""The WSGI entry point that gunicorn loads (docker/entrypoint.sh, bench/)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_worker_loads_its_modules_and_freezes_them_out_of_full_collections():
    # A process of its own: freezing the test process would change every later test.
    script = (
        "import gc, sys, finsam.wsgi;"
        "print(gc.get_freeze_count(), 'weasyprint' in sys.modules, 'plans.views' in sys.modules,"
        " callable(finsam.wsgi.application))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "finsam.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    frozen, weasyprint_loaded, views_loaded, callable_app = result.stdout.split()
    assert int(frozen) > 50_000
    assert (weasyprint_loaded, views_loaded, callable_app) == ("True", "True", "True")
