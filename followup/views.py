from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from associations.mixins import (
    AssociationFormView,
    AssociationPermissionMixin,
    EditConflictMixin,
    apply_validation_error,
    show_validation_error,
)
from associations.resubmission import OnceOnlyCreateMixin
from associations.rules import can
from finsam.downloads import EXPORT, announce_download, content_disposition
from plans.models import Intervention, MeasurementPoint
from plans.services import EditConflict

from . import export, services, workflow
from .dashboard import dashboard
from .forms import (
    FollowUpSettingsForm,
    MeasureForm,
    PointAssessmentForm,
    QuarterForm,
    TransitionForm,
    data_for_saved_measures,
    value_field_name,
)
from .models import Measure, PointAssessment, QuarterReport
from .selectors import (
    QUARTERS,
    carried_over,
    followup_settings,
    followup_years,
    interventions_led_by,
    measures_with_standard,
    quarter_overview,
    quarter_shift,
    report_values,
    reported_measures,
    running_years,
)

VIEW = "followup.view_followup"
MANAGE = "followup.manage_followup"
ENTER = "followup.enter_figures"
READ_QUARTER = "followup.read_quarter"
READ_ALL_QUARTERS = "followup.read_all_quarters"


class FollowUpMixin(AssociationPermissionMixin):
    permission_required = VIEW

    @property
    def suppress(self) -> bool:
        return not can(self.request.user, "followup.see_real_figures", self.association)

    def chosen_year(self) -> int:
        value = self.request.GET.get("year", "")
        if value.isdigit() and 2000 <= int(value) <= 2100:
            return int(value)
        years = followup_years(association=self.association)
        return years[-1] if years else timezone.localdate().year

    def year_choices(self, current: int) -> list[int]:
        return sorted({*followup_years(association=self.association), current})


class DashboardView(FollowUpMixin, TemplateView):
    """The förbund's follow-up for a year; every member, small counts suppressed for all but
    the kansli."""

    template_name = "followup/dashboard.html"

    def get_context_data(self, **kwargs):
        year = self.chosen_year()
        return super().get_context_data(
            **dashboard(
                association=self.association,
                year=year,
                suppress=self.suppress,
                today=timezone.localdate(),
            ),
            years=self.year_choices(year),
            **kwargs,
        )


class MyInterventionsView(FollowUpMixin, TemplateView):
    """The interventions a projektledare leads (the kansli: all), with each quarter of the
    year entered or missing."""

    template_name = "followup/my_interventions.html"

    def get_context_data(self, **kwargs):
        year = self.chosen_year()
        if can(self.request.user, READ_ALL_QUARTERS, self.association):
            interventions = Intervention.objects.filter(association=self.association)
        else:
            interventions = interventions_led_by(
                association=self.association, user=self.request.user
            )
        today = timezone.localdate()
        return super().get_context_data(
            year=year,
            years=sorted({*self.year_choices(year), today.year}),
            rows=quarter_overview(
                association=self.association, interventions=interventions, year=year
            ),
            current_quarter=(today.year, (today.month - 1) // 3 + 1),
            **kwargs,
        )


class InterventionMixin(FollowUpMixin):
    """A page of one intervention of the förbund (another förbund's id: 404, before any
    role check)."""

    intervention_permission = ENTER
    intervention: Intervention

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.intervention = self.own_object(Intervention.objects, self.kwargs["pk"])

    def refusal(self):
        if not can(self.request.user, self.intervention_permission, self.intervention):
            raise PermissionDenied
        return None


class QuarterView(EditConflictMixin, InterventionMixin, FormView):
    """Enter, correct or read one quarter; submit it in the same step. The revisor reads."""

    intervention_permission = READ_QUARTER
    form_class = QuarterForm
    template_name = "followup/quarter_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["quarter"] not in QUARTERS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def report(self) -> QuarterReport | None:
        return (
            QuarterReport.objects.filter(
                intervention=self.intervention,
                year=self.kwargs["year"],
                quarter=self.kwargs["quarter"],
            )
            .prefetch_related("values")
            .first()
        )

    @cached_property
    def measures(self):
        if self.request.method == "POST":
            # The first write saves the standard measures a GET showed unsaved.
            all_measures = services.standard_measures_ensure(association=self.association)
        else:
            all_measures = measures_with_standard(association=self.association)
        return reported_measures(
            settings=followup_settings(intervention=self.intervention), all_measures=all_measures
        )

    @cached_property
    def actor(self):
        return services.actor_of(self.request.user, self.intervention)

    @property
    def editable(self) -> bool:
        status = self.report.status if self.report else workflow.DRAFT
        return workflow.allowed(workflow.EDIT, status=status, actor=self.actor)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "measures": self.measures}
        if "data" in kwargs:
            kwargs["data"] = data_for_saved_measures(kwargs["data"], self.measures)
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not self.editable:
            for field in form.fields.values():
                field.disabled = True
        return form

    def get_initial(self):
        if self.report is not None:
            initial = self.value_fields(report_values(self.report))
            initial.update(comment=self.report.comment, version=self.report.version)
            return initial
        # Next quarter starts from the previous one.
        carried = carried_over(
            intervention=self.intervention,
            year=self.kwargs["year"],
            quarter=self.kwargs["quarter"],
            measures=self.measures,
        )
        self.carried = bool(carried)
        return self.value_fields(carried)

    @staticmethod
    def value_fields(values: dict[tuple[int, str], int]) -> dict[str, int]:
        """``{(measure_id, gender): count}`` as the form's initial values."""
        return {
            value_field_name(measure_id, gender): n for (measure_id, gender), n in values.items()
        }

    def post(self, request, *args, **kwargs):
        if not self.editable:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def quarter_url(self):
        return self.association_url(
            "followup:quarter",
            pk=self.intervention.pk,
            year=self.kwargs["year"],
            quarter=self.kwargs["quarter"],
        )

    def requested_action(self) -> str:
        """The step taken with the save: "Save and submit", or a review button of the form."""
        if "submit_quarter" in self.request.POST:
            return workflow.SUBMIT
        action = self.request.POST.get("action", "")
        return action if action in QuarterTransitionView.ACTIONS else ""

    def form_valid(self, form):
        action = self.requested_action()
        try:
            # The figures and the step are one write: a refused step saves no figures, and
            # the form comes back with what was typed.
            with transaction.atomic():
                report = services.quarter_report_save(
                    intervention=self.intervention,
                    year=self.kwargs["year"],
                    quarter=self.kwargs["quarter"],
                    acting_user=self.request.user,
                    expected_version=form.cleaned_data.get("version"),
                    values=form.values(),
                    comment=form.cleaned_data["comment"].replace("\r\n", "\n"),
                )
                if action:
                    services.quarter_report_transition(
                        report=report,
                        acting_user=self.request.user,
                        action=action,
                        reason=self.request.POST.get("reason", ""),
                    )
        except EditConflict as conflict:
            return self.render_edit_conflict(form, conflict, conflict=True)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        if action == workflow.SUBMIT:
            messages.success(self.request, _("The quarter has been saved and submitted."))
        elif action:  # the figures were saved with the step
            messages.success(self.request, QuarterTransitionView.ACTIONS[action])
        else:
            messages.success(self.request, _("The quarter has been saved."))
        return HttpResponseRedirect(self.quarter_url())

    def review_actions(self, *, status: str, running: bool) -> list[str]:
        """The review buttons; none duplicates "Save and submit" beside the figures."""
        if self.report is None:
            return []
        actions = workflow.available_actions(status=status, actor=self.actor)
        if self.editable and running:
            actions = [action for action in actions if action != workflow.SUBMIT]
        return actions

    def get_context_data(self, **kwargs):
        year, quarter = self.kwargs["year"], self.kwargs["quarter"]
        report = self.report
        status = report.status if report else workflow.DRAFT
        previous = quarter_shift(year, quarter, -1)
        following = quarter_shift(year, quarter, 1)
        years = running_years(intervention=self.intervention)
        return super().get_context_data(
            intervention=self.intervention,
            year=year,
            quarter=quarter,
            report=report,
            status=status,
            editable=self.editable,
            actions=self.review_actions(status=status, running=year in years),
            reason=self.request.POST.get("reason", ""),
            events=list(report.events.select_related("user")) if report else [],
            running=year in years,
            running_years=sorted(years),
            previous=previous if previous[0] in years else None,
            following=following if following[0] in years else None,
            carried=getattr(self, "carried", False),
            **kwargs,
        )


class QuarterTransitionView(InterventionMixin, View):
    """POST ``action`` = submit, approve, return or reopen (with ``reason`` where needed)."""

    http_method_names = ["post"]
    ACTIONS = {
        workflow.SUBMIT: gettext_lazy("The quarter has been submitted."),
        workflow.APPROVE: gettext_lazy("The quarter has been approved."),
        workflow.RETURN: gettext_lazy("The quarter has been returned for revision."),
        workflow.REOPEN: gettext_lazy("The quarter has been reopened."),
    }

    def post(self, request, *args, **kwargs):
        report = get_object_or_404(
            QuarterReport.objects.filter(intervention=self.intervention),
            year=kwargs["year"],
            quarter=kwargs["quarter"],
        )
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            messages.error(request, _("Unknown action."))
        else:
            form = TransitionForm(request.POST)
            form.is_valid()
            try:
                services.quarter_report_transition(
                    report=report,
                    acting_user=request.user,
                    action=action,
                    reason=form.cleaned_data.get("reason") or "",
                    expected_version=form.cleaned_data.get("version"),
                )
            except EditConflict:
                messages.error(
                    request,
                    _("Someone else changed the quarter meanwhile. Look at it again and retry."),
                )
            except ValidationError as error:
                show_validation_error(request, error)
            else:
                messages.success(request, self.ACTIONS[action])
        return HttpResponseRedirect(
            self.association_url(
                "followup:quarter",
                pk=self.intervention.pk,
                year=kwargs["year"],
                quarter=kwargs["quarter"],
            )
        )


class SettingsView(InterventionMixin, AssociationFormView):
    """What the national system registers about the insats, and the measures it reports."""

    permission_required = MANAGE
    intervention_permission = MANAGE
    form_class = FollowUpSettingsForm
    template_name = "followup/settings_form.html"
    success_message = gettext_lazy("The follow-up settings have been saved.")
    SAVED_FIELDS = ("focus", "precise_focus", "method", "esf_funded", "measures")

    def get_page_title(self):
        return _("Follow-up of %(name)s") % {"name": self.intervention.name}

    @cached_property
    def settings(self):
        return followup_settings(intervention=self.intervention)

    def post(self, request, *args, **kwargs):
        # The first write saves the standard measures a GET showed unsaved (by key).
        saved = services.standard_measures_ensure(association=self.association)
        self.measure_by_key = {m.key: str(m.pk) for m in saved if m.key}
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "data" in kwargs:
            data = kwargs["data"].copy()
            chosen = data.getlist("measures")
            data.setlist("measures", [self.measure_by_key.get(v, v) for v in chosen])
            kwargs["data"] = data
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        measures = [] if form.is_bound else measures_with_standard(association=self.association)
        if any(m.pk is None for m in measures):  # shown unsaved: a GET writes nothing
            field = form.fields["measures"]
            field.choices = [
                (m.key if m.pk is None else m.pk, field.label_from_instance(m)) for m in measures
            ]
        return form

    def get_initial(self):
        settings = self.settings
        return {
            "focus": settings.focus,
            "precise_focus": settings.precise_focus,
            "method": settings.method,
            "esf_funded": settings.esf_funded,
            "measures": list(settings.measures.all()) if settings.pk else [],
            "version": settings.version if settings.pk else None,
        }

    def perform(self, form):
        data = form.cleaned_data
        services.followup_settings_save(
            intervention=self.intervention,
            acting_user=self.request.user,
            expected_version=data.get("version"),
            **{name: data[name] for name in self.SAVED_FIELDS},
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intervention=self.intervention,
            locked=QuarterReport.objects.filter(intervention=self.intervention).exists(),
            **kwargs,
        )

    def get_success_url(self):
        return self.association_url("followup:my_interventions")


class MeasureCreateView(OnceOnlyCreateMixin, FollowUpMixin, AssociationFormView):
    permission_required = MANAGE
    form_class = MeasureForm
    page_title = gettext_lazy("Add a measure of the förbund's own")
    success_message = gettext_lazy("The measure has been added.")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Measure(association=self.association)
        return kwargs

    def perform(self, form):
        services.measure_save(measure=form.instance, acting_user=self.request.user)

    def get_success_url(self):
        return self.association_url("followup:my_interventions")


class PointAssessmentView(FollowUpMixin, AssociationFormView):
    """The kansli's status, comment and date for a measurement point."""

    permission_required = MANAGE
    form_class = PointAssessmentForm
    template_name = "followup/point_assessment_form.html"  # names the point being assessed
    success_message = gettext_lazy("The status of the measurement point has been saved.")
    SAVED_FIELDS = ("status", "comment", "assessed_on", "measure")

    point: MeasurementPoint

    def fetch_objects(self) -> None:
        super().fetch_objects()
        self.point = self.own_object(
            MeasurementPoint.objects.select_related("plan"), self.kwargs["pk"]
        )

    def get_page_title(self):
        return _("Status of a measurement point")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = PointAssessment.objects.filter(point=self.point).first() or (
            PointAssessment(association=self.association, point=self.point)
        )
        return kwargs

    def get_initial(self):
        # A new assessment is dated today; an existing one keeps its own date.
        if PointAssessment.objects.filter(point=self.point).exists():
            return {}
        return {"assessed_on": timezone.localdate()}

    def perform(self, form):
        data = form.cleaned_data
        services.point_assessment_save(
            point=self.point,
            acting_user=self.request.user,
            expected_version=data.get("version"),
            **{name: data[name] for name in self.SAVED_FIELDS},
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(point=self.point, **kwargs)

    def get_success_url(self):
        year = self.point.plan.year
        return self.association_url("followup:dashboard") + f"?year={year}#points"


class ExportView(FollowUpMixin, View):
    """The year's follow-up, one row per intervention, quarter and gender."""

    file_format = "xlsx"

    def get(self, request, *args, **kwargs):
        year = self.chosen_year()
        table = export.export_table(association=self.association, year=year, suppress=self.suppress)
        filename = f"uppfoljning-{slugify(self.association.display_name)}-{year}"
        if self.file_format == "csv":
            response = HttpResponse(export.as_csv(table), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                export.as_workbook(table, title=str(year)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = content_disposition(f"{filename}.{self.file_format}")
        return announce_download(request, response, association=self.association, kind=EXPORT)
