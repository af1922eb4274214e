from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from associations.forms import AssociationFormMixin
from associations.models import MemberParty
from finsam.formatting import format_integer
from plans.models import Intervention

from .importing import MAX_BYTES, parse_amount, too_large_message
from .models import (
    MAX_AMOUNT,
    Budget,
    BudgetAmount,
    BudgetColumn,
    BudgetGroup,
    BudgetLine,
    FinancialRule,
)
from .sie import MAX_SIE_BYTES


class FinancialRuleForm(AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = FinancialRule
        fields = ["kind", "value", "category", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class MoneyField(forms.CharField):
    """Whole kronor, typed the Swedish way ("1 234 000") or plain; empty is None."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        amount = parse_amount(value)
        if amount is None:
            raise ValidationError(
                _('"%(value)s" is not an amount in kronor.'), params={"value": value[:40]}
            )
        if amount != amount.to_integral_value():
            raise ValidationError(_("Give the amount in whole kronor."))
        if abs(amount) > MAX_AMOUNT:
            raise ValidationError(too_large_message())
        return amount.quantize(1)


class BudgetVersionMixin:
    """The budget's version as loaded, sent back for optimistic locking."""

    def add_version(self, budget: Budget):
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=budget.version
        )


class BudgetSettingsForm(BudgetVersionMixin, AssociationFormMixin, forms.ModelForm):
    class Meta:
        model = Budget
        fields = ["unit", "costs_negative", "contributions"]
        widgets = {"contributions": forms.RadioSelect}

    def __init__(self, *args, budget, **kwargs):
        super().__init__(*args, instance=budget, **kwargs)
        self.add_version(budget)


class BudgetPartForm(BudgetVersionMixin, AssociationFormMixin, forms.ModelForm):
    def __init__(self, *args, budget: Budget, **kwargs):
        self.budget = budget
        super().__init__(*args, **kwargs)
        self.add_version(budget)


class BudgetColumnForm(BudgetPartForm):
    opening_equity = MoneyField(
        label=_("Equity at the start of the year"),
        required=False,
        help_text=BudgetColumn._meta.get_field("opening_equity").help_text,
    )

    class Meta:
        model = BudgetColumn
        fields = ["kind", "year", "label", "opening_equity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.budget = self.budget
        self.fields["year"].localize = False
        self.fields["year"].widget = forms.NumberInput(attrs={"min": 2000, "max": 2100})


class BudgetGroupForm(BudgetPartForm):
    class Meta:
        model = BudgetGroup
        fields = ["side", "category", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.budget = self.budget


class BudgetLineForm(BudgetPartForm):
    # Querysets of scoped models are set per request in __init__ (none at import).
    group = forms.ModelChoiceField(queryset=BudgetGroup.objects.none())
    parent = forms.ModelChoiceField(queryset=BudgetLine.objects.none(), required=False)
    party = forms.ModelChoiceField(queryset=MemberParty.objects.none(), required=False)
    intervention = forms.ModelChoiceField(queryset=Intervention.objects.none(), required=False)

    class Meta:
        model = BudgetLine
        fields = ["group", "parent", "name", "party", "intervention"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("group", "parent", "party", "intervention"):
            self.fields[name].label = capfirst(BudgetLine._meta.get_field(name).verbose_name)
        # Scoped querysets are set here, per request, for this budget only.
        self.fields["group"].queryset = BudgetGroup.objects.filter(budget=self.budget)
        parents = BudgetLine.objects.filter(group__budget=self.budget, parent=None)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.select_related("group")
        self.fields["parent"].label_from_instance = lambda line: f"{line.group.name}: {line.name}"
        self.fields["party"].queryset = MemberParty.objects.filter(association=self.association)
        self.fields["intervention"].queryset = Intervention.objects.filter(
            association=self.association
        )
        self.fields["party"].help_text = _("For a member contribution.")
        self.fields["intervention"].help_text = _(
            "For the cost or the income of one intervention (cost per place, follow-up)."
        )


class AmountsForm(forms.Form):
    """Every amount of the budget as one grid, and the stated totals.

    Each cell carries the value the editor loaded (Django's hidden initial), so only
    the cells they changed are saved, and each is checked against what is saved now.
    """

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.keys: dict[str, tuple] = {}
        self.cost_fields: set[str] = set()
        self.income_fields: set[str] = set()
        self.allocation_fields: set[str] = set()
        for block in table.income + table.costs + table.allocations:
            side = block.group.side
            for row in block.rows:
                for column, amount, note in zip(table.columns, row.amounts, row.notes, strict=True):
                    self._add(
                        f"a-{row.line.pk}-{column.pk}",
                        ("amount", (row.line.pk, column.pk)),
                        amount,
                        f"{row.line.name}, {column.label}",
                        side,
                    )
                    name = f"n-{row.line.pk}-{column.pk}"
                    self.fields[name] = forms.CharField(
                        required=False,
                        max_length=BudgetAmount._meta.get_field("note").max_length,
                        initial=note,
                        label=_("Note, %(line)s, %(column)s")
                        % {"line": row.line.name, "column": column.label},
                        show_hidden_initial=True,
                    )
                    self.keys[name] = ("note", (row.line.pk, column.pk))
            for column, figure in zip(table.columns, block.totals, strict=True):
                self._add(
                    f"s-group-{block.group.pk}-{column.pk}",
                    ("stated", ("group_total", block.group.pk, column.pk)),
                    figure.stated,
                    _("%(group)s, stated total, %(column)s")
                    % {"group": block.group.name, "column": column.label},
                    side,
                )
        sides = (
            ("income_total", table.income_total, BudgetGroup.Side.INCOME),
            ("cost_total", table.cost_total, BudgetGroup.Side.COST),
        )
        for kind, figures, side in sides:
            for column, figure in zip(table.columns, figures, strict=True):
                self._add(
                    f"s-{kind}-{column.pk}",
                    ("stated", (kind, None, column.pk)),
                    figure.stated,
                    _("Stated total, %(column)s") % {"column": column.label},
                    side,
                )

    def _add(self, name, key, value, label, side):
        self.fields[name] = MoneyField(
            required=False, initial=_plain(value), label=label, show_hidden_initial=True
        )
        self.keys[name] = key
        fields = {
            BudgetGroup.Side.COST: self.cost_fields,
            BudgetGroup.Side.ALLOCATION: self.allocation_fields,
        }.get(side, self.income_fields)
        fields.add(name)

    def clean(self):
        """As the import reads a workbook: an income cannot be negative, and a cost typed
        with a minus sign is that cost (budgets that show costs negative, seed 003)."""
        data = super().clean()
        for name, value in list(data.items()):
            kind, key = self.keys[name]
            if kind == "note":
                amount_name = f"a-{key[0]}-{key[1]}"
                # A note typed into an empty cell; an emptied amount takes its note with it.
                if (
                    value
                    and name in self.changed_data
                    and data.get(amount_name) is None
                    and amount_name not in self.errors
                ):
                    self.add_error(name, _("A note needs an amount in its cell."))
                continue
            if value is None or value >= 0:
                continue
            if name in self.income_fields:
                self.add_error(name, _("An income cannot be negative."))
            elif name in self.allocation_fields:
                self.add_error(name, _("An allocation cannot be negative."))
            elif name in self.cost_fields:
                data[name] = -value
        return data

    def loaded(self, name):
        """The value the editor loaded, as posted back with the form."""
        field = self.fields[name]
        raw = field.hidden_widget().value_from_datadict(
            self.data, self.files, self.add_initial_prefix(name)
        )
        if raw is None:
            raw = field.initial
        try:
            return field.clean(raw)
        except ValidationError:
            return None

    def typed(self) -> tuple[dict, dict]:
        """``(amounts, stated)`` for every cell as typed (a valid form): ``(line, column)``
        and ``(kind, group or None, column)`` → whole kronor or ``None``, the keys of
        ``selectors.budget_table(typed=…)``."""
        result = {"amount": {}, "stated": {}}
        for name, (kind, key) in self.keys.items():
            if kind in result:
                result[kind][key] = self.cleaned_data.get(name)
        return result["amount"], result["stated"]

    def changes(self) -> tuple[dict, dict, dict]:
        """``(amounts, stated, notes)``: key → (loaded, wanted) for every changed cell."""
        result = {"amount": {}, "stated": {}, "note": {}}
        for name in self.changed_data:
            kind, key = self.keys[name]
            loaded = self.loaded(name)
            if kind == "note":
                loaded = loaded or ""
            result[kind][key] = (loaded, self.cleaned_data[name])
        return result["amount"], result["stated"], result["note"]

    def show_conflict(self, conflict) -> None:
        """Mark the cells someone else changed, and take their value as the one loaded,
        so that saving again is a choice made knowing it."""
        self.data = self.data.copy()
        by_key = {(kind, key): name for name, (kind, key) in self.keys.items()}
        cells = [
            *(("amount", key, theirs) for key, theirs in conflict.amounts.items()),
            *(("stated", key, theirs) for key, theirs in conflict.stated.items()),
            *(("note", key, theirs) for key, theirs in conflict.notes.items()),
        ]
        for kind, key, theirs in cells:
            name = by_key[(kind, key)]
            if kind == "note":
                self.data[self.add_initial_prefix(name)] = theirs
                shown = f"”{theirs}”" if theirs else _("(empty)")
            else:
                self.data[self.add_initial_prefix(name)] = _plain(theirs)
                shown = _("(empty)") if theirs is None else f"{format_integer(theirs)} kr"
            self.add_error(name, _("Changed by someone else to %(value)s.") % {"value": shown})


def _plain(amount):
    """An amount as typed in the grid: "1 590 000" (spaces between thousands)."""
    return "" if amount is None else f"{int(amount):,}".replace(",", " ")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        help_text=_(
            "The workbook downloaded from this page, after editing, or a sheet with the line "
            "names in column A and a year or column heading over each amount column."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, budget: Budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=budget.version
        )
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", _("Import")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s MB; a budget workbook is far smaller."),
                params={"limit": MAX_BYTES // (1024 * 1024)},
            )
        return upload


# Outcome ------------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    """The outcome of each income and cost line; the year's budget beside it, read only.

    Each cell carries the value the editor loaded, as the amounts grid does, so only
    the cells they changed are saved and each is checked against what is saved now."""

    def __init__(self, *args, table, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.lines: dict[str, int] = {}
        for block in table.income + table.costs:
            for row in block.rows:
                name = f"o-{row.line.pk}"
                self.fields[name] = MoneyField(
                    required=False,
                    initial=_plain(row.figures.outcome),
                    label=_("Outcome %(year)s, %(line)s")
                    % {"year": table.year, "line": row.line.name},
                    show_hidden_initial=True,
                )
                self.lines[name] = row.line.pk

    def clean(self):
        data = super().clean()
        for name in self.lines:
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(
                    name,
                    _(
                        "Enter the outcome without a minus sign: income and costs are "
                        "both positive amounts."
                    ),
                )
        return data

    def changes(self) -> dict:
        """``line pk → (as loaded, as wanted)`` for the cells the editor changed."""
        changes = {}
        for name in self.changed_data:
            loaded = self.fields[name].to_python(self.data.get(self.add_initial_prefix(name)))
            changes[self.lines[name]] = (loaded, self.cleaned_data[name])
        return changes

    def show_conflict(self, conflict) -> None:
        """Mark the cells someone else changed and take their value as the one loaded."""
        self.data = self.data.copy()
        by_line = {pk: name for name, pk in self.lines.items()}
        for pk, theirs in conflict.current.items():
            name = by_line[pk]
            self.data[self.add_initial_prefix(name)] = _plain(theirs)
            shown = _("(empty)") if theirs is None else f"{format_integer(theirs)} kr"
            self.add_error(name, _("Changed by someone else to %(value)s.") % {"value": shown})


class OutcomeImportForm(forms.Form):
    file = forms.FileField(
        label=_("SIE file (type 4)"),
        help_text=_(
            "The export of the year's books from the finance system (SIE 4, often named "
            "*.se or *.si), at most 20 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".se,.si,.sie,.txt"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", _("Read the file")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_SIE_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s MB, the most an SIE file may be."),
                params={"limit": MAX_SIE_BYTES // (1024 * 1024)},
            )
        return upload


def line_choices(lines) -> list[tuple[str, str]]:
    choices = [("", _("Choose a budget line"))]
    for line in lines:
        choices.append((line.name, f"{line.name} ({line.group.name})"))
    return choices


class UnmappedAccountsForm(forms.Form):
    """A budget line for each account of the file that has none; kept for next year."""

    def __init__(self, *args, unmapped, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.unmapped = unmapped
        choices = line_choices(lines)
        for item in unmapped:
            label = f"{item.account} {item.name}".strip()
            self.fields[f"account-{item.account}"] = forms.ChoiceField(
                label=label, choices=choices, required=True
            )
            self.fields[f"account-{item.account}"].error_messages["required"] = _(
                "Choose the budget line for account %(account)s."
            ) % {"account": item.account}

    def rows(self):
        return [(item, self[f"account-{item.account}"]) for item in self.unmapped]

    def new_lines(self) -> dict[int, str]:
        return {
            item.account: self.cleaned_data[f"account-{item.account}"] for item in self.unmapped
        }


class AccountMappingForm(forms.Form):
    accounts = forms.CharField(
        label=_("Account or accounts"),
        max_length=21,
        help_text=_("An account (3010) or a range of accounts (5010-5019)."),
    )
    line_name = forms.ChoiceField(label=_("Budget line"))

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_name"].choices = line_choices(lines)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", _("Add the mapping")))
