"""Print the demo administrator's current two-factor code (the demo's published key):
for a tester logging in to Django admin without an authenticator app."""

import time

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from associations.demo import DEMO_ADMIN_TOTP_KEY


class Command(BaseCommand):
    help = "Print the demo administrator's current TOTP code (demo installations only)."

    def handle(self, *args, **options):
        code = totp(bytes.fromhex(DEMO_ADMIN_TOTP_KEY))
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{code:06d}  (valid for about {left} more seconds)")
