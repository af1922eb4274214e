"""The report's review and the auditors' statement (included by ``reports.urls``)."""

from django.urls import path

from . import review_views

REPORT = "<int:report_pk>/"

urlpatterns = [
    path(
        f"{REPORT}review/send/",
        review_views.ReportReviewSendView.as_view(),
        name="report_review_send",
    ),
    path(
        f"{REPORT}review/withdraw/",
        review_views.ReportReviewWithdrawView.as_view(),
        name="report_review_withdraw",
    ),
    path(
        f"{REPORT}review/decision/",
        review_views.ReportDecisionView.as_view(),
        name="report_decision",
    ),
    path(f"{REPORT}history/", review_views.ReportHistoryView.as_view(), name="report_history"),
    path(
        f"{REPORT}auditors-statement/",
        review_views.AuditorsStatementView.as_view(),
        name="auditors_statement",
    ),
]
