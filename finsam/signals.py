"""What happens in the base layer's utilities, for the apps above to act on.

- ``file_downloaded(request, association, kind, filename)``: a download view sent a file
  of the förbund's figures or documents (``kind`` "export" for a workbook or CSV file,
  "pdf" for a document's PDF or PDF/A). Sent through ``finsam.downloads.announce_download``;
  the audit app writes it to the förbund's Händelselogg.
"""

from django.dispatch import Signal

file_downloaded = Signal()
