"""The tenant (the samordningsförbund), its member parties, board, kansli
contacts and the users' memberships with their roles.

Every model that belongs to a förbund uses ``ScopedManager``: a query made
without an active ``scope(association=...)`` raises ``ScopeError`` instead of
returning other förbunds' rows.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from . import freezing

org_number_validator = RegexValidator(
    regex=r"^\d{6}-\d{4}$",
    message=_("Enter the organisation number in the form NNNNNN-NNNN, e.g. 222000-2352."),
)
postal_code_validator = RegexValidator(
    regex=r"^\d{3} ?\d{2}$",
    message=_("Enter the postal code as five digits, e.g. 431 30."),
)


class User(AbstractUser):
    """A person who logs in. Roles live on ``Membership``, per förbund."""

    # The interface language the person chose ("" until they choose: Swedish). Kept on
    # the account so that it follows them to any device (associations.middleware).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("This e-mail address is already in use."),
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class Association(models.Model):
    """A samordningsförbund: the tenant every other record belongs to."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    slug = models.SlugField(
        _("address in the URL"),
        max_length=60,
        unique=True,
        help_text=_("Lower-case letters, digits and hyphens, e.g. ostra-varmland."),
        error_messages={"unique": _("Another förbund already uses this address.")},
    )
    org_number = models.CharField(
        _("organisation number"), max_length=11, blank=True, validators=[org_number_validator]
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("postal code"), max_length=6, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    board_note = models.TextField(
        _("about the board"),
        blank=True,
        help_text=_("How the board is composed, as the förbundsordning says."),
    )
    chair_records_decision = models.BooleanField(
        _("the chair may record the board's decision"),
        default=False,
        help_text=_(
            "When set, a board member who is chair may record the board's decision on a plan, "
            "as the kansli can."
        ),
    )
    # When work is due (notifications: the to-do lists and the reminders).
    quarter_deadline_days = models.PositiveSmallIntegerField(
        _("days to report a quarter"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("A quarter's figures are due this many days after the quarter ends."),
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder, days before the deadline"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "Project leaders who have not submitted are reminded this many days before a "
            "quarter's deadline, and again the day after it."
        ),
    )
    next_plan_month = models.PositiveSmallIntegerField(
        _("next year's plan started by, month"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    next_plan_day = models.PositiveSmallIntegerField(
        _("next year's plan started by, day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_(
            "If next year's plan does not exist by this date, the kansli's to-do list says so."
        ),
    )
    # How long the förbund's Händelselogg keeps an event (the audit app's daily purge).
    audit_retention_months = models.PositiveSmallIntegerField(
        _("event log kept, months"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Events in the event log older than this are deleted by the daily job."),
    )
    # Every user of the förbund logs in with a second factor (associations.two_factor).
    require_two_factor = models.BooleanField(
        _("require two-factor login"),
        default=False,
        help_text=_(
            "Every user of the förbund logs in with a code from an authenticator app as well "
            "as the password; a user without one sets it up at the next login."
        ),
    )
    # When the kansli last downloaded "Exportera all data" (``association_export_recorded``):
    # the platform administrator removes a förbund only once it has been exported.
    exported_at = models.DateTimeField(_("last exported"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("förbund")
        verbose_name_plural = _("förbund")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return self.short_name or self.name

    def clean(self):
        super().clean()
        errors = {}
        if 1 <= (self.next_plan_month or 0) <= 12 and 1 <= (self.next_plan_day or 0) <= 31:
            try:
                self.next_plan_start(2023)  # not a leap year: 29 February is refused
            except ValueError:
                errors["next_plan_day"] = _("Choose a day that exists in that month every year.")
        if (
            self.reminder_days_before
            and self.quarter_deadline_days
            and self.reminder_days_before >= self.quarter_deadline_days
        ):
            errors["reminder_days_before"] = _(
                "The reminder must come after the quarter has ended: fewer days before the "
                "deadline than the days to report a quarter."
            )
        if errors:
            raise ValidationError(errors)

    def next_plan_start(self, year: int) -> datetime.date:
        """The date in ``year`` by which the plan for ``year + 1`` should be started."""
        return datetime.date(year, self.next_plan_month, self.next_plan_day)


class Role(models.TextChoices):
    KANSLI = "kansli", _("Kansli")
    BOARD_MEMBER = "styrelse", _("Board member")
    PROJECT_LEADER = "projektledare", _("Project leader")
    AUDITOR = "revisor", _("Auditor")


class Membership(models.Model):
    """A user's access to one förbund, with exactly one role there."""

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__last_name", "user__first_name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "user"],
                name="membership_one_per_user_and_association",
                violation_error_message=_("This user is already a member of this förbund."),
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.association.display_name})"


class Invitation(models.Model):
    """An offer of a role in a förbund, sent to an e-mail address: nothing about an
    account is given to the förbund until the person accepts it, logged in as themselves
    (``associations.invitations``). The kansli sees the address it typed and the state.

    The link carries a random token; only its SHA-256 is stored, so the table does not
    hold working links. A link works for ``VALID_DAYS`` days from the last sending."""

    VALID_DAYS = 14

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")  # shown only: a pending invitation past its days
        REVOKED = "revoked", _("Revoked")

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"))
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)  # accepted or revoked

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "association",
                condition=models.Q(state="pending"),
                name="invitation_one_pending_per_address",
                violation_error_message=_(
                    "This address already has an invitation waiting: send it again instead."
                ),
            )
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()}, {self.association.display_name})"

    @property
    def expires_at(self) -> datetime.datetime:
        return self.sent_at + datetime.timedelta(days=self.VALID_DAYS)

    def shown_state(self, now: datetime.datetime) -> str:
        """The state as the kansli sees it: a pending invitation past its days is expired."""
        if self.state == self.State.PENDING and now >= self.expires_at:
            return self.State.EXPIRED
        return self.state


class IdentityProvider(models.Model):
    """The förbund's own OpenID Connect identity provider (Freja eID, Entra ID, a
    municipality's IdP): its users may log in through it instead of with a password
    (``associations.sso``). A login reaches an existing account only: the e-mail the
    provider vouches for must be that of a member of this förbund."""

    association = models.OneToOneField(
        Association, on_delete=models.CASCADE, related_name="identity_provider"
    )
    enabled = models.BooleanField(
        _("log in through the identity provider"),
        default=False,
        help_text=_("When set, the login page offers the förbund's own login."),
    )
    label = models.CharField(
        _("name on the login button"),
        max_length=100,
        blank=True,
        help_text=_("E.g. Region Värmlands inloggning. Empty: the förbund's name."),
    )
    issuer = models.URLField(
        _("issuer"),
        max_length=300,
        help_text=_(
            "The provider's issuer address, where /.well-known/openid-configuration is found, "
            "e.g. https://login.microsoftonline.com/TENANT-ID/v2.0."
        ),
    )
    client_id = models.CharField(_("client id"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=500)
    email_claim = models.CharField(
        _("claim with the e-mail address"),
        max_length=100,
        default="email",
        help_text=_("The ID token's claim that carries the user's e-mail address."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self):
        return self.button_label

    @property
    def button_label(self) -> str:
        return self.label or self.association.display_name


class PartyKind(models.TextChoices):
    FORSAKRINGSKASSAN = "forsakringskassan", _("Försäkringskassan")
    ARBETSFORMEDLINGEN = "arbetsformedlingen", _("Arbetsförmedlingen")
    REGION = "region", _("Region")
    MUNICIPALITY = "kommun", _("Kommun")


class MemberPartyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # A party named by an approved plan keeps its name (plans.freezing registers it).
        freezing.refuse_update(self, kwargs)
        return super().update(**kwargs)

    update.alters_data = True


class MemberParty(models.Model):
    """A member (part, huvudman) of the förbund.

    A party named by an approved plan (or one on review) cannot be removed or
    renamed; its membership ends with a year (``member_until``) instead.
    """

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("kind"), max_length=30, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    population = models.PositiveIntegerField(
        _("population"),
        null=True,
        blank=True,
        # Sweden's largest kommun has about a million inhabitants.
        validators=[MinValueValidator(1), MaxValueValidator(5_000_000)],
        help_text=_("Kommuner only; splits the kommuner's quarter of the contributions."),
    )
    member_until = models.PositiveSmallIntegerField(
        _("member until (year)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_(
            "The last year of the membership. The party stays in the plans it is named "
            "in, and is not offered in plans for later years."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = ScopedManager(
        _manager_class=models.Manager.from_queryset(MemberPartyQuerySet),
        association="association",
    )

    class Meta:
        verbose_name = _("member party")
        verbose_name_plural = _("member parties")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "name"],
                name="party_name_unique_per_association",
                violation_error_message=_("This förbund already has a member with this name."),
            )
        ]

    def __str__(self):
        return self.name

    def is_member_in(self, year: int) -> bool:
        return self.member_until is None or year <= self.member_until

    def clean(self):
        if self.population is not None and self.kind != PartyKind.MUNICIPALITY:
            raise ValidationError({"population": _("Population is recorded for kommuner only.")})
        # Lag 2003:1210: Försäkringskassan, Arbetsförmedlingen, one region and kommuner.
        if self.kind and self.kind != PartyKind.MUNICIPALITY and self.association_id:
            others = MemberParty.objects.filter(association=self.association_id, kind=self.kind)
            if others.exclude(pk=self.pk).exists():
                raise ValidationError(
                    {
                        "kind": _("The förbund already has %(kind)s as a member.")
                        % {"kind": PartyKind(self.kind).label}
                    }
                )


class BoardSeat(models.Model):
    """One person's seat on the board: ordinarie or ersättare, for a party."""

    class Seat(models.TextChoices):
        ORDINARY = "ordinarie", _("Ordinary member")
        DEPUTY = "ersattare", _("Deputy")

    class Office(models.TextChoices):
        CHAIR = "ordforande", _("Chair")
        VICE_CHAIR = "vice_ordforande", _("Vice chair")
        MEMBER = "ledamot", _("Member")

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="board_seats"
    )
    party = models.ForeignKey(
        MemberParty,
        on_delete=models.PROTECT,
        related_name="board_seats",
        verbose_name=_("member party"),
    )
    name = models.CharField(_("name"), max_length=200)
    seat = models.CharField(_("seat"), max_length=20, choices=Seat.choices, default=Seat.ORDINARY)
    office = models.CharField(
        _("office"), max_length=20, choices=Office.choices, default=Office.MEMBER
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="board_seats",
        verbose_name=_("user account"),
        help_text=_("The board member's own account in this service, if they have one."),
    )

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("board seat")
        verbose_name_plural = _("board seats")
        ordering = ["party__order", "seat", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "office"],
                condition=models.Q(office__in=["ordforande", "vice_ordforande"]),
                name="one_chair_and_one_vice_chair_per_association",
                violation_error_message=_("The board already has someone in this office."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.office != self.Office.MEMBER and self.seat != self.Seat.ORDINARY:
            raise ValidationError(
                {"office": _("The chair and vice chair must hold ordinary seats.")}
            )
        if (
            self.party_id
            and self.association_id
            and self.party.association_id != self.association_id
        ):
            raise ValidationError({"party": _("Choose a member party of this förbund.")})
        if self.user_id and self.association_id:
            seats = BoardSeat.objects.filter(association=self.association_id, user=self.user_id)
            if seats.exclude(pk=self.pk).exists():
                raise ValidationError(
                    {"user": _("That account is already tied to another seat on the board.")}
                )


class OfficeContact(models.Model):
    """A person or role at the kansli, shown on the förbund's home page."""

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="office_contacts"
    )
    title = models.CharField(_("title"), max_length=200)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("kansli contact")
        verbose_name_plural = _("kansli contacts")
        ordering = ["order", "title"]

    def __str__(self):
        return self.name or self.title


class AssociationLogo(models.Model):
    """The förbund's logo, kept in the database so no media storage is needed.

    Only ``associations.logo`` writes it, after checking the file (a real PNG, or an
    SVG without scripts or external references). It is a model of its own so the
    association row, read on every request, does not carry the image.
    """

    class ContentType(models.TextChoices):
        PNG = "image/png", "PNG"
        SVG = "image/svg+xml", "SVG"

    association = models.OneToOneField(Association, on_delete=models.CASCADE, related_name="logo")
    content_type = models.CharField(max_length=20, choices=ContentType.choices)
    image = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("logo")
        verbose_name_plural = _("logos")

    def __str__(self):
        return f"{self.association} ({self.get_content_type_display()})"


class FormSubmission(models.Model):
    """A create form that has been saved: its one-time token and the page of what it made.

    Every create form carries a fresh token (``associations.resubmission``). The same
    form sent again (a double click, the browser resending it, four clicks at once)
    finds this row, unique on the token, and is answered with the record already made
    instead of making a second one.
    """

    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField(unique=True)
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self):
        return str(self.token)


class OutgoingMail(models.Model):
    """One e-mail in the outbox (``associations.outbox``): written in the transaction of
    what caused it, delivered by the job runner once that commits, tried again when the
    mail server fails, and after ``OUTBOX_MAX_ATTEMPTS`` tries shown on the kansli's
    to-do list. ``association`` is the förbund the mail concerns (none for a password
    reset)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    from_email = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    subject = models.TextField(_("subject"))
    body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self):
        return self.subject
