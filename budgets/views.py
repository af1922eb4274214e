from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import DeleteView, FormView, TemplateView, UpdateView

from associations.mixins import (
    AssociationListView,
    AssociationObjectDeleteView,
    AssociationObjectFormView,
    show_validation_error,
)
from associations.part_views import (
    PartDeleteMixin,
    PartFormMixin,
    PartKind,
    PartMixin,
    PartMoveMixin,
)
from associations.resubmission import OnceOnlyCreateMixin
from associations.rules import can
from finsam.downloads import EXPORT, announce_download, content_disposition
from plans.comments import comment_threads
from plans.models import Plan
from plans.selectors import attach_budget_comments
from plans.views import PlanEditMixin, PlanMixin, VersionedFormMixin

from . import forms, services
from .excel import budget_workbook
from .importing import WorkbookRejected, read_workbook
from .models import Budget, BudgetColumn, BudgetGroup, BudgetLine, FinancialRule
from .selectors import budget_table, years_without_column
from .tables import FinancialRuleTable

EDIT = "budgets.edit_budget"


class BudgetDetailView(PlanMixin, TemplateView):
    """The plan's budget with every total computed; every role reads it."""

    permission_required = "budgets.view_budget"
    template_name = "budgets/budget_detail.html"

    def get_context_data(self, **kwargs):
        budget = Budget.objects.filter(plan=self.plan).first()
        unit = self.request.GET.get("unit")
        if unit not in Budget.Unit.values:
            unit = budget.unit if budget else Budget.Unit.KR
        table = budget_table(budget=budget) if budget else None
        if table is not None:
            attach_budget_comments(table, comment_threads(plan=self.plan))
        return super().get_context_data(
            budget=budget,
            table=table,
            missing_years=years_without_column(budget=budget) if budget else [],
            show_comments=True,
            can_comment=self.plan.status == Plan.Status.REVIEW
            and can(self.request.user, "plans.add_comment", self.plan),
            unit=unit,
            **kwargs,
        )


class BudgetExportView(PlanMixin, View):
    """The budget as an Excel workbook, with formulas for every total."""

    permission_required = "budgets.view_budget"

    def get(self, request, *args, **kwargs):
        budget = Budget.objects.filter(plan=self.plan).first()
        if budget is None:
            raise Http404(_("This plan has no budget yet."))
        content = budget_workbook(budget_table(budget=budget), title=self.plan.title)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"budget-{slugify(self.association.display_name)}-{self.plan.period_label}"
        response["Content-Disposition"] = content_disposition(f"{filename}.xlsx")
        return announce_download(request, response, association=self.association, kind=EXPORT)


# Editing --------------------------------------------------------------------------------


class BudgetEditMixin(PlanEditMixin):
    """Kansli, while the plan is editable, on a plan that has a budget (else 404)."""

    permission_required = EDIT

    budget: Budget

    def refusal(self):
        # After the role check, as before: a plan without a budget is a 404 for every method.
        self.budget = get_object_or_404(Budget.objects.select_related("plan"), plan=self.plan)
        return super().refusal()

    def budget_url(self, anchor: str = "") -> str:
        url = self.association_url("budgets:budget_detail", plan_pk=self.plan.pk)
        return f"{url}#{anchor}" if anchor else url

    def structure_url(self) -> str:
        return self.association_url("budgets:budget_structure", plan_pk=self.plan.pk)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("budget", self.budget)
        return super().get_context_data(**kwargs)


class BudgetFormMixin(VersionedFormMixin, BudgetEditMixin):
    """Save through ``perform``; a conflict keeps the input and says what happened."""

    success_message = _("Saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "budget": self.budget}


class BudgetCreateView(PlanEditMixin, View):
    """POST: give a plan that has none a budget laid out for its years."""

    permission_required = EDIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.budget_create(plan=self.plan, acting_user=request.user)
        except ValidationError as error:
            show_validation_error(request, error)
        else:
            messages.success(request, _("The budget has been created. Enter its amounts."))
        return redirect(self.association_url("budgets:budget_detail", plan_pk=self.plan.pk))


class BudgetSettingsView(BudgetFormMixin, UpdateView):
    form_class = forms.BudgetSettingsForm
    template_name = "budgets/budget_form.html"

    def get_object(self, queryset=None):
        return self.budget

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        return {**kwargs, "association": self.association}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Budget settings"), cancel_url=self.budget_url(), **kwargs
        )

    def perform(self, form):
        services.budget_settings_save(
            budget=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
        )

    def get_success_url(self):
        return self.budget_url()


@dataclass(frozen=True)
class GridTotal:
    """A row of computed figures in the amount grid (``_grid_total.html``): its element id,
    label and the figures per column, from ``budget_table`` of the amounts as typed."""

    key: str
    label: str
    figures: list
    negate: bool = False
    strong: bool = False

    @property
    def element_id(self) -> str:
        return f"grid-total-{self.key}"


def grid_totals(table, budget) -> dict:
    """The grid's computed rows from one ``BudgetTable``: ``groups`` (group pk → row),
    ``sides`` (side → its total) and ``summary`` (result and equity, in the budget page's
    order). The page and the running totals' fragment both render these."""
    negate = budget.costs_negative
    groups = {}
    for blocks, side_negate in (
        (table.income, False),
        (table.costs, negate),
        (table.allocations, False),
    ):
        for block in blocks:
            groups[block.group.pk] = GridTotal(
                f"group-{block.group.pk}",
                _("%(group)s, total") % {"group": block.group.name},
                block.totals,
                side_negate,
            )
    sides = {
        BudgetGroup.Side.INCOME: GridTotal("income", _("Total income"), table.income_total),
        BudgetGroup.Side.COST: GridTotal("cost", _("Total costs"), table.cost_total, negate),
    }
    summary = [
        GridTotal("result", _("Result of the year"), table.result, strong=True),
        GridTotal("equity-start", _("Equity at the start of the year"), table.equity_start),
        GridTotal("equity-end", _("Equity at the end of the year"), table.equity_end, strong=True),
    ]
    if table.allocations:
        sides[BudgetGroup.Side.ALLOCATION] = GridTotal(
            "allocation", _("Total allocations"), table.allocation_total
        )
        summary.append(
            GridTotal(
                "free-equity",
                _("Free equity at the end of the year"),
                table.free_equity,
                strong=True,
            )
        )
    return {"groups": groups, "sides": sides, "summary": summary}


class BudgetAmountsView(BudgetFormMixin, FormView):
    """Every amount of the budget in one grid, with the stated totals, and the totals
    computed from the amounts as typed.

    The button *Räkna om summorna* (``preview``) posts the grid without saving it and
    shows it again with its totals; with script the same request is sent as amounts are
    typed, and only the totals' rows come back (``X-Grid-Totals``). Every figure is
    ``budget_table``'s, the budget page's own, so the totals cannot differ from the
    ones the page shows after saving."""

    form_class = forms.AmountsForm
    template_name = "budgets/budget_amounts.html"
    totals_template_name = "budgets/includes/_grid_totals.html"
    PREVIEW = "preview"

    @cached_property
    def table(self):
        return budget_table(budget=self.budget)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("budget")
        return {**kwargs, "table": self.table}

    def post(self, request, *args, **kwargs):
        if self.PREVIEW not in request.POST:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        typed = form.is_valid()
        shown = budget_table(budget=self.budget, typed=form.typed()) if typed else self.table
        context = {
            "totals": grid_totals(shown, self.budget),
            "preview": "typed" if typed else "unread",
            "unread": [
                (form.fields[name].label, errors[0])
                for name, errors in form.errors.items()
                if name in form.fields
            ][:3],
        }
        if request.headers.get("X-Grid-Totals"):
            return render(request, self.totals_template_name, context)
        return self.render_to_response(self.get_context_data(form=form, **context))

    def show_error(self, form, error):
        super().show_error(form, error)
        if isinstance(error, services.CellConflict):
            form.show_conflict(error)

    def perform(self, form):
        amounts, stated, notes = form.changes()
        summary = services.amounts_save(
            budget=self.budget,
            acting_user=self.request.user,
            amounts=amounts,
            stated=stated,
            notes=notes,
        )
        self.success_message = ngettext(
            "%(count)s amount changed.", "%(count)s amounts changed.", summary.changed_amounts
        ) % {"count": summary.changed_amounts}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("totals", grid_totals(self.table, self.budget))
        context = super().get_context_data(table=self.table, **kwargs)
        form, columns, totals = context["form"], self.table.columns, context["totals"]
        sides = []
        labelled = [
            (_("Income"), self.table.income, BudgetGroup.Side.INCOME, "income_total"),
            (_("Costs"), self.table.costs, BudgetGroup.Side.COST, "cost_total"),
        ]
        if self.table.allocations:
            labelled.append(
                (
                    _("Allocations of the equity"),
                    self.table.allocations,
                    BudgetGroup.Side.ALLOCATION,
                    None,
                )
            )
        for label, blocks, side, stated_kind in labelled:
            items = []
            for block in blocks:
                rows = [
                    (
                        row,
                        [
                            (form[f"a-{row.line.pk}-{c.pk}"], form[f"n-{row.line.pk}-{c.pk}"])
                            for c in columns
                        ],
                    )
                    for row in block.rows
                ]
                stated = [form[f"s-group-{block.group.pk}-{c.pk}"] for c in columns]
                items.append((block, rows, stated, totals["groups"][block.group.pk]))
            side_stated = (
                [form[f"s-{stated_kind}-{c.pk}"] for c in columns] if stated_kind else None
            )
            sides.append((label, items, totals["sides"][side], side_stated))
        context["sides"] = sides
        return context

    def get_success_url(self):
        return self.budget_url()


class BudgetImportView(BudgetFormMixin, FormView):
    """Upload a workbook; all or nothing, with every problem named by sheet, row and column."""

    form_class = forms.ImportForm
    template_name = "budgets/budget_import.html"

    def perform(self, form):
        data = form.cleaned_data["file"].read()
        try:
            parsed = read_workbook(data, budget=self.budget)
        except WorkbookRejected as rejected:
            self.problems = rejected.messages
            raise ValidationError(
                _("The workbook was not imported; nothing in the budget has changed.")
            ) from None
        summary = services.import_apply(
            budget=self.budget,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
            new_lines=parsed.new_lines,
            amounts=parsed.amounts,
            stated=parsed.stated,
        )
        self.success_message = _(
            "The workbook has been imported: %(lines)s lines read, %(amounts)s amounts "
            "changed, %(new)s new lines, %(stated)s stated totals changed."
        ) % {
            "lines": parsed.line_count,
            "amounts": summary.changed_amounts,
            "new": summary.created_lines,
            "stated": summary.stated_changed,
        }
        if parsed.skipped_columns:
            self.success_message += " " + _(
                "Columns for years before this budget's were left out: %(columns)s."
            ) % {"columns": ", ".join(parsed.skipped_columns)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(problems=getattr(self, "problems", None), **kwargs)

    def get_success_url(self):
        return self.budget_url()


class BudgetStructureView(BudgetEditMixin, TemplateView):
    """The budget's columns, groups and lines, to add, rename, move and remove."""

    template_name = "budgets/budget_structure.html"

    def get_context_data(self, **kwargs):
        lines = list(
            BudgetLine.objects.filter(group__budget=self.budget).select_related(
                "party", "intervention"
            )
        )
        by_group = {}
        for line in lines:
            if line.parent_id is None:
                by_group.setdefault(line.group_id, []).append((line, []))
        subs = {}
        for line in lines:
            if line.parent_id:
                subs.setdefault(line.parent_id, []).append(line)
        groups = [
            (
                group,
                [(line, subs.get(line.pk, [])) for line, _ in by_group.get(group.pk, [])],
            )
            for group in self.budget.groups.all()
        ]
        return super().get_context_data(
            columns=list(self.budget.columns.all()), groups=groups, **kwargs
        )


class BudgetPartMixin(PartMixin, BudgetEditMixin):
    """A column, group or line of the budget (``associations.part_views``), shown on the
    structure page."""

    def container(self):
        return self.budget

    def container_url(self, part=None) -> str:
        return self.structure_url()


class BudgetPartFormView(
    OnceOnlyCreateMixin, PartFormMixin, BudgetPartMixin, BudgetFormMixin, UpdateView
):
    """Create (no ``pk``) or edit a column, group or line."""

    template_name = "budgets/budget_form.html"

    def new_part(self):
        part = super().new_part()
        if self.kind.model is BudgetLine and self.request.GET.get("group", "").isdigit():
            part.group = BudgetGroup.objects.filter(
                budget=self.budget, pk=self.request.GET["group"]
            ).first()
        return part

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "association": self.association}

    def perform(self, form):
        services.budget_part_save(
            instance=form.instance,
            acting_user=self.request.user,
            expected_version=form.cleaned_data.get("version"),
        )


class BudgetPartDeleteView(PartDeleteMixin, BudgetPartMixin, DeleteView):
    template_name = "budgets/budget_part_delete.html"

    def delete_part(self, part) -> None:
        version = self.request.POST.get("version", "")
        services.budget_part_delete(
            instance=part,
            acting_user=self.request.user,
            expected_version=int(version) if version.isdigit() else None,
        )


class BudgetPartMoveView(PartMoveMixin, BudgetPartMixin, View):
    def move_part(self, part, offset: int) -> None:
        services.budget_part_move(instance=part, acting_user=self.request.user, offset=offset)


# The kinds of part, by their URL prefix (``budgets/urls.py``).
PART_KINDS = {
    "columns": PartKind(
        BudgetColumn, forms.BudgetColumnForm, _("Add a column"), _("Edit column"), "budget"
    ),
    "groups": PartKind(
        BudgetGroup, forms.BudgetGroupForm, _("Add a group"), _("Edit group"), "budget"
    ),
    "lines": PartKind(
        BudgetLine, forms.BudgetLineForm, _("Add a line"), _("Edit line"), "group__budget"
    ),
}


# Financial rules -------------------------------------------------------------------------


class FinancialRuleListView(AssociationListView):
    permission_required = EDIT
    model = FinancialRule
    table_class = FinancialRuleTable
    page_title = _("Financial rules")
    intro = _(
        "The förbund's own rules for equity and for how the costs are spread. Every "
        "budget shows each rule as met or not met for every year."
    )
    create_url_name = "budgets:rule_create"
    edit_url_name = "budgets:rule_update"
    delete_url_name = "budgets:rule_delete"


class FinancialRuleFormView(AssociationObjectFormView):
    permission_required = EDIT
    model = FinancialRule
    form_class = forms.FinancialRuleForm
    create_title = _("Add a financial rule")
    update_title = _("Edit financial rule")
    success_url_name = "budgets:rule_list"


class FinancialRuleDeleteView(AssociationObjectDeleteView):
    permission_required = EDIT
    model = FinancialRule
    success_url_name = "budgets:rule_list"
    page_title = _("Remove financial rule")
