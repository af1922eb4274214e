from django.urls import path

from . import review_views, views

app_name = "plans"

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
    path(
        "<int:plan_pk>/comments/new/",
        review_views.CommentCreateView.as_view(),
        name="comment_create",
    ),
    path(
        "<int:plan_pk>/comments/<int:pk>/reply/",
        review_views.CommentReplyView.as_view(),
        name="comment_reply",
    ),
    path(
        "<int:plan_pk>/comments/<int:pk>/edit/",
        review_views.CommentUpdateView.as_view(),
        name="comment_update",
    ),
    path(
        "<int:plan_pk>/comments/<int:pk>/withdraw/",
        review_views.CommentWithdrawView.as_view(),
        name="comment_withdraw",
    ),
    path(
        "<int:plan_pk>/comments/<int:pk>/handled/",
        review_views.CommentHandleView.as_view(),
        name="comment_handle",
    ),
    path("<int:plan_pk>/history/", review_views.PlanHistoryView.as_view(), name="history"),
    path(
        "<int:plan_pk>/budget-history/",
        review_views.BudgetHistoryView.as_view(),
        name="budget_history",
    ),
    path("<int:plan_pk>/changes/", review_views.PlanChangesView.as_view(), name="changes"),
]

for prefix, (form_view, delete_view, move_view) in views.PARTS.items():
    name = prefix.replace("-", "_")
    urlpatterns += [
        path(f"<int:plan_pk>/{prefix}/new/", form_view.as_view(), name=f"{name}_create"),
        path(f"<int:plan_pk>/{prefix}/<int:pk>/edit/", form_view.as_view(), name=f"{name}_update"),
        path(
            f"<int:plan_pk>/{prefix}/<int:pk>/delete/",
            delete_view.as_view(),
            name=f"{name}_delete",
        ),
        path(f"<int:plan_pk>/{prefix}/<int:pk>/move/", move_view.as_view(), name=f"{name}_move"),
    ]
