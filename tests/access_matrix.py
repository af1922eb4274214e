"""The access matrix: every URL of the application, and what each role gets.

``tests/test_access_matrix.py`` walks the URL configuration itself; a URL that
is not listed here makes it fail. Each tenant URL maps to
``(object_factory, expectations)``: ``object_factory(association)`` returns the
object whose pk goes into the URL (or None), and ``expectations`` gives the
status code for each role, for a kansli user of another förbund ("outsider")
and for an anonymous visitor.
"""

import secrets

from django.utils import timezone

from associations.models import AssociationLogo, Invitation, Membership, OutgoingMail
from budgets.models import (
    AccountMapping,
    Budget,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    OutcomeImport,
)
from plans.models import Comment, Plan
from reports.models import (
    AnnualReport,
    ControlResult,
    GoalResult,
    InterventionResult,
    ReportSection,
)
from tests.factories import (
    BoardSeatFactory,
    CommunicationItemFactory,
    ControlPointFactory,
    FinancialRuleFactory,
    GoalAreaFactory,
    GoalFactory,
    MeasurementPointFactory,
    MemberPartyFactory,
    MembershipFactory,
    OfficeContactFactory,
    PlanFactory,
    PlanInterventionFactory,
    SectionFactory,
    StaffingLineFactory,
)

LOGIN = 302  # anonymous visitors are sent to the login page
KANSLI_ONLY = {
    "kansli": 200,
    "styrelse": 403,
    "projektledare": 403,
    "revisor": 403,
    "outsider": 404,
    "anonymous": LOGIN,
}
EVERY_MEMBER = {
    "kansli": 200,
    "styrelse": 200,
    "projektledare": 200,
    "revisor": 200,
    "outsider": 404,
    "anonymous": LOGIN,
}


def party(association):
    return MemberPartyFactory(association=association)


def board_seat(association):
    return BoardSeatFactory(association=association)


def contact(association):
    return OfficeContactFactory(association=association)


def logo(association):
    """The förbund gets a logo; the logo URL itself takes no pk."""
    AssociationLogo.objects.create(
        association=association, content_type="image/svg+xml", image=SVG_LOGO, sha256="0" * 64
    )


SVG_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="5"/></svg>'
)


def membership(association):
    return MembershipFactory(association=association, role="revisor")


def invitation(association):
    return Invitation.objects.create(
        association=association,
        email=f"inbjuden-{secrets.token_hex(4)}@example.se",
        role="revisor",
        sent_at=timezone.now(),
        token_hash=secrets.token_hex(32),
    )


# Plan URLs take the plan's pk as ``plan_pk`` and, for a part, the part's pk as ``pk``:
# the factory returns the part, and the test reads its plan.
PLAN_PART_FACTORIES = {
    "sections": SectionFactory,
    "goal_areas": GoalAreaFactory,
    "goals": GoalFactory,
    "points": MeasurementPointFactory,
    "interventions": PlanInterventionFactory,
    "staffing": StaffingLineFactory,
    "controls": ControlPointFactory,
    "communication": CommunicationItemFactory,
}
# Moving is POST only: GET answers 405 to those who may move, 403/404 to others.
POST_ONLY = {**KANSLI_ONLY, "kansli": 405}


def failed_mail(association):
    return OutgoingMail.objects.create(
        association=association,
        to=["someone@example.se"],
        subject="Inbjudan",
        body="...",
        status=OutgoingMail.Status.FAILED,
    )


def plan(association):
    return PlanFactory(association=association)


def plan_part(name):
    factory = PLAN_PART_FACTORIES[name]
    return lambda association: factory(association=association)


PLAN_URLS = {
    "plans:plan_list": (None, EVERY_MEMBER),
    "plans:plan_create": (None, KANSLI_ONLY),
    "plans:plan_detail": (plan, EVERY_MEMBER),
    "plans:plan_update": (plan, KANSLI_ONLY),
    "plans:plan_copy": (plan, KANSLI_ONLY),
    "documents:plan_document": (plan, EVERY_MEMBER),
    "documents:plan_document_pdf": (plan, EVERY_MEMBER),
    "documents:plan_document_pdfa": (plan, EVERY_MEMBER),
}
for _part in PLAN_PART_FACTORIES:
    PLAN_URLS[f"plans:{_part}_create"] = (plan, KANSLI_ONLY)
    PLAN_URLS[f"plans:{_part}_update"] = (plan_part(_part), KANSLI_ONLY)
    PLAN_URLS[f"plans:{_part}_delete"] = (plan_part(_part), KANSLI_ONLY)
    PLAN_URLS[f"plans:{_part}_move"] = (plan_part(_part), POST_ONLY)


# The board's review. A role's page may need the plan in a given state.
STYRELSE_ONLY = {**KANSLI_ONLY, "kansli": 403, "styrelse": 200}
STYRELSE_POST_ONLY = {**STYRELSE_ONLY, "styrelse": 405}
ANSWERERS = {**KANSLI_ONLY, "styrelse": 200}


def plan_in(status):
    def make(association):
        plan = PlanFactory(association=association)
        plan.status = status
        plan.save()
        return plan

    return make


def board_comment(association):
    """A comment by the förbund's board member (the ``members`` fixture's, when there is one)."""
    membership = Membership.objects.filter(association=association, role="styrelse").first()
    author = (membership or MembershipFactory(association=association, role="styrelse")).user
    plan = plan_in(Plan.Status.REVIEW)(association)
    return Comment.objects.create(association=association, plan=plan, author=author, body="Bra")


PLAN_URLS.update(
    {
        "plans:review": (plan, EVERY_MEMBER),
        "plans:review_send": (plan, KANSLI_ONLY),
        "plans:review_withdraw": (plan_in(Plan.Status.REVIEW), POST_ONLY),
        "plans:decision": (plan_in(Plan.Status.REVIEW), KANSLI_ONLY),
        "plans:revision_start": (plan_in(Plan.Status.APPROVED), KANSLI_ONLY),
        "plans:comment_create": (plan_in(Plan.Status.REVIEW), STYRELSE_ONLY),
        "plans:comment_reply": (board_comment, ANSWERERS),
        "plans:comment_update": (board_comment, STYRELSE_ONLY),
        "plans:comment_withdraw": (board_comment, STYRELSE_POST_ONLY),
        "plans:comment_handle": (board_comment, POST_ONLY),
        "plans:history": (plan, EVERY_MEMBER),
        "plans:budget_history": (plan, EVERY_MEMBER),
        "plans:changes": (plan, EVERY_MEMBER),
    }
)


def plan_with_budget(association):
    budget = Budget.objects.create(association=association, plan=plan(association))
    return budget.plan


def approved_plan_with_budget(association):
    """The outcome is entered against an approved plan's budget."""
    plan = plan_with_budget(association)
    Plan._base_manager.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    return plan


def waiting_outcome_import(association):
    """An SIE file kept while one of its accounts waits for a budget line."""
    plan = approved_plan_with_budget(association)
    association.org_number = "222000-1875"
    association.save(update_fields=["org_number"])
    content = (
        "#FLAGGA 0\n#SIETYP 4\n#ORGNR 222000-1875\n"
        f"#RAR 0 {plan.year}0101 {plan.year}1231\n#RES 0 4010 1000.00\n"
    ).encode()
    waiting = OutcomeImport.objects.create(
        association=association, budget=plan.budget, file_name="b.se", content=content, sha256=""
    )
    return {"plan_pk": plan.pk, "import_pk": waiting.pk}


def account_mapping(association):
    mapping = AccountMapping.objects.create(
        association=association, first_account=4010, last_account=4010, line_name="L"
    )
    return {"plan_pk": plan_with_budget(association).pk, "pk": mapping.pk}


def financial_rule(association):
    return FinancialRuleFactory(association=association)


def budget_column(association):
    budget = Budget.objects.create(association=association, plan=plan(association))
    return BudgetColumn.objects.create(
        association=association, budget=budget, kind="budget", year=budget.plan.year, label="B"
    )


def budget_group(association):
    budget = Budget.objects.create(association=association, plan=plan(association))
    return BudgetGroup.objects.create(
        association=association, budget=budget, side="cost", category="other", name="G"
    )


def budget_line(association):
    group = budget_group(association)
    return BudgetLine.objects.create(association=association, group=group, name="L")


BUDGET_PART_FACTORIES = {"column": budget_column, "group": budget_group, "line": budget_line}

BUDGET_URLS = {
    "budgets:budget_detail": (plan, EVERY_MEMBER),
    "budgets:budget_export": (plan_with_budget, EVERY_MEMBER),
    "budgets:budget_create": (plan, POST_ONLY),
    "budgets:budget_settings": (plan_with_budget, KANSLI_ONLY),
    "budgets:budget_amounts": (plan_with_budget, KANSLI_ONLY),
    "budgets:budget_import": (plan_with_budget, KANSLI_ONLY),
    "budgets:budget_structure": (plan_with_budget, KANSLI_ONLY),
    "budgets:outcome": (plan_with_budget, EVERY_MEMBER),
    "budgets:outcome_edit": (approved_plan_with_budget, KANSLI_ONLY),
    "budgets:outcome_import": (approved_plan_with_budget, KANSLI_ONLY),
    "budgets:outcome_mapping": (waiting_outcome_import, KANSLI_ONLY),
    "budgets:account_mapping": (plan_with_budget, KANSLI_ONLY),
    "budgets:account_mapping_delete": (account_mapping, POST_ONLY),
    "budgets:rule_list": (None, KANSLI_ONLY),
    "budgets:rule_create": (None, KANSLI_ONLY),
    "budgets:rule_update": (financial_rule, KANSLI_ONLY),
    "budgets:rule_delete": (financial_rule, KANSLI_ONLY),
}

for _part, _factory in BUDGET_PART_FACTORIES.items():
    BUDGET_URLS[f"budgets:{_part}_create"] = (plan_with_budget, KANSLI_ONLY)
    BUDGET_URLS[f"budgets:{_part}_update"] = (_factory, KANSLI_ONLY)
    BUDGET_URLS[f"budgets:{_part}_delete"] = (_factory, KANSLI_ONLY)
    BUDGET_URLS[f"budgets:{_part}_move"] = (_factory, POST_ONLY)

# Follow-up: a projektledare reaches the forms of the interventions they lead, not others'.
OWN_INTERVENTION = {**KANSLI_ONLY, "projektledare": 200}
# The revisor reads every quarter page (and its history), and changes nothing.
OWN_QUARTER = {**OWN_INTERVENTION, "revisor": 200}
OWN_INTERVENTION_POST_ONLY = {**KANSLI_ONLY, "kansli": 405, "projektledare": 405}


def _running_intervention(association, *, led: bool):
    """An intervention in a 2022–2024 plan; ``led``: the förbund's projektledare leads it."""
    entry = PlanInterventionFactory(association=association)
    if led:
        for membership in Membership.objects.filter(association=association, role="projektledare"):
            entry.intervention.project_leaders.add(membership.user)
    return entry.intervention


def own_quarter(association):
    intervention = _running_intervention(association, led=True)
    return {"pk": intervention.pk, "year": 2022, "quarter": 1}


def others_quarter(association):
    intervention = _running_intervention(association, led=False)
    return {"pk": intervention.pk, "year": 2022, "quarter": 1}


def own_intervention(association):
    return {"pk": _running_intervention(association, led=True).pk}


def measurement_point(association):
    return MeasurementPointFactory(association=association)


FOLLOWUP_URLS = {
    "followup:dashboard": (None, EVERY_MEMBER),
    "followup:my_interventions": (None, EVERY_MEMBER),
    "followup:quarter": (own_quarter, OWN_QUARTER),
    "followup:quarter_transition": (own_quarter, OWN_INTERVENTION_POST_ONLY),
    "followup:settings": (own_intervention, KANSLI_ONLY),
    "followup:measure_create": (None, KANSLI_ONLY),
    "followup:point_assessment": (measurement_point, KANSLI_ONLY),
    "followup:export_excel": (None, EVERY_MEMBER),
    "followup:export_csv": (None, EVERY_MEMBER),
}


# Annual reports: a draft report of a plan made by the factory (the service wants an
# approved plan with its figures; the pages only want a report and its rows).
def report(association):
    # One report of a kind a year: each call takes a year of its own (the demo förbund
    # of scripts/check_html.py already has 2022's).
    year = 2030 + AnnualReport.objects.filter(association=association).count()
    return AnnualReport.objects.create(
        association=association,
        year=year,
        plan=PlanFactory(association=association),
        title="Verksamhetsberättelse 2022",
    )


def report_part(kind):
    def make(association):
        parent = report(association)
        plan = parent.plan
        rows = {
            "sections": lambda: ReportSection(heading="Händelser"),
            "goal_results": lambda: GoalResult(
                point=MeasurementPointFactory(association=association, plan=plan)
            ),
            "intervention_results": lambda: InterventionResult(
                plan_intervention=PlanInterventionFactory(association=association, plan=plan)
            ),
            "control_results": lambda: ControlResult(
                control_point=ControlPointFactory(association=association, plan=plan)
            ),
        }
        part = rows[kind]()
        part.association, part.report = association, parent
        part.save()
        return {"report_pk": parent.pk, "pk": part.pk}

    return make


def report_kwargs(association):
    return {"report_pk": report(association).pk}


def report_in(status):
    def make(association):
        made = report(association)
        AnnualReport.objects.filter(pk=made.pk).update(status=status)  # a draft: allowed
        return {"report_pk": made.pk}

    return make


AUDITOR_ONLY = {**KANSLI_ONLY, "kansli": 403, "revisor": 200}


REPORT_URLS = {
    "reports:report_list": (None, EVERY_MEMBER),
    "reports:report_create": (None, KANSLI_ONLY),
    "reports:report_detail": (report_kwargs, EVERY_MEMBER),
    "reports:report_update": (report_kwargs, KANSLI_ONLY),
    "reports:report_fill": (report_kwargs, POST_ONLY),
    "reports:sections_create": (report_kwargs, KANSLI_ONLY),
    "reports:sections_update": (report_part("sections"), KANSLI_ONLY),
    "reports:sections_delete": (report_part("sections"), KANSLI_ONLY),
    "reports:sections_move": (report_part("sections"), POST_ONLY),
    "reports:goal_results_update": (report_part("goal_results"), KANSLI_ONLY),
    "reports:intervention_results_update": (report_part("intervention_results"), KANSLI_ONLY),
    "reports:control_results_update": (report_part("control_results"), KANSLI_ONLY),
    # The board's review: the plan's rules; the auditors' statement: an auditor's.
    "reports:report_review_send": (report_kwargs, KANSLI_ONLY),
    "reports:report_review_withdraw": (report_in("review"), POST_ONLY),
    "reports:report_decision": (report_in("review"), KANSLI_ONLY),
    "reports:auditors_statement": (report_in("approved"), AUDITOR_ONLY),
    "reports:report_history": (report_kwargs, EVERY_MEMBER),
}

# reports: document
REPORT_DOCUMENT_URLS = {
    "reports:report_document": (report_kwargs, EVERY_MEMBER),
    "reports:report_document_pdf": (report_kwargs, EVERY_MEMBER),
    "reports:report_document_pdfa": (report_kwargs, EVERY_MEMBER),
}

TENANT_URLS = {
    "associations:home": (None, EVERY_MEMBER),
    "associations:details_update": (None, KANSLI_ONLY),
    "associations:logo": (logo, EVERY_MEMBER),
    "associations:logo_update": (None, KANSLI_ONLY),
    "associations:mail_retry": (failed_mail, POST_ONLY),
    "associations:party_list": (None, KANSLI_ONLY),
    "associations:party_create": (None, KANSLI_ONLY),
    "associations:party_update": (party, KANSLI_ONLY),
    "associations:party_delete": (party, KANSLI_ONLY),
    "associations:board_list": (None, KANSLI_ONLY),
    "associations:board_create": (None, KANSLI_ONLY),
    "associations:board_update": (board_seat, KANSLI_ONLY),
    "associations:board_delete": (board_seat, KANSLI_ONLY),
    "associations:contact_list": (None, KANSLI_ONLY),
    "associations:contact_create": (None, KANSLI_ONLY),
    "associations:contact_update": (contact, KANSLI_ONLY),
    "associations:contact_delete": (contact, KANSLI_ONLY),
    "associations:membership_list": (None, KANSLI_ONLY),
    # The förbund's own identity provider (single sign-on settings).
    "associations:identity_provider": (None, KANSLI_ONLY),
    "associations:membership_invite": (None, KANSLI_ONLY),
    "associations:invitation_list": (None, KANSLI_ONLY),
    "associations:invitation_resend": (invitation, POST_ONLY),
    "associations:invitation_revoke": (invitation, POST_ONLY),
    "associations:membership_update": (membership, KANSLI_ONLY),
    "associations:membership_delete": (membership, KANSLI_ONLY),
    **PLAN_URLS,
    **BUDGET_URLS,
    **FOLLOWUP_URLS,
    **REPORT_URLS,
    # reports: document
    **REPORT_DOCUMENT_URLS,
    # audit: the förbund's Händelselogg
    "audit:event_list": (None, KANSLI_ONLY),
    "audit:event_csv": (None, KANSLI_ONLY),
    # transfer: "Exportera all data" (the page; its button POSTs the download)
    "transfer:export": (None, KANSLI_ONLY),
}

# URLs outside any förbund: what a logged-in user with no special rights and an
# anonymous visitor get on GET.
GLOBAL_URLS = {
    "home": {"member": 302, "anonymous": LOGIN},
    "login": {"member": 302, "anonymous": 200},
    "logout": {"member": 405, "anonymous": 405},  # logout is POST only
    "password_change": {"member": 200, "anonymous": LOGIN},
    "password_change_done": {"member": 200, "anonymous": LOGIN},
    # Each person's own choice of mails, in every förbund they belong to.
    "notifications:preferences": {"member": 200, "anonymous": LOGIN},
    "password_reset": {"member": 200, "anonymous": 200},
    "password_reset_done": {"member": 200, "anonymous": 200},
    "password_reset_confirm": {"member": 200, "anonymous": 200},
    "password_reset_complete": {"member": 200, "anonymous": 200},
    "set_language": {"member": 302, "anonymous": 302},
    "accessibility_statement": {"member": 200, "anonymous": 200},
    # Two-factor login: one's own setup, and the code after the password.
    "two_factor": {"member": 200, "anonymous": LOGIN},
    "two_factor_verify": {"member": 200, "anonymous": LOGIN},
    # A link that names no invitation (tests/associations/test_invitations.py has the rest).
    "invitation_accept": {"member": 404, "anonymous": 404},
    # Single sign-on through a förbund with no provider turned on (tests/associations/
    # test_sso.py has the rest).
    "sso_login": {"member": 404, "anonymous": 404},
    "sso_callback": {"member": 404, "anonymous": 404},
    "healthz": {"member": 200, "anonymous": 200},
    "readyz": {"member": 200, "anonymous": 200},
}
GLOBAL_URL_KWARGS = {
    "password_reset_confirm": {"uidb64": "MQ", "token": "invalid-token"},
    "invitation_accept": {"token": "no-such-invitation"},
    "sso_login": {"slug": "no-such-forbund"},
    "sso_callback": {"slug": "no-such-forbund"},
}

# Django admin is the platform administrator's: anyone else is sent to its login.
ADMIN_NAMESPACE = "admin"
