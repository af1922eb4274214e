from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_tables2 import SingleTableView

from associations.mixins import AssociationPermissionMixin
from finsam.downloads import EXPORT, announce_download, content_disposition

from .forms import EventFilterForm
from .selectors import association_events, events_csv
from .tables import EventTable

VIEW_EVENTS = "audit.view_events"  # audit/rules.py


class EventFilterMixin(AssociationPermissionMixin):
    permission_required = VIEW_EVENTS

    def filter_form(self) -> EventFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = EventFilterForm(
                self.request.GET or None, association=self.association
            )
        return self._filter_form

    def events(self):
        form = self.filter_form()
        events = association_events(association=self.association)
        return form.filtered(events) if form.is_bound else events


class EventListView(EventFilterMixin, SingleTableView):
    """The förbund's Händelselogg, newest first, 50 a page, filtered by the GET form."""

    table_class = EventTable
    template_name = "audit/event_list.html"
    paginate_by = 50
    page_title = _("Event log")

    def get_queryset(self):
        return self.events()

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            page_title=self.page_title,
            form=self.filter_form(),
            csv_url=self.association_url("audit:event_csv")
            + (f"?{query.urlencode()}" if query else ""),
            **kwargs,
        )


class EventCsvView(EventFilterMixin, View):
    """The filtered events as a CSV file (itself an export in the log)."""

    def get(self, request, *args, **kwargs):
        response = HttpResponse(events_csv(self.events()), content_type="text/csv; charset=utf-8")
        name = f"handelselogg-{slugify(self.association.display_name)}-{timezone.localdate()}"
        response["Content-Disposition"] = content_disposition(f"{name}.csv")
        return announce_download(request, response, association=self.association, kind=EXPORT)
