"""Time and memory of refusing each workbook bomb of ``tests/budgets/test_upload_bombs.py``.

Builds each bomb in memory (a cell of 100 MB, 3 million shared strings, a row of a
million cells, a DTD with entities, and the counted kinds) and hands it to the budget
import's reader (``importing.read_workbook``), which must refuse it from the zip before
openpyxl parses anything. Prints per bomb: the upload's size, the time to refuse it, the
peak Python memory while refusing (tracemalloc) and the growth of the process's resident
memory, and the problem listed. The bar of issue 14: under 2 s and under 50 MiB each.
No database and no network.

    .venv/bin/python bench/upload_bombs.py
"""

import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    import django

    django.setup()
    from django.utils import translation

    from budgets.importing import WorkbookRejected, read_workbook
    from tests.budgets.test_upload_bombs import BOMBS

    print(f"{'bomb':<28}{'upload kB':>10}{'time s':>9}{'peak MiB':>10}{'RSS +MiB':>10}  problem")
    failed = False
    with translation.override("sv"):
        for kind, (make, _words) in BOMBS.items():
            data = make()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            tracemalloc.start()
            started = time.perf_counter()
            try:
                read_workbook(data, budget=None)  # refused before the budget is looked at
                problem = "NOT REFUSED"
            except WorkbookRejected as refused:
                problem = refused.messages[0]
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before
            held = problem != "NOT REFUSED" and elapsed < 2 and peak < 50 * 2**20
            failed |= not held
            print(
                f"{kind:<28}{len(data) / 1024:>10.0f}{elapsed:>9.3f}{peak / 2**20:>10.1f}"
                f"{rss_growth:>10.1f}  {'' if held else 'FAILS THE BAR: '}{problem}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
