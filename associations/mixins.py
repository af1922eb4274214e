"""View mixins shared by every app that works inside one förbund.

The middleware has already resolved ``request.association`` and checked
membership (404 for strangers). These mixins fetch the URL's objects through the
förbund (404 for another förbund's id), add the role check (403 for a member
whose role lacks the permission), and turn a service's ``ValidationError`` into
form errors or messages so nothing half-written reaches the database.
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DeleteView, FormView, TemplateView, UpdateView
from django_tables2 import SingleTableView

from .resubmission import OnceOnlyCreateMixin
from .rules import can
from .services import association_object_delete, association_object_save


class AssociationPermissionMixin:
    """Require ``permission_required`` on the active förbund: 404 before 403.

    ``dispatch`` first calls ``fetch_objects``, where a view fetches the objects its
    URL names (a plan, a comment, a measurement point...) through the förbund and
    keeps them as attributes; an id that is not the förbund's raises ``Http404``.
    Only then come the role check (403) and ``refusal``, and after them the method
    check (405). So another förbund's id is a 404 for every method and every role:
    its existence does not leak.
    """

    permission_required: str = "associations.view_association"

    def dispatch(self, request, *args, **kwargs):
        self.association = request.association
        self.fetch_objects()
        if not can(request.user, self.permission_required, self.association):
            raise PermissionDenied
        refusal = self.refusal()
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)

    def fetch_objects(self) -> None:
        """Fetch the URL's objects through ``self.association`` (``Http404`` if not its own).

        An override calls ``super().fetch_objects()`` first, so a plan is fetched before
        the comment fetched through it.
        """

    def own_object(self, queryset, pk):
        """The row ``pk`` of ``queryset`` if it is the förbund's own; else ``Http404``.
        Its ``association`` is the request's (the same row, not read again)."""
        found = get_object_or_404(queryset.filter(association=self.association), pk=pk)
        found._meta.get_field("association").set_cached_value(found, self.association)
        return found

    def refusal(self):
        """A response that stops a permitted user here (e.g. the plan is frozen), or None."""
        return None

    def association_url(self, name, **kwargs):
        return reverse(name, kwargs={"association_slug": self.association.slug, **kwargs})


class AssociationPageView(AssociationPermissionMixin, TemplateView):
    pass


class AssociationObjectMixin(AssociationPermissionMixin):
    """Fetch ``model`` by ``pk`` within the förbund, before the role check; another
    förbund's id gives 404."""

    model = None

    def get_queryset(self):
        return self.model.objects.filter(association=self.association)

    def fetch_objects(self) -> None:
        super().fetch_objects()
        if "pk" in self.kwargs:
            self.fetched_object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_object(self, queryset=None):
        return self.fetched_object


def apply_validation_error(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form's fields (or the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def show_validation_error(request, error: ValidationError) -> None:
    """Show each message of a service's ``ValidationError`` as an error on the next page
    (for a view that redirects instead of showing a form again)."""
    for message in error.messages:
        messages.error(request, message)


class EditConflictMixin:
    """Show a form again after an edit conflict (``plans.services.EditConflict``).

    The user's input stays in the form with the conflict's message; the form's
    ``version`` becomes the saved one's, so saving again keeps the user's input.
    """

    def render_edit_conflict(self, form, conflict, **context):
        apply_validation_error(form, conflict)
        form.data = form.data.copy()
        form.data["version"] = conflict.current.version
        return self.render_to_response(self.get_context_data(form=form, **context))


class ServiceFormMixin:
    """``form_valid`` calls ``perform(form)``; a ValidationError re-renders the form."""

    success_message = _("Saved.")
    success_url_name: str = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["association"] = self.association
        return kwargs

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        self.report_success()
        return HttpResponseRedirect(self.get_success_url())

    def report_success(self) -> None:
        """The message after ``perform``; a view whose outcome varies says it here."""
        messages.success(self.request, self.success_message)

    def get_success_url(self):
        return self.association_url(self.success_url_name)


class AssociationListView(AssociationPermissionMixin, SingleTableView):
    """A management list: the table, and an 'add' button for those who may add."""

    model = None
    template_name = "associations/object_list.html"
    page_title = ""
    intro = ""
    create_url_name = ""
    edit_url_name = ""
    delete_url_name = ""
    paginate_by = 50

    def get_queryset(self):
        return self.model.objects.filter(association=self.association)

    def get_table_data(self):
        rows = list(super().get_table_data())
        for row in rows:
            if self.edit_url_name:
                row.edit_url = self.association_url(self.edit_url_name, pk=row.pk)
            if self.delete_url_name:
                row.delete_url = self.association_url(self.delete_url_name, pk=row.pk)
        return rows

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=self.page_title,
            intro=self.intro,
            create_url=self.association_url(self.create_url_name) if self.create_url_name else "",
            **kwargs,
        )


class AssociationObjectFormView(
    OnceOnlyCreateMixin, ServiceFormMixin, AssociationObjectMixin, UpdateView
):
    """Create (no ``pk`` in the URL) or edit one record owned by the förbund."""

    template_name = "associations/object_form.html"
    create_title = ""
    update_title = ""

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return self.model(association=self.association)
        return super().get_object(queryset)

    def get_context_data(self, **kwargs):
        creating = self.object.pk is None
        return super().get_context_data(
            page_title=self.create_title if creating else self.update_title,
            cancel_url=self.get_success_url(),
            **kwargs,
        )

    def perform(self, form):
        association_object_save(
            association=self.association, instance=form.instance, acting_user=self.request.user
        )


class AssociationObjectDeleteView(AssociationObjectMixin, DeleteView):
    template_name = "associations/object_confirm_delete.html"
    success_url_name = ""
    page_title = _("Remove")
    success_message = _("Removed.")
    protected_message = _("This cannot be removed while other records refer to it.")

    def get_success_url(self):
        return self.association_url(self.success_url_name)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=self.page_title, cancel_url=self.get_success_url(), **kwargs
        )

    def form_valid(self, form):
        try:
            association_object_delete(
                association=self.association, instance=self.object, acting_user=self.request.user
            )
        except ProtectedError:
            messages.error(self.request, self.protected_message)
            return HttpResponseRedirect(self.get_success_url())
        except ValidationError as error:  # e.g. named by an approved plan (plans.freezing)
            show_validation_error(self.request, error)
            return HttpResponseRedirect(self.get_success_url())
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class AssociationFormView(ServiceFormMixin, AssociationPermissionMixin, FormView):
    template_name = "associations/object_form.html"
    page_title = ""

    def get_page_title(self):
        return self.page_title

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=self.get_page_title(), cancel_url=self.get_success_url(), **kwargs
        )
