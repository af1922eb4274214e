from django.urls import path

from associations.urls import ordered_part_urls

from . import review_views, views

app_name = "plans"

COMMENTS = "<int:plan_pk>/comments/"
COMMENT = f"{COMMENTS}<int:pk>/"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("<int:plan_pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("<int:plan_pk>/edit/", views.PlanUpdateView.as_view(), name="plan_update"),
    path("<int:plan_pk>/copy/", views.PlanCopyView.as_view(), name="plan_copy"),
    # The board's review (plans/review_views.py)
    path("<int:plan_pk>/review/", review_views.ReviewPageView.as_view(), name="review"),
    path("<int:plan_pk>/review/send/", review_views.ReviewSendView.as_view(), name="review_send"),
    path(
        "<int:plan_pk>/review/withdraw/",
        review_views.ReviewWithdrawView.as_view(),
        name="review_withdraw",
    ),
    path("<int:plan_pk>/decision/", review_views.DecisionView.as_view(), name="decision"),
    path(
        "<int:plan_pk>/revision/", review_views.RevisionStartView.as_view(), name="revision_start"
    ),
    path(f"{COMMENTS}new/", review_views.CommentCreateView.as_view(), name="comment_create"),
    path(f"{COMMENT}reply/", review_views.CommentReplyView.as_view(), name="comment_reply"),
    path(f"{COMMENT}edit/", review_views.CommentUpdateView.as_view(), name="comment_update"),
    path(
        f"{COMMENT}withdraw/", review_views.CommentWithdrawView.as_view(), name="comment_withdraw"
    ),
    path(f"{COMMENT}handled/", review_views.CommentHandleView.as_view(), name="comment_handle"),
    path("<int:plan_pk>/history/", review_views.PlanHistoryView.as_view(), name="history"),
    path(
        "<int:plan_pk>/budget-history/",
        review_views.BudgetHistoryView.as_view(),
        name="budget_history",
    ),
    path("<int:plan_pk>/changes/", review_views.PlanChangesView.as_view(), name="changes"),
]

for prefix, kind in views.PART_KINDS.items():
    urlpatterns += ordered_part_urls(
        f"<int:plan_pk>/{prefix}/",
        prefix.replace("-", "_"),
        kind,
        form_view=views.PlanInterventionFormView
        if prefix == "interventions"
        else views.PlanPartFormView,
        delete_view=views.PlanPartDeleteView,
        move_view=views.PlanPartMoveView,
    )
