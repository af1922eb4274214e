"""SHA-256 of every demo plan's PDF and PDF/A, downloaded as a user does.

A refactoring must not change a byte of what the board signs: run this before and
after and compare the two outputs (``diff``). It builds a throwaway SQLite database
with the demo data, logs in as each plan's kansli user and fetches both files through
the URLs (so it does not depend on where the code that renders them lives). Drafts
print today's date, so compare outputs made on the same day.

    .venv/bin/python scripts/pdf_fingerprints.py > before.txt
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    folder = tempfile.mkdtemp(prefix="finsam-pdf-fingerprints-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/fingerprints.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    os.environ.update(DEBUG="false", SECRET_KEY="fingerprints-only-" + "x" * 50)
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ["PDF_RENDER_NICE"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django_scopes import scopes_disabled

    from associations.models import Membership, Role
    from plans.models import Plan

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    with scopes_disabled():
        plans = list(
            Plan.objects.select_related("association").order_by("association__slug", "year")
        )
        kansli = {
            m.association_id: m.user
            for m in Membership.objects.select_related("user").filter(role=Role.KANSLI)
        }
    for plan in plans:
        client = Client()
        client.force_login(kansli[plan.association_id])
        for name in ("document.pdf", "document-arkiv.pdf"):
            url = f"/f/{plan.association.slug}/plans/{plan.pk}/{name}"
            response = client.get(url)
            body = b"".join(response) if response.streaming else response.content
            digest = hashlib.sha256(body).hexdigest()
            print(plan.association.slug, plan.year, plan.status, name, response.status_code, digest)


if __name__ == "__main__":
    main()
