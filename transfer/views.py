from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from associations.mixins import AssociationPermissionMixin
from associations.services import association_export_recorded
from finsam.downloads import EXPORT, announce_download, content_disposition

from .exporting import association_export

EXPORT_ASSOCIATION = "transfer.export_association"  # transfer/rules.py


class ExportView(AssociationPermissionMixin, TemplateView):
    """ "Exportera all data": the page says what the archive holds; its button (POST)
    downloads it, records when the förbund was last exported and logs the download."""

    permission_required = EXPORT_ASSOCIATION
    template_name = "transfer/export.html"
    page_title = _("Export all data")

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=self.page_title, **kwargs)

    def post(self, request, *args, **kwargs):
        archive = association_export(association=self.association)
        association_export_recorded(association=self.association)
        name = f"{slugify(self.association.display_name)}-export-{timezone.localdate()}.zip"
        response = FileResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = content_disposition(name)
        return announce_download(request, response, association=self.association, kind=EXPORT)
