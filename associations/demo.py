"""Demo data: the five förbund of the seed plans, with their users.

The data files in ``associations/demo/`` were transcribed from the plans in
``shared/seeds``. Loading is idempotent: records are matched on natural keys
(slug, party name, person name, username) and updated in place, so a second
run changes nothing.
"""

import datetime
import json
import secrets
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

from . import invitations
from .models import (
    Association,
    BoardSeat,
    IdentityProvider,
    Invitation,
    MemberParty,
    Membership,
    OfficeContact,
    Role,
    User,
)

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_PASSWORD = "demo"
DEMO_SLUGS = [
    "samspelet",
    "ostra-varmland",
    "insjoriket",
    "norra-vastmanland",
    "sollentuna-upplands-vasby-sigtuna",
]
MULTI_ASSOCIATION_USER = "flera-forbund"
MULTI_ASSOCIATION_SLUGS = ["samspelet", "ostra-varmland"]

# Demo people are named by role and förbund: "Kanslist Samspelet".
ROLE_NAMES = {
    Role.KANSLI: "Kanslist",
    Role.BOARD_MEMBER: "Ledamot",
    Role.PROJECT_LEADER: "Projektledare",
    Role.AUDITOR: "Revisor",
}


def read_demo_file(slug: str) -> dict:
    return json.loads((DEMO_DIR / f"{slug}.json").read_text(encoding="utf-8"))


# Demo users' addresses are under the reserved top-level domain .example (RFC 2606):
# in development the mails they are sent show in the console, and nowhere can one be
# delivered to a real person.
DEMO_MAIL_DOMAIN = "demo.example"


def _demo_user(username: str, *, first_name: str, last_name: str, hasher_cache: dict, **extra):
    user = User.objects.filter(username=username).first()
    email = f"{username}@{DEMO_MAIL_DOMAIN}"
    if user is None:
        user = User(
            username=username, first_name=first_name, last_name=last_name, email=email, **extra
        )
        if "hash" not in hasher_cache:
            user.set_password(DEMO_PASSWORD)
            hasher_cache["hash"] = user.password
        user.password = hasher_cache["hash"]
        user.save()
    elif not user.email:  # loaded before demo users had addresses
        user.email = email
        user.save(update_fields=["email"])
    return user


def _load_association(data: dict) -> Association:
    fields = {
        key: data[key]
        for key in [
            "name",
            "short_name",
            "org_number",
            "street_address",
            "postal_code",
            "city",
            "email",
            "phone",
            "website",
        ]
    }
    fields["board_note"] = data.get("board_structure_note_sv", "")
    association, _ = Association.objects.update_or_create(slug=data["slug"], defaults=fields)
    association.full_clean()

    with scope(association=association):
        parties = {}
        for order, party in enumerate(data["parties"], start=1):
            parties[party["name"]], _ = MemberParty.objects.update_or_create(
                association=association,
                name=party["name"],
                defaults={"kind": party["kind"], "population": party["population"], "order": order},
            )
        for seat in data["board"]:
            BoardSeat.objects.update_or_create(
                association=association,
                name=seat["name"],
                defaults={
                    "party": parties[seat["party"]],
                    "seat": seat["seat"],
                    "office": seat["role"],
                },
            )
        for invitation in data.get("invitations", []):
            _load_invitation(association, invitation)
        for order, contact in enumerate(data["contacts"], start=1):
            OfficeContact.objects.update_or_create(
                association=association,
                title=contact["title"],
                name=contact["name"],
                defaults={"email": contact["email"], "phone": contact["phone"], "order": order},
            )
    return association


def _load_invitation(association: Association, data: dict) -> None:
    """An invitation sent ``days_ago`` days before the first load and not accepted: the
    kansli's to-do list and list of invitations show it. Its link is not known (only its
    hash is kept): *Skicka igen* sends a new one."""
    if Invitation.objects.filter(association=association, email=data["email"]).exists():
        return
    Invitation.objects.create(
        association=association,
        email=data["email"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        role=data["role"],
        sent_at=timezone.now() - datetime.timedelta(days=data["days_ago"]),
        token_hash=invitations.token_hash(secrets.token_urlsafe(32)),
    )


# Samspelet's single sign-on, off: the README's "Inloggning via förbundets
# inloggningstjänst" starts the tests' own provider at this address and turns it on.
DEMO_IDENTITY_PROVIDER = {
    "label": "Samspelets testinloggning",
    "issuer": "http://127.0.0.1:9000",
    "client_id": "finsam",
    "client_secret": "hemligt",
}


def _load_identity_provider(association: Association) -> None:
    IdentityProvider.objects.get_or_create(
        association=association, defaults={"enabled": False, **DEMO_IDENTITY_PROVIDER}
    )


# The demo administrator's TOTP key (hex), published in the README as base32
# (DEMOADMINTOTPKEY234567ABCDEFGHIJ): a demo installation only.
DEMO_ADMIN_TOTP_KEY = "1918e00d886cdd37a898d6f9df7c0110c8531d09"


@transaction.atomic
def load_demo_associations() -> dict[str, Association]:
    """Create or update the five förbund and their demo users; returns them by slug."""
    hasher_cache: dict = {}
    associations = {}
    for slug in DEMO_SLUGS:
        association = _load_association(read_demo_file(slug))
        associations[slug] = association
        with scope(association=association):
            for role, title in ROLE_NAMES.items():
                user = _demo_user(
                    f"{slug}-{role}",
                    first_name=title,
                    last_name=association.display_name,
                    hasher_cache=hasher_cache,
                )
                Membership.objects.update_or_create(
                    association=association, user=user, defaults={"role": role}
                )

    with scope(association=associations["samspelet"]):
        _load_identity_provider(associations["samspelet"])

    multi = _demo_user(
        MULTI_ASSOCIATION_USER,
        first_name="Flera",
        last_name="Förbund",
        hasher_cache=hasher_cache,
    )
    for slug in MULTI_ASSOCIATION_SLUGS:
        with scope(association=associations[slug]):
            Membership.objects.update_or_create(
                association=associations[slug], user=multi, defaults={"role": Role.KANSLI}
            )

    admin = _demo_user(
        "admin",
        first_name="Plattform",
        last_name="Administratör",
        hasher_cache=hasher_cache,
        is_staff=True,
        is_superuser=True,
    )
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    # Django admin needs a second factor: the demo administrator's authenticator is this
    # fixed, published key (README; `manage.py demo_totp` prints the code now).
    TOTPDevice.objects.get_or_create(
        user=admin,
        name="demo",
        defaults={"key": DEMO_ADMIN_TOTP_KEY, "confirmed": True},
    )
    return associations
