"""The form, delete and move views of an ordered part of a container.

A plan has sections, goals, measurement points...; a budget has columns, groups and
lines. Each kind of part is edited the same way: created or edited on a form,
removed after a confirmation, moved up or down among its siblings, and always
fetched through its container, so another container's part is a 404.

``PartKind`` says what differs between the kinds (model, form, titles, the path from
the part to its container). A container's app (``plans``, ``budgets``) writes one
view class per action on these mixins: where the container is, where its parts are
shown, and which service saves, removes and moves them. Its ``urls.py`` gives each
kind to those classes with ``as_view(kind=...)``.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .mixins import show_validation_error


@dataclass(frozen=True)
class PartKind:
    """One kind of part: a plan's sections, a budget's lines..."""

    model: type[models.Model]
    form_class: type
    create_title: str | Promise
    update_title: str | Promise
    # From the part to its container, as a queryset filter ("plan", "group__budget").
    container_lookup: str
    # The part's id on the container's page is "<anchor>-<pk>" ("" for none).
    anchor: str = ""
    # Form fields whose initial value may come from the query string (``?goal=3``).
    initial_parents: tuple[str, ...] = ()
    # Many-to-many form fields the save service sets.
    m2m_fields: tuple[str, ...] = ()


class PartMixin:
    """A part of ``container()`` of the kind ``kind``, fetched through the container."""

    kind: PartKind | None = None  # given by ``as_view(kind=...)``

    def container(self) -> models.Model:
        raise NotImplementedError

    def container_url(self, part=None) -> str:
        """Where the parts are shown; with ``part``, at that part."""
        raise NotImplementedError

    def get_queryset(self):
        return self.kind.model.objects.filter(**{self.kind.container_lookup: self.container()})

    def part_anchor(self, part) -> str:
        return f"{self.kind.anchor}-{part.pk}" if part is not None and self.kind.anchor else ""


class PartFormMixin(PartMixin):
    """Create (no ``pk`` in the URL) or edit one part; ``perform`` saves it as ``saved``."""

    def get_form_class(self):
        return self.kind.form_class

    def new_part(self):
        return self.kind.model(association=self.association)

    def get_object(self, queryset=None):
        if "pk" not in self.kwargs:
            return self.new_part()
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_initial(self):
        initial = super().get_initial()
        for name in self.kind.initial_parents:
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial

    def get_context_data(self, **kwargs):
        creating = self.object.pk is None
        return super().get_context_data(
            page_title=self.kind.create_title if creating else self.kind.update_title,
            cancel_url=self.container_url(),
            **kwargs,
        )

    def get_success_url(self):
        return self.container_url(getattr(self, "saved", None))


class PartDeleteMixin(PartMixin):
    """A confirmation page (GET) and the removal (POST) through ``delete_part``."""

    def delete_part(self, part) -> None:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Remove"), cancel_url=self.container_url(), **kwargs
        )

    def form_valid(self, form):
        try:
            self.delete_part(self.object)
        except ValidationError as error:
            show_validation_error(self.request, error)
        else:
            messages.success(self.request, _("Removed."))
        return HttpResponseRedirect(self.container_url())


class PartMoveMixin(PartMixin):
    """POST ``direction=up|down``: move a part one place among its siblings."""

    http_method_names = ["post"]

    def move_part(self, part, offset: int) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        part = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        offset = -1 if request.POST.get("direction") == "up" else 1
        try:
            self.move_part(part, offset)
        except ValidationError as error:
            show_validation_error(request, error)
        return HttpResponseRedirect(self.container_url(part))
