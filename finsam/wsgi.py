import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")

application = get_wsgi_application()


def freeze_startup_objects() -> None:
    """Load every view module and WeasyPrint now and leave what the worker has loaded so
    far (Django, the apps, the URL configuration, WeasyPrint: about 130 000 objects that
    live as long as the process) out of the garbage collector's full passes.

    A full pass walks every tracked object. Rendering a plan's PDF creates hundreds of
    thousands of short-lived objects with reference cycles, which set off several full
    passes per document; without the start-up objects in them, those passes take about
    220 instead of 360 ms, a tenth of the render (``bench/plan_pdf.py --compare-gc``).
    Nothing is kept alive that would otherwise be freed: these objects are never
    garbage. Python's documentation recommends the same before a server forks its
    workers."""
    get_resolver().url_patterns  # noqa: B018 (imports the views, forms and their modules)
    # The PDF renderer with its parsed user-agent stylesheets (documents.plan_document imports it
    # on the first download, and a worker keeps it from then on).
    import weasyprint  # noqa: F401

    gc.collect()  # what start-up left as garbage is freed, not frozen
    gc.freeze()


freeze_startup_objects()
